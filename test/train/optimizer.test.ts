import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { OptimizerName, OptimizerSettings } from '../../src/config/types.generated.js';
import { createOptimizer, setLearningRate } from '../../src/train/optimizer.js';

/**
 * The tfjs optimizer's class name and its settings as tfjs serialises them (getConfig). Not
 * instanceof: tfjs' optimizer classes answer it by duck typing, so a plain SGD is "a" MomentumOptimizer.
 */
function built(spec: OptimizerName | OptimizerSettings, learningRate = 0.01): { kind: string; config: Record<string, unknown> } {
  const optimizer = createOptimizer(spec, learningRate);
  const result = { kind: optimizer.getClassName(), config: optimizer.getConfig() as Record<string, unknown> };
  optimizer.dispose();
  return result;
}

describe('createOptimizer', () => {
  it('gives a name the Keras defaults', () => {
    const adam = built('Adam');
    assert.equal(adam.kind, 'Adam');
    assert.deepEqual(adam.config, { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });

    const sgd = built('sgd');
    assert.equal(sgd.kind, 'SGD');
    assert.deepEqual(sgd.config, { learningRate: 0.01 });

    const rmsprop = built('RMSprop');
    assert.equal(rmsprop.kind, 'RMSProp');
    assert.deepEqual(rmsprop.config, { learningRate: 0.01, decay: 0.9, momentum: 0, epsilon: 1e-7, centered: false });

    const adagrad = built('adagrad');
    assert.equal(adagrad.kind, 'Adagrad');
    assert.deepEqual(adagrad.config, { learningRate: 0.01, initialAccumulatorValue: 0.1 });
  });

  it('passes the Adam settings through', () => {
    const { kind, config } = built({ type: 'adam', beta_1: 0.8, beta_2: 0.95, epsilon: 1e-5 }, 0.002);
    assert.equal(kind, 'Adam');
    assert.deepEqual(config, { learningRate: 0.002, beta1: 0.8, beta2: 0.95, epsilon: 1e-5 });
  });

  it('makes SGD with momentum or Nesterov the tfjs momentum optimizer', () => {
    const nesterov = built({ type: 'SGD', momentum: 0.9, nesterov: true });
    assert.equal(nesterov.kind, 'Momentum');
    assert.deepEqual(nesterov.config, { learningRate: 0.01, momentum: 0.9, useNesterov: true });

    const momentum = built({ type: 'sgd', momentum: 0.5 });
    assert.equal(momentum.kind, 'Momentum');
    assert.deepEqual(momentum.config, { learningRate: 0.01, momentum: 0.5, useNesterov: false });

    const plain = built({ type: 'SGD', momentum: 0 });
    assert.equal(plain.kind, 'SGD');
    assert.deepEqual(plain.config, { learningRate: 0.01 });
  });

  it('passes the RMSprop settings through, centered included (rho is tfjs\' decay)', () => {
    const { kind, config } = built({ type: 'RMSprop', rho: 0.8, momentum: 0.3, epsilon: 1e-6, centered: true });
    assert.equal(kind, 'RMSProp');
    assert.deepEqual(config, { learningRate: 0.01, decay: 0.8, momentum: 0.3, epsilon: 1e-6, centered: true });
  });

  it('passes the Adagrad setting through', () => {
    const { config } = built({ type: 'Adagrad', initial_accumulator_value: 0.25 });
    assert.deepEqual(config, { learningRate: 0.01, initialAccumulatorValue: 0.25 });
  });

  it('gives every optimizer a working step that follows setLearningRate', () => {
    const specs: OptimizerSettings[] = [
      { type: 'Adam' },
      { type: 'SGD' },
      { type: 'SGD', momentum: 0.9, nesterov: true },
      // Not with momentum: RMSprop's momentum buffer already holds learning-rate-scaled steps.
      { type: 'RMSprop', centered: true },
      { type: 'Adagrad' },
    ];
    for (const spec of specs) {
      const optimizer = createOptimizer(spec, 0.1);
      const w = tf.variable(tf.tensor1d([1, -2]));
      const step = () => optimizer.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
      step();
      const [a, b] = w.dataSync();
      assert.ok(Math.abs(a) < 1 && Math.abs(b) < 2, `${JSON.stringify(spec)} did not descend: ${a}, ${b}`);
      // A zero learning rate leaves the weights where they are.
      setLearningRate(optimizer, 0);
      const before = Array.from(w.dataSync());
      step();
      assert.deepEqual(Array.from(w.dataSync()), before, JSON.stringify(spec));
      optimizer.dispose();
      w.dispose();
    }
  });
});
