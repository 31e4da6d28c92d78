/**
 * Keras' BatchNormalization, as tfjs-layers implements it, except that in training mode on the
 * wasm backend it runs one fused kernel forward and one backward (src/backend/wasm-kernels/
 * batch-norm-training.ts) instead of a dozen elementwise kernels each way — the largest cost of
 * training the paper's Experiment 2 model there. Inference, other backends, and everything that is
 * saved (class name, config, weights) are tfjs-layers' own, so saved models load anywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAINING } from '../backend/wasm-kernels/batch-norm-training.js';

type LayerArgs = Parameters<typeof tf.layers.batchNormalization>[0];

/** tfjs-layers' class, reached through an instance: the package exports only the factory. */
const TfBatchNormalization = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as new (args?: LayerArgs) => tf.layers.Layer;

/** The fields of tfjs-layers' BatchNormalization this layer reads (private in its typings). */
interface BatchNormalizationState {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

function fusedAvailable(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(BATCH_NORM_TRAINING, 'wasm') !== undefined;
}

export class BatchNormalizationLayer extends TfBatchNormalization {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const state = this as unknown as BatchNormalizationState;
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const lastAxis = state.axis === -1 || state.axis === input.rank - 1;
    if (kwargs.training !== true || !fusedAvailable() || !lastAxis || !state.center || !state.scale || input.dtype !== 'float32') return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING, { x: input, gamma: state.gamma.read(), beta: state.beta.read() }, { epsilon: state.epsilon }) as tf.Tensor[];
      // The moving averages exactly as tfjs-layers updates them.
      for (const [variable, value] of [[state.movingMean, mean], [state.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const current = variable.read();
          variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - state.momentum)));
        });
      }
      return y;
    });
  }
}

export function batchNormalization(args: LayerArgs): tf.layers.Layer {
  return new BatchNormalizationLayer(args);
}
