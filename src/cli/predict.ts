/** `convsweep predict MODEL INPUT…`: the class a trained model gives each image, as CSV. */
import type { Argv } from 'yargs';
import { stringify } from 'csv-stringify/sync';
import { selectBackend } from '../backend/select.js';
import { readInputs } from '../data/inputs.js';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { predictProbabilities } from '../train/evaluate.js';
import { openTrainedModel } from '../train/trained-model.js';
import { runCommand } from './command-runner.js';
import { checkIntegerFlags, withBackend, withVerbose } from './options.js';

/** Indices of the k largest of `scores`, largest first (ties: the lower index first). */
function topIndices(scores: Float32Array, k: number): number[] {
  return Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, k);
}

export const predictCommand = {
  command: 'predict <model> <inputs..>',
  describe: 'classify images (files, folders, CSV or IDX files) with a trained model; one CSV row an image',
  builder: (y: Argv) =>
    withVerbose(withBackend(
      y
        .positional('model', { type: 'string', demandOption: true, describe: 'a train output folder or a sweep\'s best/' })
        .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'image files, folders of them, CSV or IDX files' }),
    ))
      .option('top', { type: 'number', default: 1, describe: 'also list the K most likely classes' })
      .option('out', { type: 'string', describe: 'write the CSV to this file (default: standard output)' }),
  handler: (argv: { model: string; inputs: string[]; top: number; out?: string; backend: Parameters<typeof selectBackend>[0]; verbose: boolean }) =>
    runCommand(async () => {
      checkIntegerFlags([['--top', argv.top, 1]]);
      await selectBackend(argv.backend);
      const trained = await openTrainedModel(argv.model);
      const classes = trained.classNames.length;
      if (argv.top > classes) throw new InputError({ file: '--top', path: '', message: `${argv.top} is more than the model's ${classes} classes` });
      const inputs = await readInputs(argv.inputs, trained.imageShape, trained.resize);
      const probabilities = predictProbabilities(trained.model, inputs.images, inputs.items.length, trained.imageShape);
      const header = ['file', 'row', 'class', 'probability'];
      for (let k = 2; k <= argv.top; k++) header.push(`class_${k}`, `probability_${k}`);
      const rows = inputs.items.map((item, i) => {
        const scores = probabilities.subarray(i * classes, (i + 1) * classes);
        return [item.file, item.row ?? '', ...topIndices(scores, argv.top).flatMap((c) => [trained.classNames[c], scores[c].toFixed(6)])];
      });
      const csv = stringify(rows, { header: true, columns: header });
      if (argv.out) await writeFileAtomic(argv.out, csv);
      else process.stdout.write(csv);
    }, argv.verbose),
};
