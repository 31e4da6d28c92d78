/**
 * Direct 2-D convolution, NHWC float32, filter [kh, kw, C, F], no dilation:
 *   y[n,i,j,f] = Σ_{a,b,c} x[n, i·sh + a − pt, j·sw + b − pl, c] · w[a,b,c,f]
 * with the taps outside the image skipped (zero padding on every side: the output size says how
 * much there is below and right). Output pixels go four at a time × 8 filters where their windows
 * lie inside the image's columns, else one at a time × 32 filters, in SIMD accumulators that stay
 * in registers; the last F mod 8 (or 32) filters 4 at a time, then one.
 *
 * XNNPACK's convolution, which the stock backend runs, pays for packing its filter on every call
 * and for few input channels (an MNIST net's first layer: C = 1) works far below this speed.
 * A convolution's input gradient is this same kernel on dy (zero-dilated by the strides) with the
 * filter flipped (conv2d-backprop-input.ts).
 *
 * Optionally, as the stock FusedConv2D: + bias[f] (`bias` not 0), then relu (`relu` not 0).
 * Subnormal outputs are stored as zero (vector.ts, ftz).
 */

import { epilogue, epilogue1, ftz, madd, store8, storePairs } from './vector';

export function conv2d(x: usize, w: usize, y: usize, N: i32, H: i32, W: i32, C: i32, Ho: i32, Wo: i32, F: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, bias: usize, relu: bool): void {
  const cBytes = (<usize>C) << 2;
  const fBytes = (<usize>F) << 2;
  const tapBytes = <usize>C * fBytes;
  const xColStep = <usize>sw * cBytes;
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < Ho; i++) {
      const r0 = i * sh - pt;
      const aMin = max(0, -r0);
      const aMax = min(kh, H - r0);
      const xRow = x + <usize>((n * H + r0) * W) * cBytes; // input row r0 (maybe outside: only offsets taken)
      let yAt = y + <usize>((n * Ho + i) * Wo) * fBytes;
      let j = 0;
      while (j < Wo) {
        const q0 = j * sw - pl;
        if (j + 4 <= Wo && q0 >= 0 && (j + 3) * sw - pl + kw <= W) {
          // Four output pixels whose windows lie wholly inside the image's columns.
          fourPixels(xRow + <usize>q0 * cBytes, w, yAt, C, F, W, kw, aMin, aMax, cBytes, fBytes, tapBytes, xColStep, bias, relu);
          j += 4;
          yAt += 4 * fBytes;
          continue;
        }
        onePixel(xRow + <usize>q0 * cBytes, w, yAt, C, F, W, kw, aMin, aMax, max(0, -q0), min(kw, W - q0), cBytes, fBytes, tapBytes, bias, relu);
        j++;
        yAt += fBytes;
      }
    }
  }
}

/**
 * Four pixels side by side (input columns xColStep apart) × 8 filters in eight accumulators: per
 * input value, four broadcasts and two filter loads feed eight multiply-adds.
 */
function fourPixels(x0: usize, w: usize, yAt: usize, C: i32, F: i32, W: i32, kw: i32, aMin: i32, aMax: i32, cBytes: usize, fBytes: usize, tapBytes: usize, xColStep: usize, bias: usize, relu: bool): void {
  const rowBytes = <usize>W * cBytes;
  let f: usize = 0;
  for (; f + 32 <= fBytes; f += 32) {
    let p0a = f32x4.splat(0), p0b = p0a, p1a = p0a, p1b = p0a, p2a = p0a, p2b = p0a, p3a = p0a, p3b = p0a;
    for (let a = aMin; a < aMax; a++) {
      for (let b = 0; b < kw; b++) {
        let xp = x0 + <usize>a * rowBytes + <usize>b * cBytes;
        let wp = w + <usize>(a * kw + b) * tapBytes + f;
        const xEnd = xp + cBytes;
        for (; xp < xEnd; xp += 4, wp += fBytes) {
          const wa = v128.load(wp);
          const wb = v128.load(wp, 16);
          const s0 = v128.load32_splat(xp);
          p0a = madd(p0a, s0, wa);
          p0b = madd(p0b, s0, wb);
          const s1 = v128.load32_splat(xp + xColStep);
          p1a = madd(p1a, s1, wa);
          p1b = madd(p1b, s1, wb);
          const s2 = v128.load32_splat(xp + 2 * xColStep);
          p2a = madd(p2a, s2, wa);
          p2b = madd(p2b, s2, wb);
          const s3 = v128.load32_splat(xp + 3 * xColStep);
          p3a = madd(p3a, s3, wa);
          p3b = madd(p3b, s3, wb);
        }
      }
    }
    const fb = f + 16;
    storePairs(yAt + f, fBytes, epilogue(p0a, bias, f, relu), epilogue(p0b, bias, fb, relu), epilogue(p1a, bias, f, relu), epilogue(p1b, bias, fb, relu), epilogue(p2a, bias, f, relu), epilogue(p2b, bias, fb, relu), epilogue(p3a, bias, f, relu), epilogue(p3b, bias, fb, relu));
  }
  if (f < fBytes) {
    for (let p = 0; p < 4; p++) narrowFilters(x0 + <usize>p * xColStep, w, yAt + <usize>p * fBytes, f, C, W, kw, aMin, aMax, 0, kw, cBytes, fBytes, tapBytes, bias, relu);
  }
}

/** One pixel (its window's columns bMin..bMax inside the image), 32 filters at a time. */
function onePixel(x0: usize, w: usize, yAt: usize, C: i32, F: i32, W: i32, kw: i32, aMin: i32, aMax: i32, bMin: i32, bMax: i32, cBytes: usize, fBytes: usize, tapBytes: usize, bias: usize, relu: bool): void {
  const rowBytes = <usize>W * cBytes;
  let f: usize = 0;
  for (; f + 128 <= fBytes; f += 128) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (let a = aMin; a < aMax; a++) {
      for (let b = bMin; b < bMax; b++) {
        let xp = x0 + <usize>a * rowBytes + <usize>b * cBytes;
        let wp = w + <usize>(a * kw + b) * tapBytes + f;
        const xEnd = xp + cBytes;
        for (; xp < xEnd; xp += 4, wp += fBytes) {
          const s = v128.load32_splat(xp);
          a0 = madd(a0, s, v128.load(wp));
          a1 = madd(a1, s, v128.load(wp, 16));
          a2 = madd(a2, s, v128.load(wp, 32));
          a3 = madd(a3, s, v128.load(wp, 48));
          a4 = madd(a4, s, v128.load(wp, 64));
          a5 = madd(a5, s, v128.load(wp, 80));
          a6 = madd(a6, s, v128.load(wp, 96));
          a7 = madd(a7, s, v128.load(wp, 112));
        }
      }
    }
    store8(yAt + f, epilogue(a0, bias, f, relu), epilogue(a1, bias, f + 16, relu), epilogue(a2, bias, f + 32, relu), epilogue(a3, bias, f + 48, relu), epilogue(a4, bias, f + 64, relu), epilogue(a5, bias, f + 80, relu), epilogue(a6, bias, f + 96, relu), epilogue(a7, bias, f + 112, relu));
  }
  narrowFilters(x0, w, yAt, f, C, W, kw, aMin, aMax, bMin, bMax, cBytes, fBytes, tapBytes, bias, relu);
}

/** Filters f..F of one pixel: 4 at a time, then one. */
function narrowFilters(x0: usize, w: usize, yAt: usize, f: usize, C: i32, W: i32, kw: i32, aMin: i32, aMax: i32, bMin: i32, bMax: i32, cBytes: usize, fBytes: usize, tapBytes: usize, bias: usize, relu: bool): void {
  const rowBytes = <usize>W * cBytes;
  for (; f + 16 <= fBytes; f += 16) {
    let acc = f32x4.splat(0);
    for (let a = aMin; a < aMax; a++) {
      for (let b = bMin; b < bMax; b++) {
        let xp = x0 + <usize>a * rowBytes + <usize>b * cBytes;
        let wp = w + <usize>(a * kw + b) * tapBytes + f;
        const xEnd = xp + cBytes;
        for (; xp < xEnd; xp += 4, wp += fBytes) acc = madd(acc, v128.load32_splat(xp), v128.load(wp));
      }
    }
    v128.store(yAt + f, ftz(epilogue(acc, bias, f, relu)));
  }
  for (; f < fBytes; f += 4) {
    let acc: f32 = 0;
    for (let a = aMin; a < aMax; a++) {
      for (let b = bMin; b < bMax; b++) {
        let xp = x0 + <usize>a * rowBytes + <usize>b * cBytes;
        let wp = w + <usize>(a * kw + b) * tapBytes + f;
        const xEnd = xp + cBytes;
        for (; xp < xEnd; xp += 4, wp += fBytes) acc += load<f32>(xp) * load<f32>(wp);
      }
    }
    store<f32>(yAt + f, epilogue1(acc, bias, f, relu));
  }
}
