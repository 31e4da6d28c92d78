/**
 * tfjs' Adam, except that on a backend with the one-kernel Adam step (wasm, with convsweep's
 * kernels) each variable's update is that kernel instead of fourteen: the same float32 operations
 * in the same order, so the same weights bit for bit, except that results below float32's normal
 * range are stored as zero, as under x86 flush-to-zero (src/backend/wasm-kernels/assembly/vector.ts).
 * The moments, their names, the iteration count and the serialised form are tfjs' own.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_STEP, type AdamStepAttrs } from '../backend/wasm-kernels/adam.js';

/** The fields of tfjs' AdamOptimizer this class reads (protected or private in its typings). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

export class AdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!tf.getKernel(ADAM_STEP, tf.getBackend())) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    tf.tidy(() => {
      // As tfjs: 1 − β^t from the float32 accumulators, the other scalars float32 from doubles.
      const [accBeta1, accBeta2] = [state.accBeta1.dataSync()[0], state.accBeta2.dataSync()[0]];
      const attrs: AdamStepAttrs = {
        beta1: state.beta1,
        oneMinusBeta1: 1 - state.beta1,
        beta2: state.beta2,
        oneMinusBeta2: 1 - state.beta2,
        oneMinusAccBeta1: Math.fround(1 - accBeta1),
        oneMinusAccBeta2: Math.fround(1 - accBeta2),
        epsilon: state.epsilon,
        negLr: -state.learningRate,
      };
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient: tf.Tensor | undefined = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (gradient == null) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        if (value.dtype !== 'float32' || gradient.dtype !== 'float32') throw new Error(`Adam: ${name} is ${value.dtype}, not float32`);
        const [w2, m2, v2] = tf.engine().runKernel(ADAM_STEP, { w: value, g: gradient, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m.assign(m2);
        v.assign(v2);
        value.assign(w2);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, state.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, state.beta2));
    });
    state.incrementIterations();
  }
}
