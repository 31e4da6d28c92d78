/**
 * Shared helpers for the training kernels added to the tfjs wasm backend: typed access to the
 * backend's heap, and calls into the stock wasm kernels (looked up in the kernel registry, so
 * nothing has to be imported from the package's extension-less ESM dist files).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;
export type Backend = BackendWasm;
export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: Backend;
  attrs?: Record<string, unknown>;
}

/** The kernelFuncs of stock wasm kernels we call, captured before any of them is overridden. */
const stock = new Map<string, tf.KernelFunc>();

export function captureStock(kernelName: string): tf.KernelConfig | undefined {
  const cfg = tf.getKernel(kernelName, 'wasm');
  if (cfg && !stock.has(kernelName)) stock.set(kernelName, cfg.kernelFunc);
  return cfg;
}

/** Runs a stock wasm kernel directly on TensorInfos (no engine bookkeeping: caller disposes). */
export function runStock(kernelName: string, backend: Backend, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown> = {}): TensorInfo {
  let fn = stock.get(kernelName);
  if (!fn) {
    captureStock(kernelName);
    fn = stock.get(kernelName);
  }
  if (!fn) throw new Error(`wasm kernel ${kernelName} is not registered`);
  return fn({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
}

export function f32(backend: Backend, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

export function dispose(backend: Backend, t: TensorInfo): void {
  backend.disposeData(t.dataId);
}

/** A view of t with another shape (same data, no copy, no refcount change: do not dispose both). */
export function view(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/**
 * Transpose in JS over the heap (the stock wasm Transpose is a generic per-element loop, ~5 ns per
 * element on the [N,H,W,C] -> [H,W,N,C] shuffles the conv gradients need). Adjacent dims that stay
 * adjacent are merged first; a preserved innermost dim becomes a block copy.
 */
export function transposeJs(backend: Backend, x: TensorInfo, perm: number[]): TensorInfo {
  const outShape = perm.map((p) => x.shape[p]);
  // Merge runs of input dims that appear consecutively in perm, and drop size-1 dims.
  const keep = perm.filter((p) => x.shape[p] !== 1);
  const groups: number[][] = [];
  for (const p of keep) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] + 1 === p) last.push(p);
    else groups.push([p]);
  }
  const byInput = groups.slice().sort((g1, g2) => g1[0] - g2[0]);
  const inDims = byInput.map((g) => g.reduce((s, d) => s * x.shape[d], 1));
  const inStrides = new Array<number>(inDims.length);
  for (let i = inDims.length - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= inDims[i];
  }
  const outDims = groups.map((g) => inDims[byInput.indexOf(g)]);
  const strides = groups.map((g) => inStrides[byInput.indexOf(g)]);
  const out = backend.makeOutput(outShape, x.dtype);
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  if (groups.length <= 1) {
    dst.set(src);
    return out;
  }
  // Pad to rank 4 with leading unit dims.
  while (outDims.length < 4) {
    outDims.unshift(1);
    strides.unshift(0);
  }
  if (outDims.length > 4) throw new Error(`transposeJs: rank ${outDims.length} after merging is not supported`);
  const [d0, d1, d2, d3] = outDims;
  const [s0, s1, s2, s3] = strides;
  if (s3 === 1) {
    let o = 0;
    for (let i0 = 0; i0 < d0; i0++)
      for (let i1 = 0; i1 < d1; i1++)
        for (let i2 = 0; i2 < d2; i2++) {
          const base = i0 * s0 + i1 * s1 + i2 * s2;
          if (d3 >= 16) {
            dst.set(src.subarray(base, base + d3), o);
            o += d3;
          } else {
            for (let i3 = 0; i3 < d3; i3++) dst[o++] = src[base + i3];
          }
        }
    return out;
  }
  // Innermost output dim strided in the input: walk the two inner dims in 32x32 tiles so both the
  // reads and the writes stay in cache.
  const T = 32;
  for (let i0 = 0; i0 < d0; i0++)
    for (let i1 = 0; i1 < d1; i1++) {
      const outBase = (i0 * d1 + i1) * d2 * d3;
      const inBase = i0 * s0 + i1 * s1;
      for (let b2 = 0; b2 < d2; b2 += T) {
        const e2 = Math.min(d2, b2 + T);
        for (let b3 = 0; b3 < d3; b3 += T) {
          const e3 = Math.min(d3, b3 + T);
          for (let i2 = b2; i2 < e2; i2++) {
            let o = outBase + i2 * d3 + b3;
            let p = inBase + i2 * s2 + b3 * s3;
            for (let i3 = b3; i3 < e3; i3++, p += s3) dst[o++] = src[p];
          }
        }
      }
    }
  return out;
}

