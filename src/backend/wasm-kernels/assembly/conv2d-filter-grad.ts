/**
 * The filter gradient of a 2-D convolution, NHWC float32, no dilation:
 *   dw[a,b,c,f] = Σ_{n,i,j} x[n, i·sh + a − pt, j·sw + b − pl, c] · dy[n,i,j,f]
 * (taps outside the image contribute nothing). For each tap (a,b) this is a product of the
 * shifted input's channels with dy's, accumulated over every output pixel, in register blocks:
 * four input channels × eight filters (eight accumulators) when C is a multiple of 4, else one
 * input channel × 32 filters; then narrower blocks for the last filters. dy is walked in blocks
 * of output rows small enough to stay in cache while every tap reads them. Each weight's sum runs
 * in one float32 chain over the whole batch, as in the stock and cpu backends' products.
 */

import { ftz, ftz1, madd, store8, storePairs } from './vector';

@inline function ceilDiv(a: i32, b: i32): i32 {
  return a <= 0 ? -(-a / b) : (a + b - 1) / b;
}

@inline function floorDiv(a: i32, b: i32): i32 {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/** Bytes of dy per block of output rows: about a level-1 cache. */
const BLOCK_BYTES: i32 = 32768;

export function conv2dFilterGrad(x: usize, dy: usize, dw: usize, N: i32, H: i32, W: i32, C: i32, Ho: i32, Wo: i32, F: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32): void {
  const cBytes = (<usize>C) << 2;
  const fBytes = (<usize>F) << 2;
  memory.fill(dw, 0, <usize>(kh * kw) * <usize>C * fBytes);
  const rowsPerBlock = max(1, BLOCK_BYTES / max(1, Wo * F * 4));
  for (let n = 0; n < N; n++) {
    for (let i0 = 0; i0 < Ho; i0 += rowsPerBlock) {
      const i1 = min(Ho, i0 + rowsPerBlock);
      for (let a = 0; a < kh; a++) {
        // Output rows whose input row i·sh + a − pt is inside the image.
        const iMin = max(i0, ceilDiv(pt - a, sh));
        const iMax = min(i1, floorDiv(H - 1 + pt - a, sh) + 1);
        if (iMin >= iMax) continue;
        for (let b = 0; b < kw; b++) {
          const jMin = max(0, ceilDiv(pl - b, sw));
          const jMax = min(Wo, floorDiv(W - 1 + pl - b, sw) + 1);
          if (jMin >= jMax) continue;
          // Input pixel of output pixel (i, jMin), and the steps to the next output column/row.
          const x0 = x + <usize>((n * H + iMin * sh + a - pt) * W + jMin * sw + b - pl) * cBytes;
          const dy0 = dy + <usize>((n * Ho + iMin) * Wo + jMin) * fBytes;
          const xColStep = <usize>sw * cBytes;
          const xRowStep = <usize>(sh * W) * cBytes;
          const dyRowStep = <usize>Wo * fBytes;
          const tapAt = dw + <usize>(a * kw + b) * <usize>C * fBytes;
          const rows = iMax - iMin;
          const cols = jMax - jMin;
          if ((C & 3) == 0) fourChannels(x0, dy0, tapAt, C, F, rows, cols, xColStep, xRowStep, dyRowStep);
          else oneChannel(x0, dy0, tapAt, C, F, rows, cols, xColStep, xRowStep, dyRowStep);
        }
      }
    }
  }
}

/** dw[c..c+3, f..] += Σ_pixels x[c..c+3] ⊗ dy[f..], for every block of 4 channels. */
function fourChannels(x0: usize, dy0: usize, tapAt: usize, C: i32, F: i32, rows: i32, cols: i32, xColStep: usize, xRowStep: usize, dyRowStep: usize): void {
  const fBytes = (<usize>F) << 2;
  for (let c: usize = 0; c < (<usize>C) << 2; c += 16) {
    const w0 = tapAt + (c >> 2) * fBytes; // dw row of channel c (then +fBytes for c+1, …)
    let f: usize = 0;
    for (; f + 32 <= fBytes; f += 32) {
      const o = w0 + f;
      let c0a = v128.load(o), c0b = v128.load(o, 16);
      let c1a = v128.load(o + fBytes), c1b = v128.load(o + fBytes, 16);
      let c2a = v128.load(o + 2 * fBytes), c2b = v128.load(o + 2 * fBytes, 16);
      let c3a = v128.load(o + 3 * fBytes), c3b = v128.load(o + 3 * fBytes, 16);
      let xr = x0 + c;
      let dr = dy0 + f;
      for (let i = 0; i < rows; i++, xr += xRowStep, dr += dyRowStep) {
        let xp = xr;
        let dp = dr;
        for (let j = 0; j < cols; j++, xp += xColStep, dp += fBytes) {
          const da = v128.load(dp);
          const db = v128.load(dp, 16);
          const s0 = v128.load32_splat(xp);
          c0a = madd(c0a, s0, da);
          c0b = madd(c0b, s0, db);
          const s1 = v128.load32_splat(xp, 4);
          c1a = madd(c1a, s1, da);
          c1b = madd(c1b, s1, db);
          const s2 = v128.load32_splat(xp, 8);
          c2a = madd(c2a, s2, da);
          c2b = madd(c2b, s2, db);
          const s3 = v128.load32_splat(xp, 12);
          c3a = madd(c3a, s3, da);
          c3b = madd(c3b, s3, db);
        }
      }
      storePairs(o, fBytes, c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b);
    }
    if (f < fBytes) {
      // The last F mod 8 filters, one channel at a time.
      for (let k: usize = 0; k < 16; k += 4) narrowFilters(x0 + c + k, dy0, w0 + (k >> 2) * fBytes, f, fBytes, rows, cols, xColStep, xRowStep, dyRowStep);
    }
  }
}

/** dw[c, f..] += Σ_pixels x[c] · dy[f..], 32 filters at a time, for every channel c. */
function oneChannel(x0: usize, dy0: usize, tapAt: usize, C: i32, F: i32, rows: i32, cols: i32, xColStep: usize, xRowStep: usize, dyRowStep: usize): void {
  const fBytes = (<usize>F) << 2;
  for (let c: usize = 0; c < (<usize>C) << 2; c += 4) {
    const o0 = tapAt + (c >> 2) * fBytes;
    let f: usize = 0;
    for (; f + 128 <= fBytes; f += 128) {
      const o = o0 + f;
      let a0 = v128.load(o), a1 = v128.load(o, 16), a2 = v128.load(o, 32), a3 = v128.load(o, 48);
      let a4 = v128.load(o, 64), a5 = v128.load(o, 80), a6 = v128.load(o, 96), a7 = v128.load(o, 112);
      let xr = x0 + c;
      let dr = dy0 + f;
      for (let i = 0; i < rows; i++, xr += xRowStep, dr += dyRowStep) {
        let xp = xr;
        let dp = dr;
        for (let j = 0; j < cols; j++, xp += xColStep, dp += fBytes) {
          const s = v128.load32_splat(xp);
          a0 = madd(a0, s, v128.load(dp));
          a1 = madd(a1, s, v128.load(dp, 16));
          a2 = madd(a2, s, v128.load(dp, 32));
          a3 = madd(a3, s, v128.load(dp, 48));
          a4 = madd(a4, s, v128.load(dp, 64));
          a5 = madd(a5, s, v128.load(dp, 80));
          a6 = madd(a6, s, v128.load(dp, 96));
          a7 = madd(a7, s, v128.load(dp, 112));
        }
      }
      store8(o, a0, a1, a2, a3, a4, a5, a6, a7);
    }
    narrowFilters(x0 + c, dy0, o0, f, fBytes, rows, cols, xColStep, xRowStep, dyRowStep);
  }
}

/** dw[c, f..F) += Σ_pixels x[c] · dy[f..F): 4 filters at a time, then one (xc points at x[c]). */
function narrowFilters(xc: usize, dy0: usize, o0: usize, f: usize, fBytes: usize, rows: i32, cols: i32, xColStep: usize, xRowStep: usize, dyRowStep: usize): void {
  for (; f + 16 <= fBytes; f += 16) {
    let acc = v128.load(o0 + f);
    let xr = xc;
    let dr = dy0 + f;
    for (let i = 0; i < rows; i++, xr += xRowStep, dr += dyRowStep) {
      let xp = xr;
      let dp = dr;
      for (let j = 0; j < cols; j++, xp += xColStep, dp += fBytes) acc = madd(acc, v128.load32_splat(xp), v128.load(dp));
    }
    v128.store(o0 + f, ftz(acc));
  }
  for (; f < fBytes; f += 4) {
    let acc = load<f32>(o0 + f);
    let xr = xc;
    let dr = dy0 + f;
    for (let i = 0; i < rows; i++, xr += xRowStep, dr += dyRowStep) {
      let xp = xr;
      let dp = dr;
      for (let j = 0; j < cols; j++, xp += xColStep, dp += fBytes) acc += load<f32>(xp) * load<f32>(dp);
    }
    store<f32>(o0 + f, ftz1(acc));
  }
}
