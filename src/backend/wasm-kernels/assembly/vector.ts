/** Small SIMD helpers shared by the kernels (inlined: no calls in the inner loops). */

/** The smallest normal float32; below it (in magnitude) lie the subnormals. */
const FLT_MIN: f32 = 1.17549435e-38;

/**
 * Subnormal lanes to zero; zeros, normals, infinities and NaN unchanged. TensorFlow runs its CPU
 * kernels in the x86 flush-to-zero and denormals-are-zero modes, which WebAssembly cannot set;
 * without them an Intel core takes a microcode assist of about a hundred cycles for each SIMD
 * multiply or add that meets a subnormal. Training makes them: weights that decay towards zero,
 * products of small gradients. The kernels flush every output that later feeds
 * a multiply-add, so subnormals never reach an inner loop; the numbers are those flush-to-zero gives.
 */
@inline export function ftz(v: v128): v128 {
  return v128.andnot(v, f32x4.lt(f32x4.abs(v), f32x4.splat(FLT_MIN)));
}

@inline export function ftz1(x: f32): f32 {
  return Mathf.abs(x) < FLT_MIN ? 0 : x;
}

/** acc + s·w, lane by lane (WebAssembly SIMD has no fused multiply-add). */
@inline export function madd(acc: v128, s: v128, w: v128): v128 {
  return f32x4.add(acc, f32x4.mul(s, w));
}

/** Eight vectors to 128 consecutive bytes, subnormals flushed. */
@inline export function store8(at: usize, v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, v5: v128, v6: v128, v7: v128): void {
  v128.store(at, ftz(v0));
  v128.store(at, ftz(v1), 16);
  v128.store(at, ftz(v2), 32);
  v128.store(at, ftz(v3), 48);
  v128.store(at, ftz(v4), 64);
  v128.store(at, ftz(v5), 80);
  v128.store(at, ftz(v6), 96);
  v128.store(at, ftz(v7), 112);
}

/** Four pairs of vectors, pair k to the 32 bytes at at + k·stride, subnormals flushed. */
@inline export function storePairs(at: usize, stride: usize, v0a: v128, v0b: v128, v1a: v128, v1b: v128, v2a: v128, v2b: v128, v3a: v128, v3b: v128): void {
  v128.store(at, ftz(v0a));
  v128.store(at, ftz(v0b), 16);
  v128.store(at + stride, ftz(v1a));
  v128.store(at + stride, ftz(v1b), 16);
  v128.store(at + 2 * stride, ftz(v2a));
  v128.store(at + 2 * stride, ftz(v2b), 16);
  v128.store(at + 3 * stride, ftz(v3a));
  v128.store(at + 3 * stride, ftz(v3b), 16);
}

/**
 * A convolution's epilogue: + bias (when `bias` is not 0, one float32 per filter at bias + f),
 * then relu (when `relu`). The bias is added to the finished sum, as a separate Add kernel would.
 * Subnormals are flushed where the result is stored (store8, storePairs) or here for single stores.
 */
@inline export function epilogue(acc: v128, bias: usize, f: usize, relu: bool): v128 {
  if (bias) acc = f32x4.add(acc, v128.load(bias + f));
  return relu ? f32x4.max(acc, f32x4.splat(0)) : acc;
}

@inline export function epilogue1(acc: f32, bias: usize, f: usize, relu: bool): f32 {
  if (bias) acc += load<f32>(bias + f);
  return ftz1(relu ? max<f32>(acc, 0) : acc);
}
