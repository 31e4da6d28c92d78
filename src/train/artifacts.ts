/**
 * Everything a finished run leaves in its folder: resolved config, metrics, history, the best
 * model, curves and confusion matrices. Called on a staging folder that is renamed into place after,
 * so these writes need not be atomic one by one.
 */
import type * as tf from '@tensorflow/tfjs';
import { stringify } from 'csv-stringify/sync';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLASSES_FILE, fileSystemIO } from '../model/file-io.js';
import { confusionCsv, confusionSpec } from '../charts/confusion-chart.js';
import { curvesSpec } from '../charts/curves-chart.js';
import type { HistoryRow } from './history.js';
import { renderVegaLite } from '../charts/render.js';
import type { RunMetrics } from './metrics.js';
import { CONFIG_FILE, HISTORY_FILE, METRICS_FILE } from './run-folder.js';

export const HISTORY_COLUMNS = ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr', 'seconds'] as const;

export function historyCsv(history: HistoryRow[]): string {
  return stringify(
    history.map((row) => HISTORY_COLUMNS.map((c) => (c === 'seconds' ? row.seconds.toFixed(3) : row[c] ?? ''))),
    { header: true, columns: [...HISTORY_COLUMNS] },
  );
}

export interface RunArtifacts {
  config: object;
  metrics: RunMetrics;
  history: HistoryRow[];
  model: tf.LayersModel;
  confusion: { train: number[][]; test: number[][] };
  labels: string[];
  title: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export async function writeRunArtifacts(dir: string, a: RunArtifacts): Promise<void> {
  await writeFile(join(dir, CONFIG_FILE), json(a.config));
  await writeFile(join(dir, HISTORY_FILE), historyCsv(a.history));
  await a.model.save(fileSystemIO(join(dir, 'model')));
  await writeFile(join(dir, 'model', CLASSES_FILE), json(a.labels));

  const curves = await renderVegaLite(curvesSpec(a.history, `${a.title}: loss and accuracy`));
  await writeFile(join(dir, 'curves.svg'), curves.svg);
  await writeFile(join(dir, 'curves.png'), curves.png);
  for (const split of ['train', 'test'] as const) {
    const matrix = a.confusion[split];
    const chart = await renderVegaLite(confusionSpec(matrix, a.labels, `${a.title}: confusion matrix (${split})`));
    await writeFile(join(dir, `confusion-${split}.csv`), confusionCsv(matrix, a.labels));
    await writeFile(join(dir, `confusion-${split}.svg`), chart.svg);
    await writeFile(join(dir, `confusion-${split}.png`), chart.png);
  }
  // Last: a folder with metrics.json is a complete run (sweep resume relies on it).
  await writeFile(join(dir, METRICS_FILE), json(a.metrics));
}
