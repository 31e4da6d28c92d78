/**
 * Training throughput: forward + backward + optimiser steps over N MNIST images after a warm-up,
 * through the same train step the trainer uses.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../config/load.js';
import type { Dataset } from '../data/dataset.js';
import { createAugmenter } from '../model/augmentation.js';
import { buildModel } from '../model/build.js';
import { batchMaker } from './batches.js';
import { targetsAreIndices } from './losses.js';
import { createOptimizer } from './optimizer.js';
import { withSeededRandom } from './seeded-random.js';
import { createTrainStep } from './train-step.js';

export interface BenchResult {
  img_per_s: number;
  images: number;
  seconds: number;
  batch_size: number;
  params: number;
}

export async function benchTraining(config: ResolvedConfig, data: Dataset, images: number, batchSize: number, warmupBatches = 2): Promise<BenchResult> {
  return withSeededRandom(config.seed ?? 1, async () => {
    const model = buildModel(config.layers, data.imageShape);
    const optimizer = createOptimizer(config.optimizer, config.learning_rate);
    const step = createTrainStep(model, optimizer, config.loss);
    const count = Math.min(data.train.count, Math.max(images, batchSize));
    const augment = createAugmenter(config.layers, data.imageShape, config.seed ?? 1);
    const maker = batchMaker(data.train, data.imageShape, data.classes, targetsAreIndices(config.loss), batchSize, augment);
    const run = (n: number) => {
      for (let start = 0; start < n; start += batchSize) {
        const { xs, ys } = maker.make(start % count, Math.min(count, (start % count) + batchSize));
        step(xs, ys);
        tf.dispose([xs, ys]);
      }
    };
    run(warmupBatches * batchSize);
    const started = performance.now();
    run(count);
    const seconds = (performance.now() - started) / 1000;
    const params = model.countParams();
    model.dispose();
    optimizer.dispose();
    return { img_per_s: count / seconds, images: count, seconds, batch_size: batchSize, params };
  });
}
