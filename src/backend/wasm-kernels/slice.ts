/**
 * Slice for the wasm backend without a copy of the whole input. The stock kernel first reads all of
 * x out of the heap into a new JavaScript array (readSync), whatever the size of the slice: slicing
 * a batch out of a large set cost a copy of the set each time. A contiguous slice (every axis but
 * the first taken whole, as when slicing along the first axis) is one copy within the heap here;
 * other slices go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { runStock, type KernelArgs, type TensorInfo } from './util.js';

function slice({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x } = inputs;
  const { begin, size } = attrs as unknown as tf.SliceAttrs;
  const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size);
  if (x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, begin_, size_)) return runStock('Slice', backend, inputs, attrs);
  const offset = tf.slice_util.computeFlatOffset(begin_, tf.util.computeStrides(x.shape));
  const out = backend.makeOutput(size_, x.dtype);
  const source = backend.typedArrayFromHeap(x);
  backend.typedArrayFromHeap(out).set(source.subarray(offset, offset + tf.util.sizeFromShape(size_)));
  return out;
}

export const sliceConfig = {
  kernelName: 'Slice',
  backendName: 'wasm',
  kernelFunc: slice as unknown as tf.KernelFunc,
};
