/** `convsweep run SWEEP`: every trial of a sweep on a pool of workers, then the aggregate report. */
import type { Argv } from 'yargs';
import type { BackendChoice } from '../backend/names.js';
import { InputError } from '../errors.js';
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

function trialTable(trials: { index: number; id: string; label: string }[]): string {
  const indexWidth = Math.max(5, String(trials.length).length);
  const rows = [`${'index'.padEnd(indexWidth)}  ${'id'.padEnd(10)}  label`, ...trials.map((t) => `${String(t.index).padEnd(indexWidth)}  ${t.id}  ${t.label}`)];
  return `${rows.join('\n')}\n`;
}

export const sweepRunCommand = {
  command: 'run <sweep>',
  describe: 'run a hyperparameter sweep: every trial of its grid on a pool of workers, then the report',
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
        const { trials, outDir } = await planSweep({ sweepFile: argv.sweep, overrides, outDir: argv.out });
        process.stdout.write(trialTable(trials));
        process.stdout.write(`${trials.length} trial${trials.length === 1 ? '' : 's'} would run into ${outDir} (dry run: nothing trained or written)\n`);
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
        process.stdout.write(`${summary.completed} completed, ${summary.failed} failed${skipped}, ${summary.notRun} not run, of ${summary.total} trials\nsaved to ${summary.outDir}\n`);
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
