/**
 * One training run from a validated config to a complete output folder: the code path of
 * `convsweep train`, and of every sweep trial. The folder is staged and renamed into place when
 * everything is written, so a failed run leaves nothing behind; one interrupted after an epoch
 * (hooks.keepBestOnAbort) is written whole with the best epoch so far, marked interrupted.
 */
import * as tf from '@tensorflow/tfjs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendName } from '../backend/names.js';
import type { ResolvedConfig } from '../config/load.js';
import { firstExamples, type Dataset } from '../data/dataset.js';
import { stagingFolder } from '../fs-atomic.js';
import { fileLogger } from '../log.js';
import { confusionMatrix } from './confusion.js';
import { writeRunArtifacts } from './artifacts.js';
import { evaluate } from './evaluate.js';
import type { RunMetrics } from './metrics.js';
import { randomSeed } from './seeded-random.js';
import { checkRunnable } from './runnable.js';
import { train, type TrainHooks } from './trainer.js';

/** Command-line overrides of config fields (`--epochs`, `--seed`, …) and data limits. */
export interface RunOverrides {
  seed?: number;
  epochs?: number;
  batchSize?: number;
  trainLimit?: number;
  testLimit?: number;
}

export interface RunRequest {
  config: ResolvedConfig;
  /** The file the config came from, for error messages. */
  configFile: string;
  data: Dataset;
  backend: BackendName;
  outDir: string;
  overrides?: RunOverrides;
  hooks?: TrainHooks;
  /** Further files for the output folder (a sweep trial's trial.json), written with the rest. */
  extraFiles?: Record<string, string>;
}

export type RunnableConfig = ResolvedConfig & { seed: number };

/** A dataset's train_limit and test_limit (config fields). */
export interface DataLimits {
  train_limit?: number;
  test_limit?: number;
}

/**
 * The config as it will run: overrides applied (the data limits into its dataset) and a seed chosen,
 * so that its config.json alone reproduces the run.
 */
export function resolveRun(config: ResolvedConfig, overrides: RunOverrides = {}): RunnableConfig {
  return {
    ...config,
    ...(overrides.epochs !== undefined ? { epochs: overrides.epochs } : {}),
    ...(overrides.batchSize !== undefined ? { batch_size: overrides.batchSize } : {}),
    dataset: {
      ...config.dataset,
      ...(overrides.trainLimit !== undefined ? { train_limit: overrides.trainLimit } : {}),
      ...(overrides.testLimit !== undefined ? { test_limit: overrides.testLimit } : {}),
    },
    seed: overrides.seed ?? config.seed ?? randomSeed(),
  };
}

export { checkRunnable, MIN_VALIDATION_EXAMPLES } from './runnable.js';

/** The data a config trains and tests on: the first train_limit and test_limit examples of its dataset. */
export function limitData(data: Dataset, limits: DataLimits): Dataset {
  return {
    ...data,
    train: firstExamples(data.train, data.imageShape, limits.train_limit),
    test: firstExamples(data.test, data.imageShape, limits.test_limit),
  };
}

export async function runTraining(request: RunRequest): Promise<RunMetrics> {
  const config = resolveRun(request.config, request.overrides);
  const data = limitData(request.data, config.dataset);
  checkRunnable(config, request.configFile, request.data.train.count);

  const staging = await stagingFolder(request.outDir);
  const { logger, close } = fileLogger(`${staging.path}/train.log`);
  const started = performance.now();
  try {
    logger.info({ event: 'start', config: request.configFile, backend: request.backend, seed: config.seed, train: data.train.count, test: data.test.count }, 'training started');
    const outcome = await train(config, data, {
      ...request.hooks,
      onEpoch: (row, epochs) => {
        logger.info({ event: 'epoch', ...row }, `epoch ${row.epoch}/${epochs}`);
        request.hooks?.onEpoch?.(row, epochs);
      },
    });
    const trainingSeconds = outcome.history.reduce((s, r) => s + r.seconds, 0);
    const trainEval = evaluate(outcome.model, outcome.train, data.imageShape, data.classes, config.loss);
    const testEval = evaluate(outcome.model, data.test, data.imageShape, data.classes, config.loss);
    const best = outcome.history[outcome.bestEpoch - 1];
    const metrics: RunMetrics = {
      status: outcome.interrupted ? 'interrupted' : outcome.pruned ? 'pruned' : 'completed',
      test_accuracy: testEval.accuracy,
      test_loss: testEval.loss,
      train_accuracy: trainEval.accuracy,
      train_loss: trainEval.loss,
      val_accuracy: best.val_accuracy,
      val_loss: best.val_loss,
      best_epoch: outcome.bestEpoch,
      best_by: outcome.bestBy,
      epochs_run: outcome.history.length,
      stopped_early: outcome.stoppedEarly,
      params: outcome.model.countParams(),
      duration_s: 0,
      backend: request.backend,
      seed: config.seed,
      dataset: data.name,
      train_examples: outcome.train.count,
      val_examples: outcome.validation.count,
      test_examples: data.test.count,
      train_img_per_s: (outcome.train.count * outcome.history.length) / Math.max(trainingSeconds, 1e-9),
      tfjs_version: tf.version.tfjs,
      classes: data.classNames,
    };
    const labels = data.classNames;
    const confusion = {
      train: confusionMatrix(outcome.train.labels, trainEval.predicted, data.classes),
      test: confusionMatrix(data.test.labels, testEval.predicted, data.classes),
    };
    metrics.duration_s = (performance.now() - started) / 1000;
    for (const [name, content] of Object.entries(request.extraFiles ?? {})) await writeFile(join(staging.path, name), content);
    await writeRunArtifacts(staging.path, { config, metrics, history: outcome.history, model: outcome.model, confusion, labels, title: config.name ?? 'run' });
    outcome.model.dispose();
    logger.info({ event: 'done', ...metrics }, 'training finished');
    close();
    await staging.commit();
    return metrics;
  } catch (err) {
    close();
    await staging.discard();
    throw err;
  }
}
