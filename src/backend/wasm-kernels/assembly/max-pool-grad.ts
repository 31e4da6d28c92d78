/**
 * MaxPoolGrad, NHWC float32: each window's argmax is recomputed from x (the first maximum in
 * row-major window order wins, padding excluded, as on the cpu backend) and dy is routed there.
 * The common 2×2 window that lies wholly inside the image is compared four channels at a time.
 */

/** Zeroes dx where no window reaches (when windows are disjoint the rest is written exactly once). */
function zeroUncovered(dx: usize, N: i32, H: i32, W: i32, C: i32, Ho: i32, Wo: i32, fh: i32, fw: i32, sh: i32, sw: i32): void {
  const pixelBytes = (<usize>C) << 2;
  for (let n = 0; n < N; n++) {
    for (let r = 0; r < H; r++) {
      const rowCovered = r < Ho * sh && r % sh < fh;
      for (let q = 0; q < W; q++) {
        if (rowCovered && q < Wo * sw && q % sw < fw) continue;
        memory.fill(dx + <usize>((n * H + r) * W + q) * pixelBytes, 0, pixelBytes);
      }
    }
  }
}

/** A 2×2 window at x0 (pixel offsets in bytes: +c, +rowBytes), channels four at a time. */
function window2x2(x0: usize, dx0: usize, dy0: usize, pixelBytes: usize, rowBytes: usize): void {
  const negInf = f32x4.splat(-Infinity);
  const x1 = x0 + pixelBytes;
  const x2 = x0 + rowBytes;
  const x3 = x2 + pixelBytes;
  const d1 = dx0 + pixelBytes;
  const d2 = dx0 + rowBytes;
  const d3 = d2 + pixelBytes;
  for (let c: usize = 0; c < pixelBytes; c += 16) {
    const a0 = v128.load(x0 + c);
    const a1 = v128.load(x1 + c);
    const a2 = v128.load(x2 + c);
    const a3 = v128.load(x3 + c);
    // The running best starts at −Infinity (a NaN first value counts as that); strictly greater
    // replaces it, so the first maximum wins and NaN never does.
    const b0 = v128.bitselect(a0, negInf, f32x4.eq(a0, a0));
    const m1 = f32x4.gt(a1, b0);
    const b1 = v128.bitselect(a1, b0, m1);
    const m2 = f32x4.gt(a2, b1);
    const b2 = v128.bitselect(a2, b1, m2);
    const m3 = f32x4.gt(a3, b2);
    const b3 = v128.bitselect(a3, b2, m3);
    // A window of NaN or −Infinity routes its gradient nowhere, as on the cpu backend (there the
    // first value would win only if it were greater than −Infinity, which w0 requires too).
    const valid = f32x4.gt(b3, negInf);
    const g = v128.and(v128.load(dy0 + c), valid);
    const w3 = m3;
    const w2 = v128.andnot(m2, m3);
    const w1 = v128.andnot(v128.andnot(m1, m2), m3);
    const w0 = v128.not(v128.or(v128.or(m1, m2), m3));
    v128.store(dx0 + c, v128.and(g, w0));
    v128.store(d1 + c, v128.and(g, w1));
    v128.store(d2 + c, v128.and(g, w2));
    v128.store(d3 + c, v128.and(g, w3));
  }
}

export function maxPoolGrad(x: usize, dy: usize, dx: usize, N: i32, H: i32, W: i32, C: i32, Ho: i32, Wo: i32, fh: i32, fw: i32, sh: i32, sw: i32, pt: i32, pl: i32): void {
  const pixelBytes = (<usize>C) << 2;
  const rowBytes = <usize>W * pixelBytes;
  const disjoint = sh >= fh && sw >= fw && pt == 0 && pl == 0;
  if (disjoint) zeroUncovered(dx, N, H, W, C, Ho, Wo, fh, fw, sh, sw);
  else memory.fill(dx, 0, <usize>N * <usize>H * rowBytes);
  const vector = (C & 3) == 0;
  for (let n = 0; n < N; n++) {
    const imageBase = <usize>n * <usize>H * rowBytes;
    for (let i = 0; i < Ho; i++) {
      const r0 = i * sh - pt;
      const rMin = max(0, r0);
      const rMax = min(H, r0 + fh);
      for (let j = 0; j < Wo; j++) {
        const c0 = j * sw - pl;
        const cMin = max(0, c0);
        const cMax = min(W, c0 + fw);
        const dyAt = dy + <usize>((n * Ho + i) * Wo + j) * pixelBytes;
        const winAt = imageBase + <usize>rMin * rowBytes + <usize>cMin * pixelBytes;
        if (disjoint && vector && rMax - rMin == 2 && cMax - cMin == 2) {
          window2x2(x + winAt, dx + winAt, dyAt, pixelBytes, rowBytes);
          continue;
        }
        if (disjoint) {
          for (let r = rMin; r < rMax; r++) {
            memory.fill(dx + imageBase + <usize>r * rowBytes + <usize>cMin * pixelBytes, 0, <usize>(cMax - cMin) * pixelBytes);
          }
        }
        for (let c: usize = 0; c < pixelBytes; c += 4) {
          let best: f32 = -Infinity;
          let found = false;
          let at: usize = 0;
          for (let r = rMin; r < rMax; r++) {
            let o = imageBase + <usize>r * rowBytes + <usize>cMin * pixelBytes + c;
            for (let q = cMin; q < cMax; q++, o += pixelBytes) {
              const v = load<f32>(x + o);
              if (v > best) {
                best = v;
                at = o;
                found = true;
              }
            }
          }
          if (found) store<f32>(dx + at, load<f32>(dx + at) + load<f32>(dyAt + c));
        }
      }
    }
  }
}
