/**
 * Batches made on demand from the raw uint8 bytes: one float copy of one batch at a time, never of
 * the whole set, so a dataset shared between workers stays 1 byte a pixel.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet, ImageShape } from '../data/dataset.js';
import { imageSize } from '../data/dataset.js';
import type { Augmenter } from '../model/augmentation.js';

export interface Batch {
  xs: tf.Tensor4D;
  ys: tf.Tensor;
}

export interface BatchMaker {
  /** Examples order[start..end) as a batch (order: a permutation of 0..count-1, or undefined for 0..count-1). */
  make(start: number, end: number, order?: Uint32Array): Batch;
}

/** `augment`, for training batches only, transforms each batch's pixels (in [0, 1]) before they become a tensor. */
export function batchMaker(set: ImageSet, shape: ImageShape, classes: number, targetsAreIndices: boolean, maxBatch: number, augment?: Augmenter): BatchMaker {
  const size = imageSize(shape);
  // Scratch buffers reused across batches; tf.tensor copies them into the backend.
  const pixels = new Float32Array(maxBatch * size);
  const targets = new Float32Array(maxBatch * (targetsAreIndices ? 1 : classes));
  const inv255 = 1 / 255;
  return {
    make(start, end, order) {
      const n = end - start;
      if (n > maxBatch) throw new Error(`batch of ${n} exceeds ${maxBatch}`);
      const width = targetsAreIndices ? 1 : classes;
      targets.fill(0, 0, n * width);
      for (let b = 0; b < n; b++) {
        const index = order ? order[start + b] : start + b;
        const source = set.images.subarray(index * size, (index + 1) * size);
        const offset = b * size;
        for (let i = 0; i < size; i++) pixels[offset + i] = source[i] * inv255; // the paper's eq. (1)
        const label = set.labels[index];
        if (targetsAreIndices) targets[b] = label;
        else targets[b * classes + label] = 1;
      }
      augment?.(pixels, n);
      const xs = tf.tensor4d(pixels.subarray(0, n * size), [n, shape[0], shape[1], shape[2]]);
      const ys = targetsAreIndices ? tf.tensor1d(targets.subarray(0, n)) : tf.tensor2d(targets.subarray(0, n * classes), [n, classes]);
      return { xs, ys };
    },
  };
}
