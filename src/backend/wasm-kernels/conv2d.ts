/**
 * Conv2D for the wasm backend on convsweep's direct SIMD convolution (assembly/conv2d.ts). The
 * stock kernel runs XNNPACK, which packs the filter into its own layout whenever it meets a filter
 * it has not seen, and in training every step brings new weights; it is also slow for few input
 * channels. The same direct kernel computes the input gradient (conv2d-backprop-input.ts).
 * Dilated or NCHW convolutions go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, simdKernels } from './simd.js';
import { runStock, type Backend, type KernelArgs, type TensorInfo } from './util.js';

/** What follows the sum in the same kernel: + bias (one per filter), then relu. */
export interface Epilogue {
  bias?: TensorInfo;
  relu?: boolean;
}

/**
 * y = x ⊛ filter (NHWC, filter [kh,kw,C,F], no dilation) into a new [N,outH,outW,F] tensor, the
 * padding given by its top and left rows (the output size implies the rest).
 */
export function directConv2d(backend: Backend, x: TensorInfo, filter: TensorInfo, strides: [number, number], padTop: number, padLeft: number, outH: number, outW: number, epilogue: Epilogue = {}): TensorInfo {
  const [N, H, W, C] = x.shape;
  const [kh, kw, , F] = filter.shape;
  const y = backend.makeOutput([N, outH, outW, F], 'float32');
  const bias = epilogue.bias ? addressOf(backend, epilogue.bias) : 0;
  simdKernels(backend).conv2d(addressOf(backend, x), addressOf(backend, filter), addressOf(backend, y), N, H, W, C, outH, outW, F, kh, kw, strides[0], strides[1], padTop, padLeft, bias, epilogue.relu ? 1 : 0);
  return y;
}

export function conv2d(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter } = inputs;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
  const nhwc = dataFormat === undefined || dataFormat === 'NHWC';
  if (!nhwc || !tf.backend_util.tupleValuesAreOne(dilations ?? 1) || x.dtype !== 'float32' || filter.dtype !== 'float32') {
    return runStock('Conv2D', backend, inputs, attrs);
  }
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  return directConv2d(backend, x, filter, [info.strideHeight, info.strideWidth], info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth);
}

export const conv2dConfig = {
  kernelName: 'Conv2D',
  backendName: 'wasm',
  kernelFunc: conv2d as unknown as tf.KernelFunc,
};
