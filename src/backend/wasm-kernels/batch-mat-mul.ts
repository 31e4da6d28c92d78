/**
 * BatchMatMul for the wasm backend. The stock kernel uses XNNPACK only when neither operand is
 * transposed; with transposeA/transposeB (every Dense layer's backward pass: dx = dy . W^T,
 * dW = x^T . dy) it falls back to a scalar C++ triple loop. Here a single (unbatched) product with
 * transposes materialises the transposed operand in JS and runs the XNNPACK path.
 */
import * as tf from '@tensorflow/tfjs';
import { dispose, runStock, transposeJs, view, type KernelArgs, type TensorInfo } from './util.js';

export function batchMatMul(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const batchA = a.shape.slice(0, -2).reduce((s, d) => s * d, 1);
  const batchB = b.shape.slice(0, -2).reduce((s, d) => s * d, 1);
  if ((!transposeA && !transposeB) || batchA !== 1 || batchB !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return runStock('BatchMatMul', backend, inputs, attrs);
  }
  const [a0, a1] = a.shape.slice(-2);
  const [b0, b1] = b.shape.slice(-2);
  const a2 = transposeA ? transposeJs(backend, view(a, [a0, a1]), [1, 0]) : view(a, [a0, a1]);
  const b2 = transposeB ? transposeJs(backend, view(b, [b0, b1]), [1, 0]) : view(b, [b0, b1]);
  const m = a2.shape[0];
  const n = b2.shape[1];
  const out = runStock('BatchMatMul', backend, { a: view(a2, [1, ...a2.shape]), b: view(b2, [1, ...b2.shape]) }, { transposeA: false, transposeB: false });
  if (transposeA) dispose(backend, a2);
  if (transposeB) dispose(backend, b2);
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
  return { dataId: out.dataId, shape: outShape, dtype: 'float32' };
}

export const batchMatMulConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as tf.KernelFunc,
};
