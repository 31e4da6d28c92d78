/**
 * MaxPoolGrad for the wasm backend. The stock wasm kernel returns wrong gradients whenever pooled
 * values are negative (e.g. max pooling after BatchNormalization), and is slow. This one recomputes
 * each window's argmax from x (first maximum in row-major window order wins, padding excluded,
 * exactly like the cpu backend) and routes dy there: the SIMD kernel in assembly/max-pool-grad.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, simdKernels } from './simd.js';
import type { KernelArgs, TensorInfo } from './util.js';

export function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { dy, input } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, strideHeight: sh, strideWidth: sw } = info;
  const dx = backend.makeOutput(input.shape, 'float32');
  simdKernels(backend).maxPoolGrad(addressOf(backend, input), addressOf(backend, dy), addressOf(backend, dx), N, H, W, C, Ho, Wo, info.effectiveFilterHeight, info.effectiveFilterWidth, sh, sw, info.padInfo.top, info.padInfo.left);
  return dx;
}

export const maxPoolGradConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
