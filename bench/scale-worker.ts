/**
 * One worker process of the scale benchmark: the real SweepWorker on the real queue, its trials
 * played from a recorded curve table (scale-replay-executor.ts) instead of trained, so that two
 * dozen of them fit on one machine. It logs JSON lines to its own file, written synchronously so
 * that a SIGKILL loses none.
 *
 *   node dist/bench/scale-worker.js --queue URL --name NAME --log FILE --work-dir DIR --table FILE --time-scale X
 *     [--lock-duration-ms 8000] [--stalled-interval-ms 2000]
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { connectRedis } from '../src/queue/connection.js';
import { SweepWorker } from '../src/queue/sweep-worker.js';
import type { CurveTable } from '../src/sweep/executor/replay.js';
import { ReplayTrialRunner } from './scale-replay-executor.js';

function flag(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`scale-worker: --${name} is required`);
  return value;
}

const name = flag('name');
const table = JSON.parse(readFileSync(flag('table'), 'utf8')) as CurveTable;
const logger = pino({ base: { worker: name }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: flag('log'), sync: true, mkdir: true }));
const redis = await connectRedis(flag('queue'));
const worker = await SweepWorker.start({
  redis,
  name,
  slots: 1,
  backend: 'cpu',
  isolation: 'thread',
  workDir: flag('work-dir'),
  lockDurationMs: Number(flag('lock-duration-ms', '8000')),
  stalledIntervalMs: Number(flag('stalled-interval-ms', '2000')),
  logger,
  executor: new ReplayTrialRunner({ table, timeScale: Number(flag('time-scale')), logger }),
});
logger.info({ event: 'ready' }, `worker ${name} ready`);
process.stdout.write('ready\n');
const stop = async () => {
  logger.info({ event: 'stopping' }, 'stopping');
  await worker.stop();
  await redis.quit();
  logger.info({ event: 'stopped' }, 'stopped');
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
