/** `convsweep worker --queue redis://…`: trains the trials of every sweep announced on that Redis. */
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Argv } from 'yargs';
import { selectBackend } from '../backend/select.js';
import type { BackendChoice } from '../backend/names.js';
import { InputError, RunError } from '../errors.js';
import { connectRedis, redactUrl } from '../queue/connection.js';
import { SweepWorker } from '../queue/sweep-worker.js';
import { GpuSlots, machineShape } from '../sweep/gpu-slots.js';
import { EXIT, runCommand } from './command-runner.js';
import { checkIntegerFlags, withBackend, withVerbose } from './options.js';

interface WorkerArgs {
  queue: string;
  slots?: number;
  gpus?: string;
  backend: BackendChoice;
  name?: string;
  workDir?: string;
  lockDuration: number;
  stalledInterval: number;
  verbose: boolean;
}

function parseGpus(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const ids = text.split(',').map((s) => s.trim());
  if (ids.some((id) => !/^\d+$/.test(id))) throw new InputError({ file: '--gpus', path: '', message: `must list GPU numbers like 0,1, got ${JSON.stringify(text)}` });
  return ids.map(Number);
}

function checkArgs(argv: WorkerArgs): void {
  checkIntegerFlags([['--slots', argv.slots, 1]]);
  for (const [flag, value] of [['--lock-duration', argv.lockDuration], ['--stalled-interval', argv.stalledInterval]] as const) {
    if (!(value > 0)) throw new InputError({ file: flag, path: '', message: `must be a positive number of seconds, got ${value}` });
  }
}

export const workerCommand = {
  command: 'worker',
  describe: 'serve distributed sweeps: pull trials from the Redis queue, train them here, send the results back',
  builder: (y: Argv) =>
    withVerbose(withBackend(y))
      .option('queue', { type: 'string', demandOption: true, describe: 'Redis URL: redis://[:password@]host:port[/db], rediss:// for TLS' })
      .option('slots', { type: 'number', describe: 'trials at once (default: cores for wasm/cpu, one a GPU with --gpus)' })
      .option('gpus', { type: 'string', describe: 'GPU numbers this worker may use, e.g. 0,1 (tensorflow-gpu: one trial a GPU per slot)' })
      .option('name', { type: 'string', describe: 'worker name in logs and results (default host-pid)' })
      .option('work-dir', { type: 'string', describe: 'local folder for running trials and received datasets (default: a folder in the system temp dir)' })
      .option('lock-duration', { type: 'number', default: 30, describe: 'seconds a trial stays locked to this worker without a renewal; after that a dead worker\'s trial goes back to the queue' })
      .option('stalled-interval', { type: 'number', default: 15, describe: 'seconds between this worker\'s checks for trials of dead workers' })
      .example('convsweep worker --queue redis://:PASSWORD@redis-host:6379', 'one trial a core on this machine')
      .example('convsweep worker --queue redis://:PASSWORD@redis-host:6379 --gpus 0,1', 'one trial a GPU'),
  handler: (argv: WorkerArgs) =>
    runCommand(async () => {
      checkArgs(argv);
      const gpus = parseGpus(argv.gpus);
      const name = argv.name ?? `${hostname()}-${process.pid}`;
      const redis = await connectRedis(argv.queue);
      const backend = await selectBackend(argv.backend);
      const native = backend === 'tensorflow' || backend === 'tensorflow-gpu';
      const logger = pino({ base: { worker: name }, timestamp: pino.stdTimeFunctions.isoTime });
      if (gpus && backend !== 'tensorflow-gpu') logger.warn({ event: 'gpus-unused', backend }, `--gpus has no effect on the ${backend} backend`);
      const machine = machineShape(backend);
      const devices = backend === 'tensorflow-gpu' ? gpus ?? Array.from({ length: machine.gpus }, (_, i) => i) : [];
      const slots = argv.slots ?? (devices.length > 0 ? devices.length : machine.cores);
      const gpuSlots = devices.length > 0 ? new GpuSlots(devices, Math.ceil(slots / devices.length)) : undefined;
      const workDir = argv.workDir ?? join(tmpdir(), `convsweep-worker-${name}`);
      let brokenBy: string | undefined;
      let stopNow: (why: string) => void = () => undefined;
      const stopped = new Promise<string>((resolve) => (stopNow = resolve));
      const worker = await SweepWorker.start({
        redis, name, slots, backend, isolation: native ? 'process' : 'thread', gpuSlots, workDir,
        lockDurationMs: argv.lockDuration * 1000, stalledIntervalMs: argv.stalledInterval * 1000, logger,
        onBroken: (reason) => {
          brokenBy ??= reason;
          stopNow(`this machine cannot run trials: ${reason}`);
        },
      });
      logger.info({ event: 'ready', queue: redactUrl(argv.queue), backend, slots, gpus, workDir }, `worker ${name} ready: ${slots} slot${slots === 1 ? '' : 's'} on ${backend}`);
      const onSignal = (signal: NodeJS.Signals) => stopNow(`${signal}: handing running trials back to the queue`);
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const why = await stopped;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // A second signal does not wait for the hand-back.
      process.once('SIGINT', () => process.exit(EXIT.interrupted));
      process.once('SIGTERM', () => process.exit(EXIT.interrupted));
      logger.info({ event: 'stopping', why }, `stopping (${why})`);
      await worker.stop();
      await redis.quit();
      logger.info({ event: 'stopped' }, 'stopped');
      if (brokenBy !== undefined) throw new RunError(`worker ${name} stopped: this machine cannot run trials (${brokenBy})`);
    }, argv.verbose),
};
