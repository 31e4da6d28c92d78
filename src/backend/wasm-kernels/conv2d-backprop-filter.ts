/**
 * Conv2DBackpropFilter for the wasm backend. The stock wasm backend registers no such kernel, so
 * tf.grad of conv2d w.r.t. its filter throws "Kernel 'Conv2DBackpropFilter' not registered".
 *
 * dW[a,b,c,f] = Σ_{n,i,j} x[n, i·sh + a − pt, j·sw + b − pl, c] · dy[n,i,j,f], computed in place
 * by the SIMD kernel in assembly/conv2d-filter-grad.ts: no transposed or im2col copies.
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, simdKernels } from './simd.js';
import type { KernelArgs, TensorInfo } from './util.js';

export function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropFilter supports only NHWC, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, outChannels: F, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const dw = backend.makeOutput([kh, kw, C, F], 'float32');
  simdKernels(backend).conv2dFilterGrad(addressOf(backend, x), addressOf(backend, dy), addressOf(backend, dw), N, H, W, C, Ho, Wo, F, kh, kw, sh, sw, info.padInfo.top, info.padInfo.left);
  return dw;
}

export const conv2DBackpropFilterConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
