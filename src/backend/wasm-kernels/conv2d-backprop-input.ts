/**
 * Conv2DBackpropInput for the wasm backend. The stock kernel is a plain C++ loop, several times
 * slower than XNNPACK. dx is a forward convolution of dy (zero-dilated by the strides, padded by
 * k-1-pad) with the filter flipped in space and its in/out channels swapped; that runs on the
 * direct SIMD convolution (conv2d.ts), which skips the padding instead of multiplying it.
 * Layouts or paddings it cannot express fall back to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { directConv2d } from './conv2d.js';
import { dispose, f32, runStock, view, type KernelArgs, type TensorInfo } from './util.js';

export function conv2DBackpropInput(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat !== undefined && dataFormat !== 'NHWC') return runStock('Conv2DBackpropInput', backend, inputs, attrs);
  const info = tf.backend_util.computeConv2DInfo(inputShape as [number, number, number, number], filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, outChannels: F, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const Hd = (Ho - 1) * sh + 1;
  const Wd = (Wo - 1) * sw + 1;
  const ptop = kh - 1 - pt;
  const pleft = kw - 1 - pl;
  const pbot = H - Hd + pt;
  const pright = W - Wd + pl;
  if (ptop < 0 || pleft < 0 || pbot < 0 || pright < 0) return runStock('Conv2DBackpropInput', backend, inputs, attrs);

  // Filter [kh,kw,C,F] -> flipped [kh,kw,F,C].
  const wf = backend.makeOutput([kh, kw, F, C], 'float32');
  {
    const src = f32(backend, filter);
    const dst = f32(backend, wf);
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const so = ((kh - 1 - a) * kw + (kw - 1 - b)) * C * F;
        const dof = (a * kw + b) * F * C;
        for (let c = 0; c < C; c++) {
          for (let f = 0; f < F; f++) dst[dof + f * C + c] = src[so + c * F + f];
        }
      }
    }
  }

  let dyIn: TensorInfo = view(dy, [N, Ho, Wo, F]);
  let dilated: TensorInfo | null = null;
  if (sh > 1 || sw > 1) {
    dilated = backend.makeOutput([N, Hd, Wd, F], 'float32');
    const dv = f32(backend, dilated);
    dv.fill(0);
    const sv = f32(backend, dy);
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          const so = ((n * Ho + i) * Wo + j) * F;
          const dof = ((n * Hd + i * sh) * Wd + j * sw) * F;
          dv.set(sv.subarray(so, so + F), dof);
        }
      }
    }
    dyIn = dilated;
  }
  const out = directConv2d(backend, dyIn, wf, [1, 1], ptop, pleft, H, W);
  dispose(backend, wf);
  if (dilated) dispose(backend, dilated);
  return out;
}

export const conv2DBackpropInputConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
