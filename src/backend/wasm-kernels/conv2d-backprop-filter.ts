/**
 * Conv2DBackpropFilter for the wasm backend. The stock wasm backend registers no such kernel, so
 * tf.grad of conv2d w.r.t. its filter throws "Kernel 'Conv2DBackpropFilter' not registered".
 *
 * dW[a,b,c,f] = sum_{n,i,j} x[n, i*sh+a-pt, j*sw+b-pl, c] * dy[n,i,j,f] is itself a forward
 * convolution: the "image" x^T [C,H,W,N] (batch = input channels, channels = batch) convolved, with
 * dilation = the strides, by the "filter" dy^T [Ho,Wo,N,F]. That runs on the stock XNNPACK Conv2D;
 * the [C,kh,kw,F] result is rearranged to [kh,kw,C,F] in JS (it is small).
 * XNNPACK packs its filter / GEMM weights slowly (~10 ns per element), and above that filter is all
 * of dy. When the patch matrix is smaller than dy (kh*kw*C < F: few input channels, e.g. the first
 * layer of an MNIST net), one XNNPACK GEMM is much cheaper: dW^T[f,(a,b,c)] = dy^T[f,r] . P[r,(a,b,c)]
 * with r = (n,i,j), the im2col matrix P as the packed operand and dy transposed in JS.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2d, dispose, f32, matMul, transpose, transposeJs, view, type Backend, type ExplicitPad, type KernelArgs, type TensorInfo } from './util.js';

function viaGemm(backend: Backend, x: TensorInfo, dy: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, outChannels: F, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const R = N * Ho * Wo;
  const K = kh * kw * C;
  // im2col: P[(n,i,j), (a,b,c)] = x[n, i*sh+a-pt, j*sw+b-pl, c], zero outside the image.
  const p = backend.makeOutput([R, K], 'float32');
  {
    const xv = f32(backend, x);
    const pv = f32(backend, p);
    let o = 0;
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          for (let a = 0; a < kh; a++) {
            const r = i * sh + a - pt;
            if (r < 0 || r >= H) {
              pv.fill(0, o, o + kw * C);
              o += kw * C;
              continue;
            }
            const rowBase = (n * H + r) * W;
            for (let b = 0; b < kw; b++) {
              const q = j * sw + b - pl;
              if (q < 0 || q >= W) {
                for (let c = 0; c < C; c++) pv[o++] = 0;
              } else {
                const src = (rowBase + q) * C;
                for (let c = 0; c < C; c++) pv[o++] = xv[src + c];
              }
            }
          }
        }
      }
    }
  }
  const dyT = transposeJs(backend, view(dy, [R, F]), [1, 0]); // [F, R]
  const wT = matMul(backend, view(dyT, [1, F, R]), view(p, [1, R, K])); // [F, K]
  dispose(backend, dyT);
  dispose(backend, p);
  const out = backend.makeOutput([kh, kw, C, F], 'float32');
  const wv = f32(backend, wT);
  const ov = f32(backend, out);
  for (let f = 0; f < F; f++) for (let k = 0; k < K; k++) ov[k * F + f] = wv[f * K + k];
  dispose(backend, wT);
  return out;
}

export function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropFilter supports only NHWC, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, outChannels: F, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;

  if (kh * kw * C < F) return viaGemm(backend, x, dy, info);

  // Bottom/right padding that makes the output exactly kh x kw; when negative (rows the strided
  // windows never reach), pad 0 and crop the extra output rows instead.
  const pbNeed = kh + (Ho - 1) * sh - H - pt;
  const prNeed = kw + (Wo - 1) * sw - W - pl;
  const pb = Math.max(0, pbNeed);
  const pr = Math.max(0, prNeed);
  const outH = H + pt + pb - (Ho - 1) * sh; // >= kh
  const outW = W + pl + pr - (Wo - 1) * sw;

  const xT = transpose(backend, x, [3, 1, 2, 0]); // [C,H,W,N] (stock: faster for this one)
  const dyT = transposeJs(backend, view(dy, [N, Ho, Wo, F]), [1, 2, 0, 3]); // [Ho,Wo,N,F]
  const explicit: ExplicitPad = [[0, 0], [pt, pb], [pl, pr], [0, 0]];
  const r = conv2d(backend, xT, dyT, [1, 1], explicit, [sh, sw]); // [C,outH,outW,F]
  dispose(backend, xT);
  dispose(backend, dyT);

  const out = backend.makeOutput([kh, kw, C, F], 'float32');
  const rv = f32(backend, r);
  const ov = f32(backend, out);
  for (let c = 0; c < C; c++) {
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const src = ((c * outH + a) * outW + b) * F;
        const dst = ((a * kw + b) * C + c) * F;
        for (let f = 0; f < F; f++) ov[dst + f] = rv[src + f];
      }
    }
  }
  dispose(backend, r);
  return out;
}

export const conv2DBackpropFilterConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
