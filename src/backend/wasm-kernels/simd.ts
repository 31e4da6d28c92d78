/**
 * convsweep's WebAssembly SIMD kernels (assembly/, AssemblyScript compiled to simd.wasm by
 * `npm run build`), instantiated on the memory of the tfjs wasm backend they serve, so they read
 * and write its tensors in place: no copy in or out, and none of the bounds checks and scalar
 * arithmetic of JavaScript loops over the heap. One instance per backend; every worker thread has
 * its own backend, memory and instance.
 */
import { readFileSync } from 'node:fs';
import type { Backend, TensorInfo } from './util.js';

/** The exports of assembly/index.ts. Pointers are byte offsets into the backend's heap. */
export interface SimdKernels {
  columnSums(u: number, su: number, rows: number, cols: number, partial: number, total: number): void;
  columnDots(u: number, su: number, v: number, sv: number, rows: number, cols: number, partial: number, totalA: number, totalB: number): void;
  affine(x: number, s: number, k: number, o: number, out: number, rows: number, cols: number): void;
  affine2(x: number, kx: number, w: number, sw: number, kw: number, o: number, out: number, rows: number, cols: number): void;
  reluGrad(dy: number, x: number, dx: number, n: number): void;
  conv2d(x: number, w: number, y: number, N: number, H: number, W: number, C: number, Ho: number, Wo: number, F: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, bias: number, relu: number): void;
  conv2dFilterGrad(x: number, dy: number, dw: number, N: number, H: number, W: number, C: number, Ho: number, Wo: number, F: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number): void;
  adam(w: number, g: number, m: number, v: number, wOut: number, mOut: number, vOut: number, n: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, oneMinusAccBeta1: number, oneMinusAccBeta2: number, epsilon: number, negLr: number): void;
  maxPoolGrad(x: number, dy: number, dx: number, N: number, H: number, W: number, C: number, Ho: number, Wo: number, fh: number, fw: number, sh: number, sw: number, pt: number, pl: number): void;
}

/** The parts of the backend's Emscripten module used here (its typings leave them out). */
interface HeapModule {
  HEAPU8: Uint8Array;
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
  _malloc(bytes: number): number;
  _free(at: number): void;
}

let compiled: WebAssembly.Module | undefined;
const instances = new WeakMap<Backend, SimdKernels>();

function heapOf(backend: Backend): HeapModule {
  return backend.wasm as unknown as HeapModule;
}

function compile(): WebAssembly.Module {
  const file = new URL('./simd.wasm', import.meta.url);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch {
    throw new Error(`${file.pathname} is missing: run \`npm run build\` (it compiles src/backend/wasm-kernels/assembly/)`);
  }
  return new WebAssembly.Module(bytes);
}

export function simdKernels(backend: Backend): SimdKernels {
  let kernels = instances.get(backend);
  if (!kernels) {
    const heap = heapOf(backend);
    const memory = heap.asm?.memory ?? heap.wasmMemory;
    if (!(memory instanceof WebAssembly.Memory) || memory.buffer !== heap.HEAPU8.buffer) {
      throw new Error('the tfjs wasm backend does not expose its WebAssembly.Memory where convsweep expects it (asm.memory)');
    }
    compiled ??= compile();
    kernels = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as SimdKernels;
    instances.set(backend, kernels);
  }
  return kernels;
}

/** Byte offset of a tensor's data in the backend's heap. */
export function addressOf(backend: Backend, t: TensorInfo): number {
  return backend.getMemoryOffset(t.dataId) as number;
}

/**
 * Zeroed scratch on the backend's heap for the length of fn: `f64` float64 slots at f64At, then
 * `f32` float32 slots at f32At. Views of the heap made before this call may be stale after it (an
 * allocation can grow the heap); the kernels, which address the memory directly, are not affected.
 */
export function withScratch<T>(backend: Backend, f64: number, f32: number, fn: (f64At: number, f32At: number) => T): T {
  const heap = heapOf(backend);
  const bytes = 8 * f64 + 4 * f32;
  // _malloc returns an int32: above 2 GB of heap it is negative unless read unsigned.
  const at = heap._malloc(Math.max(8, bytes)) >>> 0;
  if (at === 0) throw new Error(`the wasm heap has no room for ${bytes} bytes of scratch`);
  try {
    heap.HEAPU8.fill(0, at, at + bytes);
    return fn(at, at + 8 * f64);
  } finally {
    heap._free(at);
  }
}

/** float64 view of `n` scratch slots (make it after every allocation: the heap may have grown). */
export function f64At(backend: Backend, at: number, n: number): Float64Array {
  return new Float64Array(heapOf(backend).HEAPU8.buffer, at, n);
}

/** float32 view of `n` scratch slots. */
export function f32At(backend: Backend, at: number, n: number): Float32Array {
  return new Float32Array(heapOf(backend).HEAPU8.buffer, at, n);
}
