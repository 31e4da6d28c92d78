/**
 * Shared by sum.ts and mean.ts: reduction of a float32 tensor over its leading axes (bias and batch
 * norm gradients, batch-norm moments: [N,H,W,C] reduced over N,H,W). The stock wasm Sum/Mean first
 * transpose the whole tensor to make the axes innermost; here rows are summed in place by the SIMD
 * column sums (simd.ts), float64 across blocks of rows.
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, f64At, simdKernels, withScratch } from './simd.js';
import { f32, type Backend, type TensorInfo } from './util.js';

/** The number of leading axes reduced, or 0 when `axis` is not a proper prefix of x's axes. */
export function leadingAxes(x: TensorInfo, axis: number | number[]): number {
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).slice().sort((a, b) => a - b);
  const ok = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  return ok && x.dtype === 'float32' ? axes.length : 0;
}

export function reduceLeading(backend: Backend, x: TensorInfo, k: number, keepDims: boolean, scale: number | null): TensorInfo {
  const rank = x.shape.length;
  let rows = 1;
  for (let i = 0; i < k; i++) rows *= x.shape[i];
  let cols = 1;
  for (let i = k; i < rank; i++) cols *= x.shape[i];
  const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
  const out = backend.makeOutput(outShape, 'float32');
  // Scratch: the float64 totals, then float32 partial sums and a zero shift per column.
  withScratch(backend, cols, 2 * cols, (totalAt, partialAt) => {
    const zerosAt = partialAt + 4 * cols;
    simdKernels(backend).columnSums(addressOf(backend, x), zerosAt, rows, cols, partialAt, totalAt);
    const total = f64At(backend, totalAt, cols);
    const ov = f32(backend, out);
    if (scale === null) ov.set(total);
    else for (let c = 0; c < cols; c++) ov[c] = total[c] * scale;
  });
  return out;
}
