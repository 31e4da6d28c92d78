/** `convsweep run SWEEP`: every trial of a sweep on a pool of workers, then the aggregate report. */
import type { Argv } from 'yargs';
import type { BackendChoice } from '../backend/names.js';
import { InputError } from '../errors.js';
import type { Sweep } from '../sweep/load.js';
import { planSweep, runSweep } from '../sweep/run-sweep.js';
import type { Isolation } from '../sweep/worker-entry.js';
import { EXIT, interruptSignal, runCommand } from './command-runner.js';
import { checkIntegerFlags, withBackend, withLimits, withVerbose } from './options.js';
import { SweepProgress } from './sweep-progress.js';

interface RunArgs {
  sweep: string;
  out?: string;
  workers?: number;
  trialsPerGpu?: number;
  resume: boolean;
  dryRun: boolean;
  epochs?: number;
  trainLimit?: number;
  testLimit?: number;
  backend: BackendChoice;
  isolation?: Isolation;
  queue?: string;
  verbose: boolean;
}

function trialTable(trials: { number: number; id: string; label: string }[]): string {
  const width = Math.max(6, String(trials.length).length);
  const idWidth = Math.max(10, ...trials.map((t) => t.id.length));
  const rows = [`${'number'.padEnd(width)}  ${'id'.padEnd(idWidth)}  label`, ...trials.map((t) => `${String(t.number).padEnd(width)}  ${t.id.padEnd(idWidth)}  ${t.label}`)];
  return `${rows.join('\n')}\n`;
}

function earlyStoppingNote(sweep: Sweep): string {
  const e = sweep.earlyStopping;
  if (!e) return '';
  return e.type === 'asha'
    ? `, ASHA on ${e.metric} stopping losing trials at rungs from epoch ${e.minEpochs} (reduction factor ${e.reductionFactor})`
    : `, the median rule on ${e.metric} stopping trials after ${e.startupTrials} completed ones`;
}

export const sweepRunCommand = {
  command: 'run <sweep>',
  describe: 'run a hyperparameter sweep (grid, random or TPE, with optional early stopping) on a pool of workers, then the report',
  builder: (y: Argv) =>
    withVerbose(withLimits(withBackend(y.positional('sweep', { type: 'string', demandOption: true, describe: 'sweep JSON file' }))))
      .option('workers', { type: 'number', describe: 'trials at once (default: cores for wasm/cpu, GPUs × --trials-per-gpu for tensorflow-gpu)' })
      .option('trials-per-gpu', { type: 'number', describe: 'trials sharing one GPU (tensorflow-gpu)', default: 1 })
      .option('out', { type: 'string', describe: 'results folder (default results/<sweep name>)' })
      .option('resume', { type: 'boolean', default: false, describe: 'continue a sweep in --out: skip finished trials, rerun failed and unfinished ones' })
      .option('queue', { type: 'string', describe: 'Redis URL (redis://host:port, rediss:// for TLS): send the trials to `convsweep worker` processes instead of a local pool' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'list the trials (id, label) and exit; trains and writes nothing' })
      // Child processes are how native backends run; choosing them for wasm lets tests cover that path.
      .option('isolation', { choices: ['thread', 'process'] as Isolation[], hidden: true }),
  handler: (argv: RunArgs) =>
    runCommand(async () => {
      checkIntegerFlags([['--workers', argv.workers, 1], ['--trials-per-gpu', argv.trialsPerGpu, 1], ['--epochs', argv.epochs, 1], ['--train-limit', argv.trainLimit, 1], ['--test-limit', argv.testLimit, 1]]);
      if (argv.queue !== undefined) {
        // On the queue, each worker decides its own: refusing beats silently ignoring.
        const local = [argv.workers !== undefined && '--workers', argv.backend !== 'auto' && '--backend', argv.isolation !== undefined && '--isolation'].filter((f): f is string => typeof f === 'string');
        if (local.length > 0) throw new InputError(local.map((flag) => ({ file: flag, path: '', message: 'has no effect with --queue', hint: 'each `convsweep worker` sets its own --slots and --backend' })));
      }
      const overrides = { epochs: argv.epochs, trainLimit: argv.trainLimit, testLimit: argv.testLimit };
      if (argv.dryRun) {
        const { trials, outDir, sweep, search } = await planSweep({ sweepFile: argv.sweep, overrides, outDir: argv.out });
        process.stdout.write(trialTable(trials));
        const total = search.sampler.maxTrials;
        const which = trials.length === total ? '' : ` (the ${trials.length} start-up trials; TPE chooses the other ${total - trials.length} from their results)`;
        process.stdout.write(`${total} trial${total === 1 ? '' : 's'} would run into ${outDir}${which}${earlyStoppingNote(sweep)} (dry run: nothing trained or written)\n`);
        return;
      }
      const progress = new SweepProgress();
      const { signal, release } = interruptSignal();
      try {
        const summary = await runSweep({
          sweepFile: argv.sweep,
          overrides,
          outDir: argv.out,
          backend: argv.backend,
          workers: argv.workers,
          trialsPerGpu: argv.trialsPerGpu,
          isolation: argv.isolation,
          queue: argv.queue,
          resume: argv.resume,
          signal,
          listener: progress,
        });
        progress.close();
        const skipped = summary.skipped > 0 ? `, ${summary.skipped} finished earlier` : '';
        const pruned = summary.pruner ? `, ${summary.pruned} pruned` : '';
        process.stdout.write(`${summary.completed} completed${pruned}, ${summary.failed} failed${skipped}, ${summary.notRun} not run, of ${summary.total} trials\n`);
        if (summary.pruner && summary.epochsPlanned > 0) {
          process.stdout.write(`${summary.pruner}: ${summary.epochsRun} of ${summary.epochsPlanned} epochs trained (${Math.round((100 * summary.epochsRun) / summary.epochsPlanned)}%), ${summary.pruned} trial${summary.pruned === 1 ? '' : 's'} pruned\n`);
        }
        if (summary.timeUp) process.stdout.write('max_time_s passed: no further trial was started\n');
        process.stdout.write(`saved to ${summary.outDir}\n`);
        if (summary.interrupted) {
          process.stderr.write(`interrupted: finished trials are saved; continue with --resume --out ${summary.outDir}\n`);
          return EXIT.interrupted;
        }
        return summary.failed > 0 ? EXIT.failed : EXIT.ok;
      } finally {
        release();
      }
    }, argv.verbose),
};
