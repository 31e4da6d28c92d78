/**
 * The gradient of Relu on the wasm backend as one kernel. tfjs computes it as
 * dy · cast(step(x)): three kernels (Step, Cast, Multiply), each a pass over the activation and a
 * new tensor of its size; the SIMD kernel (assembly/relu-grad.ts) gives the same numbers, NaN and
 * −0 included, in one pass. Relu's gradient is registered for every backend at once in tfjs, so
 * the replacement runs ours where this kernel exists and tfjs' own gradient everywhere else.
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, simdKernels } from './simd.js';
import type { KernelArgs, TensorInfo } from './util.js';

export const RELU_GRAD = 'ConvsweepReluGrad';

function reluGrad({ inputs, backend }: KernelArgs): TensorInfo {
  const { dy, x } = inputs;
  const dx = backend.makeOutput(x.shape, 'float32');
  simdKernels(backend).reluGrad(addressOf(backend, dy), addressOf(backend, x), addressOf(backend, dx), tf.util.sizeFromShape(x.shape));
  return dx;
}

export const reluGradConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: reluGrad as unknown as tf.KernelFunc,
};

/** Relu's gradient: our kernel on a backend that has it (float32), tfjs' own otherwise. */
export function reluGradient(stock: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const dyT = Array.isArray(dy) ? dy[0] : dy;
      if (x.dtype !== 'float32' || dyT.dtype !== 'float32' || !tf.getKernel(RELU_GRAD, tf.getBackend())) return stock.gradFunc(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dyT, x }) as tf.Tensor };
    },
  };
}
