/** The config's optimizer (a name or a settings object, Keras defaults) → a tfjs optimizer. */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerName, OptimizerSettings } from '../config/types.generated.js';
import { AdamOptimizer } from './adam-optimizer.js';

/**
 * Keras' defaults, applied here rather than filled in by the schema (ajv fills no defaults inside the
 * name-or-object oneOf). Where they differ from tfjs': epsilon 1e-7 for Adam and RMSprop instead of
 * the backend's, Adagrad's initial accumulator 0.1.
 */
export const KERAS_DEFAULTS = {
  adam: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 },
  sgd: { momentum: 0, nesterov: false },
  rmsprop: { rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false },
  adagrad: { initial_accumulator_value: 0.1 },
} as const;

export function createOptimizer(spec: OptimizerName | OptimizerSettings, learningRate: number): tf.Optimizer {
  const settings: OptimizerSettings = typeof spec === 'string' ? { type: spec } : spec;
  // The schema gives each type only its own settings, so the switch narrows them.
  switch (settings.type) {
    case 'Adam':
    case 'adam': {
      const d = KERAS_DEFAULTS.adam;
      return new AdamOptimizer(learningRate, settings.beta_1 ?? d.beta_1, settings.beta_2 ?? d.beta_2, settings.epsilon ?? d.epsilon);
    }
    case 'SGD':
    case 'sgd': {
      const d = KERAS_DEFAULTS.sgd;
      const momentum = settings.momentum ?? d.momentum;
      const nesterov = settings.nesterov ?? d.nesterov;
      // tfjs' plain SGD has no momentum; its momentum optimizer is SGD with momentum (and Nesterov).
      return momentum > 0 || nesterov ? tf.train.momentum(learningRate, momentum, nesterov) : tf.train.sgd(learningRate);
    }
    case 'RMSprop':
    case 'rmsprop': {
      const d = KERAS_DEFAULTS.rmsprop;
      // tfjs calls Keras' rho "decay".
      return tf.train.rmsprop(learningRate, settings.rho ?? d.rho, settings.momentum ?? d.momentum, settings.epsilon ?? d.epsilon, settings.centered ?? d.centered);
    }
    case 'Adagrad':
    case 'adagrad':
      // tfjs' Adagrad takes no epsilon (it uses the backend's), so the schema offers none.
      return tf.train.adagrad(learningRate, settings.initial_accumulator_value ?? KERAS_DEFAULTS.adagrad.initial_accumulator_value);
    default:
      throw new Error(`unknown optimizer ${JSON.stringify((settings as { type: unknown }).type)}`);
  }
}

/**
 * Changes the learning rate mid-training (ReduceLROnPlateau). SGD and momentum cache it as a tensor
 * behind setLearningRate; the others read the plain field on every step.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}
