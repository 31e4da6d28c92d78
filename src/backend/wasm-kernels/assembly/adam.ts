/**
 * One Adam step for one variable, as tfjs' AdamOptimizer computes it, operation by operation in
 * float32 (the same numbers, bit for bit), in one pass instead of fourteen kernels:
 *   m' = m·β1 + g·(1 − β1)        v' = v·β2 + g²·(1 − β2)
 *   w' = (m' / (1 − β1ᵗ)) / (√(v' / (1 − β2ᵗ)) + ε) · (−lr) + w
 * except that subnormal results are stored as zero (vector.ts, ftz): a weight that L2 decay
 * drives towards zero ends at zero instead of lingering among the subnormals, where every
 * convolution that multiplies by it would slow down.
 */

import { ftz, ftz1 } from './vector';
export function adam(w: usize, g: usize, m: usize, v: usize, wOut: usize, mOut: usize, vOut: usize, n: i32,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, oneMinusAccBeta1: f32, oneMinusAccBeta2: f32, epsilon: f32, negLr: f32): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(oneMinusBeta2);
  const a1 = f32x4.splat(oneMinusAccBeta1), a2 = f32x4.splat(oneMinusAccBeta2);
  const eps = f32x4.splat(epsilon), lr = f32x4.splat(negLr);
  const end = (<usize>n) << 2;
  let i: usize = 0;
  for (; i + 16 <= end; i += 16) {
    const gi = v128.load(g + i);
    const mi = f32x4.add(f32x4.mul(v128.load(m + i), b1), f32x4.mul(gi, c1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + i), b2), f32x4.mul(f32x4.mul(gi, gi), c2));
    const step = f32x4.div(f32x4.div(mi, a1), f32x4.add(f32x4.sqrt(f32x4.div(vi, a2)), eps));
    v128.store(mOut + i, ftz(mi));
    v128.store(vOut + i, ftz(vi));
    v128.store(wOut + i, ftz(f32x4.add(f32x4.mul(step, lr), v128.load(w + i))));
  }
  for (; i < end; i += 4) {
    const gi = load<f32>(g + i);
    const mi = load<f32>(m + i) * beta1 + gi * oneMinusBeta1;
    const vi = load<f32>(v + i) * beta2 + gi * gi * oneMinusBeta2;
    const step = mi / oneMinusAccBeta1 / (Mathf.sqrt(vi / oneMinusAccBeta2) + epsilon);
    store<f32>(mOut + i, ftz1(mi));
    store<f32>(vOut + i, ftz1(vi));
    store<f32>(wOut + i, ftz1(step * negLr + load<f32>(w + i)));
  }
}
