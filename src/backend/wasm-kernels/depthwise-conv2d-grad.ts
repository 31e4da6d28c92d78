/**
 * The two gradients of a depthwise convolution, which the stock wasm backend lacks (so
 * DepthwiseConv2D and SeparableConv2D could not train on it): with respect to the input and to the
 * filter. Plain JavaScript over the backend's heap, in the cpu backend's index arithmetic (NHWC;
 * filter [height, width, in channels, depth multiplier]; output channel c·M + q): these layers are
 * cheap next to a full convolution, and a SIMD kernel can replace this one if a profile asks.
 */
import * as tf from '@tensorflow/tfjs';
import { f32, type KernelArgs, type TensorInfo } from './util.js';

interface DepthwiseGradAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convInfo(xShape: number[], filterShape: number[], attrs: DepthwiseGradAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape as [number, number, number, number], attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
}

/**
 * Every (output position, filter tap) pair whose tap lands inside the input, as the offsets of the
 * input pixel, the output pixel and the tap in their arrays (channels innermost).
 */
function forEachTap(info: tf.backend_util.Conv2DInfo, each: (xBase: number, dyBase: number, filterBase: number) => void): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  for (let b = 0; b < batchSize; b++) {
    for (let oi = 0; oi < outHeight; oi++) {
      for (let fi = 0; fi < filterHeight; fi++) {
        const i = oi * strideHeight - top + fi * dilationHeight;
        if (i < 0 || i >= inHeight) continue;
        for (let oj = 0; oj < outWidth; oj++) {
          const dyBase = ((b * outHeight + oi) * outWidth + oj) * outChannels;
          for (let fj = 0; fj < filterWidth; fj++) {
            const j = oj * strideWidth - left + fj * dilationWidth;
            if (j < 0 || j >= inWidth) continue;
            each(((b * inHeight + i) * inWidth + j) * inChannels, dyBase, (fi * filterWidth + fj) * outChannels);
          }
        }
      }
    }
  }
}

/**
 * A zeroed float32 output, with views of the sources taken after it is made (growing the heap
 * detaches earlier views), and the convolution's channel counts.
 */
function gradOutput(backend: KernelArgs['backend'], shape: number[], info: tf.backend_util.Conv2DInfo, sources: TensorInfo[]) {
  const result = backend.makeOutput(shape, 'float32');
  const out = f32(backend, result);
  out.fill(0);
  return { result, out, views: sources.map((t) => f32(backend, t)), channels: info.inChannels, multiplier: info.outChannels / info.inChannels };
}

export function depthwiseConv2dBackpropInput({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const a = attrs as unknown as DepthwiseGradAttrs & { inputShape: number[] };
  const info = convInfo(a.inputShape, inputs.filter.shape, a);
  const { result, out, views: [g, w], channels, multiplier } = gradOutput(backend, a.inputShape, info, [inputs.dy, inputs.filter]);
  forEachTap(info, (xBase, dyBase, filterBase) => {
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let q = 0; q < multiplier; q++) sum += g[dyBase + c * multiplier + q] * w[filterBase + c * multiplier + q];
      out[xBase + c] += sum;
    }
  });
  return result;
}

export function depthwiseConv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const a = attrs as unknown as DepthwiseGradAttrs & { filterShape: number[] };
  const info = convInfo(inputs.x.shape, a.filterShape, a);
  const { result, out, views: [input, g], channels, multiplier } = gradOutput(backend, a.filterShape, info, [inputs.x, inputs.dy]);
  forEachTap(info, (xBase, dyBase, filterBase) => {
    for (let c = 0; c < channels; c++) {
      const v = input[xBase + c];
      for (let q = 0; q < multiplier; q++) out[filterBase + c * multiplier + q] += v * g[dyBase + c * multiplier + q];
    }
  });
  return result;
}

export const depthwiseConv2dBackpropInputConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropInput as unknown as tf.KernelFunc,
};

export const depthwiseConv2dBackpropFilterConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropFilter as unknown as tf.KernelFunc,
};
