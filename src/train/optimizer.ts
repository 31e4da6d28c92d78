/** The config's optimizer (a name or a settings object, Keras defaults) → a tfjs optimizer. */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerName, OptimizerSettings } from '../config/types.generated.js';

export function createOptimizer(spec: OptimizerName | OptimizerSettings, learningRate: number): tf.Optimizer {
  const settings: OptimizerSettings = typeof spec === 'string' ? { type: spec } : spec;
  // Keras' defaults, where they differ from tfjs' (epsilon 1e-7 for Adam and RMSprop).
  switch (settings.type.toLowerCase()) {
    case 'adam':
      return tf.train.adam(learningRate, settings.beta_1 ?? 0.9, settings.beta_2 ?? 0.999, settings.epsilon ?? 1e-7);
    case 'sgd': {
      const momentum = settings.momentum ?? 0;
      // tfjs' plain SGD has no momentum; its momentum optimizer is SGD with momentum (and Nesterov).
      return momentum > 0 || settings.nesterov ? tf.train.momentum(learningRate, momentum, settings.nesterov ?? false) : tf.train.sgd(learningRate);
    }
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, settings.rho ?? 0.9, settings.momentum ?? 0, settings.epsilon ?? 1e-7);
    case 'adagrad':
      return tf.train.adagrad(learningRate, settings.initial_accumulator_value ?? 0.1);
    default:
      throw new Error(`unknown optimizer ${settings.type}`);
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
