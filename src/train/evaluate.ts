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

/**
 * The largest activation of one forward pass is kept within this many bytes: each worker's wasm
 * heap grows to its peak and never shrinks, and a whole 1024-image batch through 64 filters at
 * 26×26 would be 177 MB for one layer's output alone.
 */
const ACTIVATION_BUDGET_BYTES = 16 * 2 ** 20;

/** Images per forward pass: as many as fit the activation budget, from 32 to EVAL_BATCH. */
export function inferenceBatchSize(model: tf.LayersModel): number {
  let largest = 1;
  for (const layer of model.layers) {
    const shape = layer.outputShape as (number | null)[];
    largest = Math.max(largest, shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1));
  }
  return Math.max(32, Math.min(EVAL_BATCH, Math.floor(ACTIVATION_BUDGET_BYTES / (4 * largest))));
}

export function evaluate(model: tf.LayersModel, set: ImageSet, shape: ImageShape, classes: number, loss: LossName): Evaluation {
  const indices = targetsAreIndices(loss);
  const maker = batchMaker(set, shape, classes, indices, EVAL_BATCH);
  const batchSize = inferenceBatchSize(model);
  const lossFn = lossFunction(loss);
  const predicted = new Uint8Array(set.count);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < set.count; start += EVAL_BATCH) {
    const end = Math.min(set.count, start + EVAL_BATCH);
    const [batchLoss, batchCorrect, classesOut] = tf.tidy(() => {
      const { xs, ys } = maker.make(start, end);
      const p = model.predict(xs, { batchSize }) as tf.Tensor;
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

/** The model's output for every image of `images` (count × height × width × channels bytes), count × classes probabilities. */
export function predictProbabilities(model: tf.LayersModel, images: Uint8Array, count: number, shape: ImageShape): Float32Array {
  const size = shape[0] * shape[1] * shape[2];
  const batchSize = inferenceBatchSize(model);
  const outputs: Float32Array[] = [];
  for (let start = 0; start < count; start += EVAL_BATCH) {
    const end = Math.min(count, start + EVAL_BATCH);
    outputs.push(
      tf.tidy(() => {
        const xs = tf.tensor4d(Float32Array.from(images.subarray(start * size, end * size), (v) => v / 255), [end - start, ...shape]);
        return (model.predict(xs, { batchSize }) as tf.Tensor).dataSync() as Float32Array;
      }),
    );
  }
  const classes = count === 0 ? 0 : outputs[0].length / Math.min(count, EVAL_BATCH);
  const all = new Float32Array(count * classes);
  let offset = 0;
  for (const out of outputs) {
    all.set(out, offset);
    offset += out.length;
  }
  return all;
}
