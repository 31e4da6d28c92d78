/**
 * The gradient of relu, dx = dy · step(x) with step(x) = 1 above 0, 0 at or below, NaN for NaN:
 * exactly what tfjs computes (including −0 and NaN results), as one pass instead of its Step, Cast
 * and Multiply kernels, each a pass over the whole activation.
 */
export function reluGrad(dy: usize, x: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const end = (<usize>n) << 2;
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) {
    const xv = v128.load(x + i);
    // x > 0 → 1; NaN → x itself (NaN); else 0.
    const step = v128.bitselect(one, v128.and(xv, f32x4.ne(xv, xv)), f32x4.gt(xv, zero));
    v128.store(dx + i, f32x4.mul(v128.load(dy + i), step));
  }
  for (; i < end; i += 4) {
    const xi = load<f32>(x + i);
    const step: f32 = xi > 0 ? 1 : xi != xi ? xi : 0;
    store<f32>(dx + i, load<f32>(dy + i) * step);
  }
}
