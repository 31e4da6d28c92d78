/** Inference-mode loss, accuracy and predicted classes over a whole set, in large batches. */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet, ImageShape } from '../data/dataset.js';
import { batchMaker } from './batches.js';
import { countCorrect, lossFunction, targetsAreIndices, type LossName } from './losses.js';

export interface Evaluation {
  /** Mean per-example loss plus the regularisation penalty, as Keras reports it. */
  loss: number;
  accuracy: number;
  predicted: Uint8Array;
}

export const EVAL_BATCH = 1024;

export function evaluate(model: tf.LayersModel, set: ImageSet, shape: ImageShape, classes: number, loss: LossName): Evaluation {
  const indices = targetsAreIndices(loss);
  const maker = batchMaker(set, shape, classes, indices, EVAL_BATCH);
  const lossFn = lossFunction(loss);
  const predicted = new Uint8Array(set.count);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < set.count; start += EVAL_BATCH) {
    const end = Math.min(set.count, start + EVAL_BATCH);
    const [batchLoss, batchCorrect, classesOut] = tf.tidy(() => {
      const { xs, ys } = maker.make(start, end);
      // One forward pass over the whole batch: predict's default batch of 32 would slice it into
      // 32-image pieces, and each slice on wasm copies the whole batch out of the heap first.
      const p = model.predict(xs, { batchSize: end - start }) as tf.Tensor;
      return [lossFn(ys, p).sum().dataSync()[0], countCorrect(ys, p, indices).dataSync()[0], p.argMax(-1).dataSync()] as const;
    });
    lossSum += batchLoss;
    correct += batchCorrect;
    predicted.set(classesOut, start);
  }
  const penalty = tf.tidy(() => model.calculateLosses().reduce((a, b) => a + b.dataSync()[0], 0));
  const n = Math.max(1, set.count);
  return { loss: lossSum / n + penalty, accuracy: correct / n, predicted };
}
