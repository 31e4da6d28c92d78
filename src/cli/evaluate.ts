/**
 * `convsweep evaluate MODEL --data SOURCE`: a trained model on a labelled set — accuracy, loss,
 * per-class precision, recall and F1, the confusion matrix — as a table or JSON, and with --out as
 * files (written together: the folder appears complete or not at all).
 */
import type { Argv } from 'yargs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { selectBackend } from '../backend/select.js';
import { parseConfigText, validateConfig } from '../config/load.js';
import type { ImageSet } from '../data/dataset.js';
import { readLabelledInputs, toModelClasses } from '../data/inputs.js';
import { loadDataset } from '../data/load.js';
import { InputError } from '../errors.js';
import { assertFreeDestination, stagingFolder } from '../fs-atomic.js';
import { confusionCsv, confusionSpec } from '../charts/confusion-chart.js';
import { confusionMatrix } from '../train/confusion.js';
import { renderVegaLite } from '../charts/render.js';
import { classScores, type ClassScores } from '../train/class-scores.js';
import { evaluate } from '../train/evaluate.js';
import { openTrainedModel, type TrainedModel } from '../train/trained-model.js';
import { runCommand } from './command-runner.js';
import { withBackend, withVerbose } from './options.js';

/**
 * A dataset .json file holds a dataset entry as a config's "dataset" takes it, or a whole config
 * (then its dataset's test set is used). Checked by the config schema, inside a config made for the
 * purpose: its first layer takes the model's input, which is what folder and CSV images decode to.
 */
async function datasetFileSet(file: string, trained: TrainedModel): Promise<ImageSet> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError({ file, path: '', message: `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
  }
  const raw = parseConfigText(text, file) as Record<string, unknown>;
  const isConfig = typeof raw === 'object' && raw !== null && 'layers' in raw;
  const entry = isConfig ? (raw.dataset ?? { name: 'mnist' }) : raw;
  const probe = { layers: [{ type: 'Flatten', input_shape: trained.imageShape }, { type: 'Dense', units: trained.classNames.length }], dataset: entry };
  let spec;
  try {
    spec = validateConfig(probe, file).dataset;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    // Problems of the entry, at their place in the file the user wrote.
    throw new InputError(err.problems.map((p) => ({ ...p, path: isConfig ? p.path : p.path.replace(/^\/dataset/, '') })));
  }
  const data = await loadDataset(spec, file);
  if (data.imageShape.join() !== trained.imageShape.join()) {
    throw new InputError({ file, path: isConfig ? '/dataset' : '', message: `images of ${data.imageShape.join('x')}, but the model takes ${trained.imageShape.join('x')}` });
  }
  return toModelClasses(data.test, data.classNames, trained.classNames, { file, path: isConfig ? '/dataset' : '' });
}

interface EvaluationReport extends ClassScores {
  model: string;
  data: string;
  examples: number;
  accuracy: number;
  loss: number;
  confusion: { labels: string[]; matrix: number[][] };
}

function table(report: EvaluationReport): string {
  const width = Math.max(5, ...report.classes.map((c) => c.class.length), 'weighted avg'.length);
  const line = (name: string, s: { precision: number; recall: number; f1: number; support: number }) =>
    `${name.padEnd(width)}  ${s.precision.toFixed(4).padStart(9)}  ${s.recall.toFixed(4).padStart(6)}  ${s.f1.toFixed(4).padStart(6)}  ${String(s.support).padStart(7)}`;
  return [
    `${report.data}: ${report.examples} examples, accuracy ${report.accuracy.toFixed(4)}, loss ${report.loss.toFixed(4)}`,
    '',
    `${'class'.padEnd(width)}  precision  recall      f1  support`,
    ...report.classes.map((c) => line(c.class, c)),
    '',
    line('macro avg', report.macro),
    line('weighted avg', report.weighted),
    '',
  ].join('\n');
}

async function writeReport(dir: string, report: EvaluationReport): Promise<void> {
  await assertFreeDestination(dir);
  const { labels, matrix } = report.confusion;
  const chart = await renderVegaLite(confusionSpec(matrix, labels, `confusion matrix: ${report.data}`));
  const staging = await stagingFolder(dir);
  try {
    await writeFile(join(staging.path, 'evaluation.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(staging.path, 'confusion.csv'), confusionCsv(matrix, labels));
    await writeFile(join(staging.path, 'confusion.svg'), chart.svg);
    await writeFile(join(staging.path, 'confusion.png'), chart.png);
    await staging.commit();
  } catch (err) {
    await staging.discard();
    throw err;
  }
}

export const evaluateCommand = {
  command: 'evaluate <model>',
  describe: 'a trained model\'s accuracy, loss, per-class precision/recall/F1 and confusion matrix on a labelled set',
  builder: (y: Argv) =>
    withVerbose(withBackend(y.positional('model', { type: 'string', demandOption: true, describe: 'a train output folder or a sweep\'s best/' })))
      .option('data', { type: 'string', demandOption: true, describe: 'a folder of class subfolders, a labelled CSV file, or a dataset .json file (its test set)' })
      .option('out', { type: 'string', describe: 'also write evaluation.json and confusion.csv/.svg/.png into this new folder' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of the table' }),
  handler: (argv: { model: string; data: string; out?: string; json: boolean; backend: Parameters<typeof selectBackend>[0]; verbose: boolean }) =>
    runCommand(async () => {
      if (argv.out) await assertFreeDestination(argv.out);
      await selectBackend(argv.backend);
      const trained = await openTrainedModel(argv.model);
      const set = argv.data.toLowerCase().endsWith('.json')
        ? await datasetFileSet(argv.data, trained)
        : await readLabelledInputs(argv.data, trained.imageShape, trained.resize, trained.classNames);
      const classes = trained.classNames.length;
      const result = evaluate(trained.model, set, trained.imageShape, classes, trained.loss);
      const matrix = confusionMatrix(set.labels, result.predicted, classes);
      const report: EvaluationReport = {
        model: argv.model,
        data: argv.data,
        examples: set.count,
        accuracy: result.accuracy,
        loss: result.loss,
        ...classScores(matrix, trained.classNames),
        confusion: { labels: trained.classNames, matrix },
      };
      if (argv.out) await writeReport(argv.out, report);
      process.stdout.write(argv.json ? `${JSON.stringify(report)}\n` : table(report));
    }, argv.verbose),
};
