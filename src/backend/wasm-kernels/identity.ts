/**
 * Identity for the wasm backend by reference, as the cpu backend does it. The stock kernel copies
 * the data, and the tfjs engine runs Identity on every tensor it saves for the backward pass: in a
 * conv net's training step that copied each large activation once more. Sharing is safe because
 * no kernel writes into its inputs; the shared data is freed when its last tensor is.
 */
import * as tf from '@tensorflow/tfjs';
import { runStock, type KernelArgs, type TensorInfo } from './util.js';

function identity({ inputs, backend }: KernelArgs): TensorInfo {
  const { x } = inputs;
  if (x.dtype === 'string') return runStock('Identity', backend, inputs);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: identity as unknown as tf.KernelFunc,
};
