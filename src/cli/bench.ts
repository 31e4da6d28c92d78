/** `convsweep bench CONFIG`: training images a second on the selected backend. */
import type { Argv } from 'yargs';
import { selectBackend } from '../backend/select.js';
import type { BackendChoice } from '../backend/names.js';
import { benchTraining } from '../train/bench.js';
import { prepareConfig } from '../train/prepare.js';
import { backendNote } from './backend-note.js';
import { runCommand } from './command-runner.js';
import { expectKind } from './file-kind-check.js';
import { checkIntegerFlags, withBackend, withVerbose } from './options.js';

export const benchCommand = {
  command: 'bench <config>',
  describe: 'time training steps (forward, backward, optimiser) over N MNIST images',
  builder: (y: Argv) =>
    withVerbose(withBackend(y.positional('config', { type: 'string', demandOption: true, describe: 'config JSON file' })))
      .option('images', { type: 'number', default: 4096, describe: 'images to time, after a warm-up of 2 batches' })
      .option('batch-size', { type: 'number', default: 128 })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON line' })
      .example('convsweep bench configs/paper-exp1.json --images 4096', 'images a second of Experiment 1\'s training'),
  handler: (argv: { config: string; images: number; batchSize: number; json: boolean; backend: BackendChoice; verbose: boolean }) =>
    runCommand(async () => {
      checkIntegerFlags([['--images', argv.images, 1], ['--batch-size', argv.batchSize, 1]]);
      await expectKind(argv.config, 'config');
      const { config, data } = await prepareConfig(argv.config);
      const backend = await selectBackend(argv.backend);
      const note = backendNote();
      if (note && !argv.json) process.stderr.write(`${note}\n`);
      const r = await benchTraining(config, data, argv.images, argv.batchSize);
      if (argv.json) {
        process.stdout.write(`${JSON.stringify({ img_per_s: Math.round(r.img_per_s * 10) / 10, backend, params: r.params, batch_size: r.batch_size, images: r.images, seconds: Math.round(r.seconds * 1000) / 1000 })}\n`);
      } else {
        process.stdout.write(`${config.name}: ${r.img_per_s.toFixed(1)} img/s on ${backend} (batch ${r.batch_size}, ${r.images} images in ${r.seconds.toFixed(2)} s, ${r.params} params)\n`);
      }
    }, argv.verbose),
};
