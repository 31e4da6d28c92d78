/**
 * One Adam step for one variable as one wasm kernel (assembly/adam.ts): tfjs' AdamOptimizer runs
 * fourteen small kernels a variable a step, each with the engine's bookkeeping, which in a small
 * model's training step costs more than the arithmetic. Used by src/train/adam-optimizer.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { addressOf, simdKernels } from './simd.js';
import type { KernelArgs, TensorInfo } from './util.js';

export const ADAM_STEP = 'ConvsweepAdamStep';

/** The float32 scalars of tfjs' update, computed as it computes them (see AdamOptimizer). */
export interface AdamStepAttrs {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  epsilon: number;
  negLr: number;
}

/** inputs w (the variable), g (its gradient), m, v (the moments) → [w', m', v'] */
function adamStep({ inputs, backend, attrs }: KernelArgs): TensorInfo[] {
  const { w, g, m, v } = inputs;
  const a = attrs as unknown as AdamStepAttrs;
  const [wOut, mOut, vOut] = [backend.makeOutput(w.shape, 'float32'), backend.makeOutput(w.shape, 'float32'), backend.makeOutput(w.shape, 'float32')];
  const at = (t: TensorInfo) => addressOf(backend, t);
  simdKernels(backend).adam(at(w), at(g), at(m), at(v), at(wOut), at(mOut), at(vOut), tf.util.sizeFromShape(w.shape),
    a.beta1, a.oneMinusBeta1, a.beta2, a.oneMinusBeta2, a.oneMinusAccBeta1, a.oneMinusAccBeta2, a.epsilon, a.negLr);
  return [wOut, mOut, vOut];
}

export const adamStepConfig = {
  kernelName: ADAM_STEP,
  backendName: 'wasm',
  kernelFunc: adamStep as unknown as tf.KernelFunc,
};
