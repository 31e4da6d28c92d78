/**
 * Sum for the wasm backend, fast path for reductions over the leading axes (bias gradients: a
 * [N,H,W,C] gradient summed over N,H,W). The stock kernel first transposes the whole tensor with a
 * slow generic transpose to make the axes innermost. Other reductions go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { leadingAxes, reduceLeading } from './reduce-leading.js';
import { runStock, type KernelArgs, type TensorInfo } from './util.js';

export function sum(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const k = leadingAxes(inputs.x, axis);
  if (k === 0) return runStock('Sum', backend, inputs, attrs);
  return reduceLeading(backend, inputs.x, k, keepDims, null);
}

export const sumConfig = {
  kernelName: 'Sum',
  backendName: 'wasm',
  kernelFunc: sum as unknown as tf.KernelFunc,
};
