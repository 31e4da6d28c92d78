/**
 * The config's loss names → per-example loss functions on the model's output (probabilities, as
 * Keras with from_logits=False), and how each wants its targets.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config/types.generated.js';

export type LossName = NonNullable<ModelConfig['loss']>;

/** Sparse losses take class indices; the others one-hot rows. */
export function targetsAreIndices(loss: LossName): boolean {
  return loss === 'sparse_categorical_crossentropy';
}

export function lossFunction(loss: LossName): (targets: tf.Tensor, predictions: tf.Tensor) => tf.Tensor {
  switch (loss) {
    case 'categorical_crossentropy':
      return (y, p) => tf.metrics.categoricalCrossentropy(y, p);
    case 'sparse_categorical_crossentropy':
      // tfjs exports no sparse variant: one-hot the class indices and use the dense one.
      return (y, p) => tf.metrics.categoricalCrossentropy(tf.oneHot(y.toInt(), p.shape[p.shape.length - 1]), p);
    case 'binary_crossentropy':
      return (y, p) => tf.metrics.binaryCrossentropy(y, p);
    case 'mean_squared_error':
      return (y, p) => tf.metrics.meanSquaredError(y, p);
  }
}

/** Number of examples whose predicted class (argmax) is the true class. */
export function countCorrect(targets: tf.Tensor, predictions: tf.Tensor, indices: boolean): tf.Scalar {
  return tf.tidy(() => {
    const truth = indices ? targets.toInt() : targets.argMax(-1);
    return tf.equal(truth, predictions.argMax(-1)).sum();
  });
}
