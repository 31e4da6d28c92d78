/**
 * Per-column affine maps over row-major [rows, cols] float32 matrices (a [N,H,W,C] tensor as
 * [N·H·W, C]): batch normalisation forward, y = (x − mean[c])·scale[c] + shift[c], and its
 * gradient, dx = dy·a[c] + (x − mean[c])·b[c] + d[c]. The mean is subtracted first, as tfjs does,
 * so that data far from zero keeps its precision (x·scale and mean·scale would cancel). One pass
 * each, SIMD across the columns when cols is a multiple of 4. Subnormal outputs are stored as zero
 * (vector.ts, ftz).
 */

import { ftz, ftz1 } from './vector';

/** out[r,c] = (x[r,c] − s[c])·k[c] + o[c] */
export function affine(x: usize, s: usize, k: usize, o: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = (<usize>cols) << 2;
  const end = x + <usize>rows * rowBytes;
  if ((cols & 3) == 0) {
    for (; x < end; x += rowBytes, out += rowBytes) {
      for (let c: usize = 0; c < rowBytes; c += 16) {
        const centred = f32x4.sub(v128.load(x + c), v128.load(s + c));
        v128.store(out + c, ftz(f32x4.add(f32x4.mul(centred, v128.load(k + c)), v128.load(o + c))));
      }
    }
    return;
  }
  for (; x < end; x += rowBytes, out += rowBytes) {
    for (let c: usize = 0; c < rowBytes; c += 4) {
      store<f32>(out + c, ftz1((load<f32>(x + c) - load<f32>(s + c)) * load<f32>(k + c) + load<f32>(o + c)));
    }
  }
}

/** out[r,c] = x[r,c]·kx[c] + (w[r,c] − sw[c])·kw[c] + o[c] */
export function affine2(x: usize, kx: usize, w: usize, sw: usize, kw: usize, o: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = (<usize>cols) << 2;
  const end = x + <usize>rows * rowBytes;
  if ((cols & 3) == 0) {
    for (; x < end; x += rowBytes, w += rowBytes, out += rowBytes) {
      for (let c: usize = 0; c < rowBytes; c += 16) {
        const xk = f32x4.mul(v128.load(x + c), v128.load(kx + c));
        const wk = f32x4.mul(f32x4.sub(v128.load(w + c), v128.load(sw + c)), v128.load(kw + c));
        v128.store(out + c, ftz(f32x4.add(f32x4.add(xk, wk), v128.load(o + c))));
      }
    }
    return;
  }
  for (; x < end; x += rowBytes, w += rowBytes, out += rowBytes) {
    for (let c: usize = 0; c < rowBytes; c += 4) {
      store<f32>(out + c, ftz1(load<f32>(x + c) * load<f32>(kx + c) + (load<f32>(w + c) - load<f32>(sw + c)) * load<f32>(kw + c) + load<f32>(o + c)));
    }
  }
}
