/**
 * Mean for the wasm backend, fast path for reductions over the leading axes (batch-norm moments over
 * N,H,W). The stock kernel first transposes the whole tensor with a slow generic transpose to make
 * the axes innermost. Other reductions go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { leadingAxes, reduceLeading } from './reduce-leading.js';
import { runStock, type KernelArgs, type TensorInfo } from './util.js';

export function mean(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { axis, keepDims } = attrs as unknown as tf.MeanAttrs;
  const k = leadingAxes(inputs.x, axis);
  if (k === 0) return runStock('Mean', backend, inputs, attrs);
  let rows = 1;
  for (let i = 0; i < k; i++) rows *= inputs.x.shape[i];
  return reduceLeading(backend, inputs.x, k, keepDims, 1 / rows);
}

export const meanConfig = {
  kernelName: 'Mean',
  backendName: 'wasm',
  kernelFunc: mean as unknown as tf.KernelFunc,
};
