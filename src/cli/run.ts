/** `convsweep run SWEEP`: every trial of a sweep on a pool of workers, then the aggregate report. */
import type { Argv } from 'yargs';
import { basename, join, resolve } from 'node:path';
import type { BackendChoice } from '../backend/names.js';
import { InputError } from '../errors.js';
import { redactUrl } from '../queue/connection.js';
import { writeReport } from '../report/aggregate.js';
import { rankSweep } from '../report/rank-sweep.js';
import { shellWord } from '../shell-word.js';
import { startDashboard, type Dashboard } from '../serve/server.js';
import { defaultOutDir } from '../sweep/folder-layout.js';
import { loadSweep, type Sweep } from '../sweep/load.js';
import { planSweep, runSweep, type SweepSummary } from '../sweep/run-sweep.js';
import type { Isolation } from '../sweep/worker-entry.js';
import { EXIT, interruptSignal, runCommand } from './command-runner.js';
import { expectKind } from './file-kind-check.js';
import { checkIntegerFlags, withBackend, withLimits, withVerbose } from './options.js';
import { checkPort, withDashboardFlags } from './serve.js';
import { outcomeLines } from './sweep-outcome.js';
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
  ui: boolean;
  port?: number;
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

/** What a sweep file holds, for `run --help`. */
const SWEEP_FILE_HELP = [
  'A sweep file is JSON: "base", a config file (relative to the sweep file) or a config written inline;',
  '"grid", each setting with the list of values to try (every combination is one trial): filters, dropout,',
  'units, learning_rate, batch_size, epochs, optimizer, or a path into the config such as layers[0].kernel_size;',
  'or "method": "random" or "tpe" with "space" (lists or distributions such as {"distribution": "log_uniform",',
  '"min": 0.0001, "max": 0.01}) and "max_trials"; "early_stopping" ({"type": "asha"} or {"type": "median"}) with any method;',
  'and optionally "metric" and "goal" (what ranks the trials), "seed", "trial_timeout_s", "max_time_s", "max_retries" (--queue), "epochs",',
  '"train_limit", "test_limit". Examples: sweeps/mnist-quick.json, sweeps/mnist-random-asha.json, sweeps/mnist-tpe-median.json;',
  'schema: convsweep schema --sweep.',
].join(' ');

/** The command that continues this sweep, as the user can paste it: the same file, folder and limits. */
function resumeCommand(argv: RunArgs, outDir: string): string {
  const flags: string[] = ['--resume', '--out', shellWord(outDir)];
  for (const [flag, value] of [['--epochs', argv.epochs], ['--train-limit', argv.trainLimit], ['--test-limit', argv.testLimit]] as const) {
    if (value !== undefined) flags.push(flag, String(value));
  }
  // A password is not repeated on the terminal: the user puts it back in place of ***.
  if (argv.queue !== undefined) flags.push('--queue', shellWord(redactUrl(argv.queue)));
  return `convsweep run ${shellWord(argv.sweep)} ${flags.join(' ')}`;
}

/** After the counts: the failures, the winner and the report, read back from the folder as `report` does. */
async function tellOutcome(summary: SweepSummary, argv: RunArgs): Promise<void> {
  const saved = summary.skipped + summary.completed + summary.pruned + summary.failed;
  if (saved === 0) {
    process.stdout.write(`no trial finished, so there is no report yet (the sweep's folder is ${summary.outDir})\n`);
    return;
  }
  const ranked = await rankSweep(summary.outDir);
  for (const line of outcomeLines(ranked, summary.outDir)) process.stdout.write(`${line}\n`);
  if (!summary.interrupted && ranked.best) process.stdout.write(`retrain the best: convsweep train ${shellWord(join(summary.outDir, 'best', 'config.json'))}\n`);
}

/** The progress display, which also prints the dashboard's address once the sweep's folder exists. */
function announcing(progress: SweepProgress, dashboard: Dashboard): SweepProgress {
  const onStart = progress.onStart.bind(progress);
  progress.onStart = (info) => {
    onStart(info);
    progress.note(`dashboard: ${dashboard.origin}/sweep/${encodeURIComponent(basename(resolve(info.outDir)))} (while the sweep runs; \`convsweep serve ${shellWord(info.outDir)}\` after)`);
  };
  return progress;
}

export const sweepRunCommand = {
  command: 'run <sweep>',
  describe: 'run a hyperparameter sweep (grid, random or TPE, with optional early stopping) on a pool of workers, then the report',
  builder: (y: Argv) =>
    withDashboardFlags(withVerbose(withLimits(withBackend(y.positional('sweep', { type: 'string', demandOption: true, describe: 'sweep JSON file' }))))
      .option('workers', { type: 'number', describe: 'trials at once (default: cores for wasm/cpu, GPUs × --trials-per-gpu for tensorflow-gpu)' })
      .option('trials-per-gpu', { type: 'number', describe: 'trials sharing one GPU (tensorflow-gpu)', default: 1 })
      .option('out', { type: 'string', describe: 'results folder (default results/<sweep name>)' })
      .option('resume', { type: 'boolean', default: false, describe: 'continue a sweep in --out: skip finished trials, rerun failed and unfinished ones' })
      .option('queue', { type: 'string', describe: 'Redis URL (redis://host:port, rediss:// for TLS): send the trials to `convsweep worker` processes instead of a local pool' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'list the trials (id, label) and exit; trains and writes nothing' })
      .option('ui', { type: 'boolean', default: false, describe: 'serve the live dashboard of this sweep while it runs (on 127.0.0.1; `convsweep serve` shows it after)' }))
      // Child processes are how native backends run; choosing them for wasm lets tests cover that path.
      .option('isolation', { choices: ['thread', 'process'] as Isolation[], hidden: true })
      .example('convsweep run sweeps/mnist-quick.json', '8 trials of a small net on a slice of MNIST')
      .example('convsweep run sweeps/mnist-quick.json --resume', 'continue it after Ctrl-C, or rebuild its report')
      .example('convsweep run my-sweep.json --dry-run', 'list the trials without training')
      .example('convsweep run sweeps/mnist-quick.json --ui', 'and follow it in a browser at the URL it prints')
      .epilog(SWEEP_FILE_HELP),
  handler: (argv: RunArgs) =>
    runCommand(async () => {
      checkIntegerFlags([['--workers', argv.workers, 1], ['--trials-per-gpu', argv.trialsPerGpu, 1], ['--epochs', argv.epochs, 1], ['--train-limit', argv.trainLimit, 1], ['--test-limit', argv.testLimit, 1]]);
      if (argv.queue !== undefined) {
        // On the queue, each worker decides its own: refusing beats silently ignoring.
        const local = [argv.workers !== undefined && '--workers', argv.backend !== 'auto' && '--backend', argv.isolation !== undefined && '--isolation'].filter((f): f is string => typeof f === 'string');
        if (local.length > 0) throw new InputError(local.map((flag) => ({ file: flag, path: '', message: 'has no effect with --queue', hint: 'each `convsweep worker` sets its own --slots and --backend' })));
      }
      checkPort(argv.port);
      if (argv.port !== undefined && !argv.ui) throw new InputError({ file: '--port', path: '', message: 'has no effect without --ui', hint: 'add --ui to serve the dashboard' });
      await expectKind(argv.sweep, 'sweep');
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
      // Listening before anything is trained: a port in use is refused before the first trial.
      const dashboard = argv.ui ? await startDashboard({ dir: argv.out ?? defaultOutDir((await loadSweep(argv.sweep)).name), port: argv.port }) : undefined;
      const { signal, release } = interruptSignal((text) => progress.note(text));
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
          listener: dashboard ? announcing(progress, dashboard) : progress,
          writeReport,
        });
        progress.close(summary.interrupted);
        const skipped = summary.skipped > 0 ? `, ${summary.skipped} finished earlier` : '';
        const pruned = summary.pruner ? `, ${summary.pruned} pruned` : '';
        process.stdout.write(`${summary.completed} completed${pruned}, ${summary.failed} failed${skipped}, ${summary.notRun} not run, of ${summary.total} trials\n`);
        if (summary.pruner && summary.epochsPlanned > 0) {
          process.stdout.write(`${summary.pruner}: ${summary.epochsRun} of ${summary.epochsPlanned} epochs trained (${Math.round((100 * summary.epochsRun) / summary.epochsPlanned)}%), ${summary.pruned} trial${summary.pruned === 1 ? '' : 's'} pruned\n`);
        }
        if (summary.timeUp) process.stdout.write('max_time_s passed: no further trial was started\n');
        await tellOutcome(summary, argv);
        if (summary.interrupted) {
          const saved = summary.skipped + summary.completed + summary.failed > 0 ? 'finished trials are saved' : 'no trial had finished';
          process.stderr.write(`interrupted: ${saved}; continue with \`${resumeCommand(argv, summary.outDir)}\`\n`);
          return EXIT.interrupted;
        }
        return summary.failed > 0 ? EXIT.failed : EXIT.ok;
      } finally {
        release();
        await dashboard?.close();
      }
    }, argv.verbose),
};
