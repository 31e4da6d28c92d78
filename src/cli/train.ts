/** `convsweep train CONFIG`: one run of one config, into one output folder. */
import type { Argv } from 'yargs';
import { join } from 'node:path';
import { selectBackend } from '../backend/select.js';
import { assertFreeDestination } from '../fs-atomic.js';
import { prepareConfig } from '../train/prepare.js';
import { runTraining } from '../train/run.js';
import { backendNote } from './backend-note.js';
import { EXIT, interruptSignal, runCommand } from './command-runner.js';
import { expectKind } from './file-kind-check.js';
import { checkIntegerFlags, withBackend, withLimits, withVerbose } from './options.js';
import { progressReporter } from './progress.js';

function timestamp(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

export const trainCommand = {
  command: 'train <config>',
  describe: 'train one config; writes model, metrics, history, curves and confusion matrices',
  builder: (y: Argv) =>
    withVerbose(withLimits(withBackend(y.positional('config', { type: 'string', demandOption: true, describe: 'config JSON file' }))))
      .option('out', { type: 'string', describe: 'output folder (default results/runs/<name>-<timestamp>)' })
      .option('seed', { type: 'number', describe: 'override the config\'s seed' })
      .option('batch-size', { type: 'number', describe: 'override the config\'s batch_size' })
      .example('convsweep train configs/paper-exp1.json', 'the paper\'s Experiment 1 on the full MNIST')
      .example('convsweep train configs/mnist-small.json --epochs 1 --train-limit 5000', 'a quick try on a slice')
      .example('convsweep train results/mnist-quick/best/config.json', 'retrain a sweep\'s winner'),
  handler: (argv: { config: string; out?: string; seed?: number; epochs?: number; batchSize?: number; trainLimit?: number; testLimit?: number; backend: Parameters<typeof selectBackend>[0]; verbose: boolean }) =>
    runCommand(async () => {
      checkIntegerFlags([['--seed', argv.seed, 0, 4294967295], ['--epochs', argv.epochs, 1], ['--batch-size', argv.batchSize, 1], ['--train-limit', argv.trainLimit, 1], ['--test-limit', argv.testLimit, 1]]);
      await expectKind(argv.config, 'config');
      const { config, file, data } = await prepareConfig(argv.config);
      const outDir = argv.out ?? join('results', 'runs', `${config.name}-${timestamp()}`);
      await assertFreeDestination(outDir);
      const backend = await selectBackend(argv.backend);
      process.stderr.write(`backend: ${backend}\n`);
      const note = backendNote();
      if (note) process.stderr.write(`${note}\n`);
      const progress = progressReporter();
      const { signal, release } = interruptSignal();
      try {
        const metrics = await runTraining({
          config, configFile: file, data, backend, outDir,
          overrides: { seed: argv.seed, epochs: argv.epochs, batchSize: argv.batchSize, trainLimit: argv.trainLimit, testLimit: argv.testLimit },
          hooks: { signal, onBatch: progress.onBatch, onEpoch: progress.onEpoch, keepBestOnAbort: true },
        });
        process.stdout.write(
          `test_accuracy=${metrics.test_accuracy.toFixed(4)} test_loss=${metrics.test_loss.toFixed(4)} best_epoch=${metrics.best_epoch} epochs_run=${metrics.epochs_run} params=${metrics.params} backend=${metrics.backend} seed=${metrics.seed}\n` +
            `saved to ${outDir}\n`,
        );
        if (metrics.status === 'interrupted') {
          process.stderr.write(`interrupted after epoch ${metrics.epochs_run}: the model of its best epoch so far (${metrics.best_epoch}, by ${metrics.best_by}) is saved with everything else, marked "interrupted" in metrics.json\n`);
          return EXIT.interrupted;
        }
      } finally {
        release();
      }
    }, argv.verbose),
};
