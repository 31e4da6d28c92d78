/**
 * BatchMatMul for the wasm backend, an unbatched float32 product on the direct SIMD kernels: a·b is
 * a 1×1 convolution of a's rows with b as the filter; aᵀ·b is the filter gradient of that
 * convolution (every Dense layer's weight gradient, with no transposed copy of a); a·bᵀ transposes
 * b (the weights: small) first. The stock kernel falls back to a scalar C++ triple loop whenever
 * an operand is transposed, and on its XNNPACK path packs b anew for every product, and in training
 * every step brings new weights. Batched products, and aᵀ·bᵀ, go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, simdKernels } from './simd.js';
import { dispose, runStock, transposeJs, view, type KernelArgs, type TensorInfo } from './util.js';

export function batchMatMul(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const batchA = a.shape.slice(0, -2).reduce((s, d) => s * d, 1);
  const batchB = b.shape.slice(0, -2).reduce((s, d) => s * d, 1);
  if ((transposeA && transposeB) || batchA !== 1 || batchB !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return runStock('BatchMatMul', backend, inputs, attrs);
  }
  const [a0, a1] = a.shape.slice(-2);
  const [b0, b1] = b.shape.slice(-2);
  const simd = simdKernels(backend);
  const m = transposeA ? a1 : a0;
  const n = transposeB ? b0 : b1;
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
  const out = backend.makeOutput(outShape, 'float32');
  if (transposeA) {
    // out[k, j] = Σ_r a[r, k] · b[r, j]: a filter gradient over a0 "pixels" with a1 channels.
    simd.conv2dFilterGrad(addressOf(backend, a), addressOf(backend, b), addressOf(backend, out), 1, 1, a0, a1, 1, a0, b1, 1, 1, 1, 1, 0, 0);
    return out;
  }
  const filter = transposeB ? transposeJs(backend, view(b, [b0, b1]), [1, 0]) : b; // [a1, n]
  // out[r, j] = Σ_k a[r, k] · filter[k, j]: a 1×1 convolution over a0 "pixels".
  simd.conv2d(addressOf(backend, a), addressOf(backend, filter), addressOf(backend, out), 1, 1, a0, a1, 1, a0, n, 1, 1, 1, 1, 0, 0, 0, 0);
  if (transposeB) dispose(backend, filter);
  return out;
}

export const batchMatMulConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as tf.KernelFunc,
};
