/**
 * One optimiser step: forward in training mode, loss plus regularisation penalties, backward, update.
 * The trainer and `convsweep bench` share it, so the benchmark measures what training runs.
 */
import * as tf from '@tensorflow/tfjs';
import { countCorrect, lossFunction, targetsAreIndices, type LossName } from './losses.js';

export interface StepResult {
  /** Loss of the batch including the regularisation penalty, as Keras reports it. */
  loss: number;
  correct: number;
}

export type TrainStep = (xs: tf.Tensor, ys: tf.Tensor) => StepResult;

export function createTrainStep(model: tf.LayersModel, optimizer: tf.Optimizer, loss: LossName): TrainStep {
  const lossFn = lossFunction(loss);
  const indices = targetsAreIndices(loss);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return (xs, ys) => {
    let correct: tf.Scalar | undefined;
    const cost = optimizer.minimize(() => {
      const predictions = model.apply(xs, { training: true }) as tf.Tensor;
      correct = tf.keep(countCorrect(ys, predictions, indices));
      let total = lossFn(ys, predictions).mean() as tf.Scalar;
      for (const penalty of model.calculateLosses()) total = total.add(penalty);
      return total;
    }, true, variables)!;
    const result = { loss: cost.dataSync()[0], correct: correct!.dataSync()[0] };
    cost.dispose();
    correct!.dispose();
    return result;
  };
}
