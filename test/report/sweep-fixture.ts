/**
 * Sweep folders for the report tests, laid out as `convsweep run` leaves them: sweep.json, three
 * trials really trained (runTraining on a small MNIST slice, wasm), one failed trial, one with a
 * corrupted metrics.json, one with a corrupted trial.json, and a staging leftover to be ignored.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateConfig, type ResolvedConfig } from '../../src/config/load.js';
import { trialId, trialLabel, type TrialValues } from '../../src/sweep/trial.js';
import { runTraining } from '../../src/train/run.js';
import { mnistSlice, tempDir } from '../helpers.js';

/** Two small convolutions; `filters` sets both, so its values are arrays written `4,8` in the CSV. */
export function fixtureNet(values: TrialValues = {}): Record<string, unknown> {
  const filters = (values.filters as number[] | undefined) ?? [4, 8];
  return {
    name: 'fixture',
    layers: [
      { type: 'Conv2D', filters: filters[0], kernel_size: 3, activation: 'relu', input_shape: [28, 28, 1] },
      { type: 'MaxPooling2D', pool_size: 2 },
      { type: 'Conv2D', filters: filters[1], kernel_size: 3, activation: 'relu' },
      { type: 'MaxPooling2D', pool_size: 2 },
      { type: 'Flatten' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
    optimizer: 'Adam',
    learning_rate: (values.learning_rate as number | undefined) ?? 0.01,
    epochs: 2,
    batch_size: 32,
    validation_split: 0.2,
  };
}

export const GRID = { filters: [[4, 8], [8, 8]], learning_rate: [0.01, 0.003, 0.1] };
export const COMPLETED: TrialValues[] = [
  { filters: [4, 8], learning_rate: 0.01 },
  { filters: [8, 8], learning_rate: 0.01 },
  { filters: [4, 8], learning_rate: 0.003 },
];
export const FAILED: TrialValues = { filters: [8, 8], learning_rate: 0.003 };
export const FAILED_MESSAGE = 'loss became NaN at epoch 1 <b>"bad" & worse</b>';
export const CORRUPT_METRICS: TrialValues = { filters: [8, 8], learning_rate: 0.1 };
export const CORRUPT_TRIAL: TrialValues = { filters: [4, 8], learning_rate: 0.1 };

export const TRAIN_EXAMPLES = 400;
export const TEST_EXAMPLES = 200;

export function sweepRecord(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = fixtureNet();
  return {
    name: 'fixture-sweep',
    description: 'Report test <sweep> & "friends"',
    base,
    grid: GRID,
    metric: 'test_accuracy',
    goal: 'maximize',
    seed: 1,
    epochs: 2,
    train_limit: TRAIN_EXAMPLES,
    test_limit: TEST_EXAMPLES,
    resolved_base: validateConfig(base, 'sweep.json'),
    ...extra,
  };
}

export function trialJson(values: TrialValues, index: number): string {
  return `${JSON.stringify({ id: trialId(values), label: trialLabel(values), index, values, seed: 1 }, null, 2)}\n`;
}

function indexOf(values: TrialValues): number {
  const f = GRID.filters.findIndex((v) => JSON.stringify(v) === JSON.stringify(values.filters));
  return f * GRID.learning_rate.length + GRID.learning_rate.indexOf(values.learning_rate as number);
}

export function configFor(values: TrialValues): ResolvedConfig {
  return validateConfig({ ...fixtureNet(values), name: `fixture-sweep-${trialId(values)}`, seed: 1 }, 'sweep.json');
}

/** A completed trial trained for real into trials/<id>/. */
export async function trainTrial(trialsDir: string, values: TrialValues): Promise<void> {
  const data = await mnistSlice(TRAIN_EXAMPLES, TEST_EXAMPLES);
  await runTraining({
    config: configFor(values),
    configFile: 'sweep.json',
    data,
    backend: 'wasm',
    outDir: join(trialsDir, trialId(values)),
    overrides: { seed: 1 },
    extraFiles: { 'trial.json': trialJson(values, indexOf(values)) },
  });
}

export async function writeFailedTrial(trialsDir: string, values: TrialValues, message = FAILED_MESSAGE): Promise<string> {
  const id = trialId(values);
  const dir = join(trialsDir, id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'trial.json'), trialJson(values, indexOf(values)));
  await writeFile(join(dir, 'error.json'), `${JSON.stringify({ id, label: trialLabel(values), values, status: 'failed', kind: 'nan', message }, null, 2)}\n`);
  return id;
}

/** A sweep folder with every kind of trial; returns its path. Takes a few seconds (three real trainings). */
export async function buildSweepFolder(): Promise<string> {
  const dir = join(await tempDir('convsweep-report-'), 'fixture-sweep');
  const trialsDir = join(dir, 'trials');
  await mkdir(trialsDir, { recursive: true });
  await writeFile(join(dir, 'sweep.json'), `${JSON.stringify(sweepRecord(), null, 2)}\n`);
  for (const values of COMPLETED) await trainTrial(trialsDir, values);
  await writeFailedTrial(trialsDir, FAILED);

  const corruptMetrics = join(trialsDir, trialId(CORRUPT_METRICS));
  await mkdir(corruptMetrics);
  await writeFile(join(corruptMetrics, 'trial.json'), trialJson(CORRUPT_METRICS, indexOf(CORRUPT_METRICS)));
  await writeFile(join(corruptMetrics, 'metrics.json'), '{"test_accuracy": 0.9, "test_lo');

  const corruptTrial = join(trialsDir, trialId(CORRUPT_TRIAL));
  await mkdir(corruptTrial);
  await writeFile(join(corruptTrial, 'trial.json'), '{ not json');
  await writeFile(join(corruptTrial, 'metrics.json'), '{}');

  // What a killed trial leaves behind: must not show up anywhere.
  await mkdir(join(trialsDir, `.${trialId(FAILED)}.partial-1-abcd`));
  await writeFile(join(trialsDir, `.${trialId(FAILED)}.partial-1-abcd`, 'metrics.json'), '{}');
  return dir;
}
