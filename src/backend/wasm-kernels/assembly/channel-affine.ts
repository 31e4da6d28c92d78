/**
 * Per-column affine maps over row-major [rows, cols] float32 matrices (a [N,H,W,C] tensor as
 * [N·H·W, C]): batch normalisation forward, y = x·scale[c] + shift[c], and its gradient,
 * dx = dy·a[c] + x·b[c] + d[c]. One pass each, SIMD across the columns when cols is a multiple of 4.
 */

/** out[r,c] = x[r,c]·k[c] + o[c] */
export function affine(x: usize, k: usize, o: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = (<usize>cols) << 2;
  const end = x + <usize>rows * rowBytes;
  if ((cols & 3) == 0) {
    for (; x < end; x += rowBytes, out += rowBytes) {
      for (let c: usize = 0; c < rowBytes; c += 16) {
        v128.store(out + c, f32x4.add(f32x4.mul(v128.load(x + c), v128.load(k + c)), v128.load(o + c)));
      }
    }
    return;
  }
  for (; x < end; x += rowBytes, out += rowBytes) {
    for (let c: usize = 0; c < rowBytes; c += 4) {
      store<f32>(out + c, load<f32>(x + c) * load<f32>(k + c) + load<f32>(o + c));
    }
  }
}

/** out[r,c] = x[r,c]·kx[c] + w[r,c]·kw[c] + o[c] */
export function affine2(x: usize, kx: usize, w: usize, kw: usize, o: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = (<usize>cols) << 2;
  const end = x + <usize>rows * rowBytes;
  if ((cols & 3) == 0) {
    for (; x < end; x += rowBytes, w += rowBytes, out += rowBytes) {
      for (let c: usize = 0; c < rowBytes; c += 16) {
        const xk = f32x4.mul(v128.load(x + c), v128.load(kx + c));
        const wk = f32x4.mul(v128.load(w + c), v128.load(kw + c));
        v128.store(out + c, f32x4.add(f32x4.add(xk, wk), v128.load(o + c)));
      }
    }
    return;
  }
  for (; x < end; x += rowBytes, w += rowBytes, out += rowBytes) {
    for (let c: usize = 0; c < rowBytes; c += 4) {
      store<f32>(out + c, load<f32>(x + c) * load<f32>(kx + c) + load<f32>(w + c) * load<f32>(kw + c) + load<f32>(o + c));
    }
  }
}
