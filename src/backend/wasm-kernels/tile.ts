/**
 * Tile for the wasm backend. The stock kernel computes every output element's source index with
 * divisions (~30 ns per element); batch-norm gradients tile a [1,1,1,C] vector to the full
 * [N,H,W,C] activation size, which made Tile the most expensive kernel of a BatchNormalization
 * model's training step. Here each dimension is filled by copying the already-built block with
 * doubling copyWithin calls.
 */
import * as tf from '@tensorflow/tfjs';
import { runStock, type KernelArgs, type TensorInfo } from './util.js';

export function tile(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const { reps } = attrs as unknown as tf.TileAttrs;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return runStock('Tile', backend, inputs, attrs);
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  if (dst.length === 0) return out;
  // outBlock[d] = elements of one output slab below dim d; inStride[d] likewise for the input.
  const outBlock = new Array<number>(rank + 1);
  const inStride = new Array<number>(rank + 1);
  outBlock[rank] = 1;
  inStride[rank] = 1;
  for (let d = rank - 1; d >= 0; d--) {
    outBlock[d] = outBlock[d + 1] * outShape[d];
    inStride[d] = inStride[d + 1] * x.shape[d];
  }
  const fill = (d: number, inOff: number, outOff: number): void => {
    if (d === rank) {
      dst[outOff] = src[inOff];
      return;
    }
    const n = x.shape[d];
    const sub = outBlock[d + 1];
    if (d === rank - 1) {
      dst.set(src.subarray(inOff, inOff + n), outOff);
    } else {
      for (let i = 0; i < n; i++) fill(d + 1, inOff + i * inStride[d + 1], outOff + i * sub);
    }
    // Replicate the first copy reps[d] times along this dimension.
    const block = n * sub;
    const total = reps[d];
    let done = 1;
    while (done < total) {
      const k = Math.min(done, total - done);
      dst.copyWithin(outOff + done * block, outOff, outOff + k * block);
      done += k;
    }
  };
  fill(0, 0, 0);
  return out;
}

export const tileConfig = {
  kernelName: 'Tile',
  backendName: 'wasm',
  kernelFunc: tile as unknown as tf.KernelFunc,
};
