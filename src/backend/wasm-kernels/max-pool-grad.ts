/**
 * MaxPoolGrad for the wasm backend. The stock wasm kernel returns wrong gradients whenever pooled
 * values are negative (e.g. max pooling after BatchNormalization), and is slow. This one recomputes
 * each window's argmax from x (first maximum in row-major window order wins, padding excluded,
 * exactly like the cpu backend) and scatters dy there, in JS over the heap arrays, channels innermost.
 */
import * as tf from '@tensorflow/tfjs';
import { f32, type KernelArgs, type TensorInfo } from './util.js';

export function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { dy, input } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, strideHeight: sh, strideWidth: sw } = info;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;

  const dx = backend.makeOutput(input.shape, 'float32');
  const xv = f32(backend, input);
  const dyv = f32(backend, dy);
  const dxv = f32(backend, dx);
  const rowStride = W * C;
  // Non-overlapping windows without padding (the usual 2x2/2): every covered dx element is written
  // exactly once below, so only the uncovered edge rows/columns need zeroing, not the whole tensor.
  const disjoint = sh >= fh && sw >= fw && pt === 0 && pl === 0;
  if (!disjoint) dxv.fill(0);
  else {
    for (let n = 0; n < N; n++)
      for (let r = 0; r < H; r++) {
        const rowCovered = r < Ho * sh && r % sh < fh;
        for (let q = 0; q < W; q++) {
          if (rowCovered && q < Wo * sw && q % sw < fw) continue;
          const o = ((n * H + r) * W + q) * C;
          dxv.fill(0, o, o + C);
        }
      }
  }
  for (let n = 0; n < N; n++) {
    const xBase = n * H * rowStride;
    for (let i = 0; i < Ho; i++) {
      const r0 = i * sh - pt;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(H, r0 + fh);
      for (let j = 0; j < Wo; j++) {
        const c0 = j * sw - pl;
        const cMin = Math.max(0, c0);
        const cMax = Math.min(W, c0 + fw);
        const dyOff = ((n * Ho + i) * Wo + j) * C;
        const winBase = xBase + rMin * rowStride + cMin * C;
        if (disjoint && rMax - rMin === 2 && cMax - cMin === 2) {
          // The common 2x2 window, unrolled (same row-major first-max order).
          const o1 = winBase + C;
          const o2 = winBase + rowStride;
          const o3 = o2 + C;
          for (let c = 0; c < C; c++) {
            const a0 = winBase + c;
            let best = xv[a0];
            let at = a0;
            let v = xv[o1 + c];
            if (v > best) { best = v; at = o1 + c; }
            v = xv[o2 + c];
            if (v > best) { best = v; at = o2 + c; }
            v = xv[o3 + c];
            if (v > best) { best = v; at = o3 + c; }
            dxv[a0] = 0;
            dxv[o1 + c] = 0;
            dxv[o2 + c] = 0;
            dxv[o3 + c] = 0;
            // NaN or -Infinity everywhere: the cpu backend assigns no position.
            if (best > -Infinity) dxv[at] = dyv[dyOff + c];
          }
          continue;
        }
        if (disjoint) {
          for (let r = rMin; r < rMax; r++) dxv.fill(0, xBase + r * rowStride + cMin * C, xBase + r * rowStride + cMax * C);
        }
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          for (let r = rMin; r < rMax; r++) {
            let o = xBase + r * rowStride + cMin * C + c;
            for (let q = cMin; q < cMax; q++, o += C) {
              const v = xv[o];
              if (v > best) {
                best = v;
                at = o;
              }
            }
          }
          if (at >= 0) dxv[at] += dyv[dyOff + c];
        }
      }
    }
  }
  return dx;
}

export const maxPoolGradConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
