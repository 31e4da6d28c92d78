/** Small SIMD helpers shared by the kernels (inlined: no calls in the inner loops). */

/** acc + s·w, lane by lane (WebAssembly SIMD has no fused multiply-add). */
@inline export function madd(acc: v128, s: v128, w: v128): v128 {
  return f32x4.add(acc, f32x4.mul(s, w));
}

/** Eight vectors to 128 consecutive bytes. */
@inline export function store8(at: usize, v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, v5: v128, v6: v128, v7: v128): void {
  v128.store(at, v0);
  v128.store(at, v1, 16);
  v128.store(at, v2, 32);
  v128.store(at, v3, 48);
  v128.store(at, v4, 64);
  v128.store(at, v5, 80);
  v128.store(at, v6, 96);
  v128.store(at, v7, 112);
}

/** Four pairs of vectors, pair k to the 32 bytes at at + k·stride. */
@inline export function storePairs(at: usize, stride: usize, v0a: v128, v0b: v128, v1a: v128, v1b: v128, v2a: v128, v2b: v128, v3a: v128, v3b: v128): void {
  v128.store(at, v0a);
  v128.store(at, v0b, 16);
  v128.store(at + stride, v1a);
  v128.store(at + stride, v1b, 16);
  v128.store(at + 2 * stride, v2a);
  v128.store(at + 2 * stride, v2b, 16);
  v128.store(at + 3 * stride, v3a);
  v128.store(at + 3 * stride, v3b, 16);
}

/**
 * A convolution's epilogue: + bias (when `bias` is not 0, one float32 per filter at bias + f),
 * then relu (when `relu`). The bias is added to the finished sum, as a separate Add kernel would.
 */
@inline export function epilogue(acc: v128, bias: usize, f: usize, relu: bool): v128 {
  if (bias) acc = f32x4.add(acc, v128.load(bias + f));
  return relu ? f32x4.max(acc, f32x4.splat(0)) : acc;
}

@inline export function epilogue1(acc: f32, bias: usize, f: usize, relu: bool): f32 {
  if (bias) acc += load<f32>(bias + f);
  return relu ? max<f32>(acc, 0) : acc;
}
