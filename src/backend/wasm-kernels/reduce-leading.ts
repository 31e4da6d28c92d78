/**
 * Shared by sum.ts and mean.ts: reduction of a float32 tensor over its leading axes (bias and batch
 * norm gradients, batch-norm moments: [N,H,W,C] reduced over N,H,W). The stock wasm Sum/Mean first
 * transpose the whole tensor to make the axes innermost; here rows go straight into per-column
 * float64 accumulators.
 */
import * as tf from '@tensorflow/tfjs';
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
  const xv = f32(backend, x);
  const ov = f32(backend, out);
  const acc = new Float64Array(cols);
  let r = 0;
  let off = 0;
  for (; r + 4 <= rows; r += 4, off += 4 * cols) {
    const o1 = off + cols;
    const o2 = o1 + cols;
    const o3 = o2 + cols;
    for (let c = 0; c < cols; c++) acc[c] += xv[off + c] + xv[o1 + c] + (xv[o2 + c] + xv[o3 + c]);
  }
  for (; r < rows; r++, off += cols) {
    for (let c = 0; c < cols; c++) acc[c] += xv[off + c];
  }
  if (scale !== null) for (let c = 0; c < cols; c++) acc[c] *= scale;
  ov.set(acc);
  return out;
}
