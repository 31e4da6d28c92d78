import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { Layer } from '../../src/config/types.generated.js';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.js';
import { buildModel, layerNames } from '../../src/model/build.js';
import { repoRoot } from '../helpers.js';

await tf.setBackend('cpu');

test('every layer type builds, with the output shapes Keras gives', () => {
  const layers: Layer[] = [
    { type: 'Conv2D', filters: 4, kernel_size: 3, padding: 'same', strides: [1, 1], activation: 'relu', input_shape: [9, 9, 1], kernel_regularizer: { l2: 0.01 } },
    { type: 'BatchNormalization', momentum: 0.9, epsilon: 0.001 },
    { type: 'Activation', activation: 'elu' },
    { type: 'MaxPooling2D', pool_size: 2 },
    { type: 'AveragePooling2D', pool_size: [2, 2], strides: 1, padding: 'same' },
    { type: 'Conv2D', filters: 3, kernel_size: [2, 2], use_bias: false, kernel_initializer: 'he_normal', bias_regularizer: { class_name: 'L1L2', config: { l1: 0.1, l2: 0.1 } } },
    { type: 'Dropout', rate: 0.5 },
    { type: 'Flatten' },
    { type: 'Dense', units: 5, activation: 'softmax', kernel_regularizer: { class_name: 'L2', config: { l2: 0.005 } } },
  ];
  const model = buildModel(layers, [9, 9, 1]);
  const shapes = model.layers.map((l) => l.outputShape);
  assert.deepEqual(shapes, [[null, 9, 9, 4], [null, 9, 9, 4], [null, 9, 9, 4], [null, 4, 4, 4], [null, 4, 4, 4], [null, 3, 3, 3], [null, 3, 3, 3], [null, 27], [null, 5]]);
  // conv 3*3*1*4+4, BN 4*4, conv 2*2*4*3 (no bias), dense 27*5+5
  assert.equal(model.countParams(), 40 + 16 + 48 + 140);
  // The two kernel regularisers contribute penalties; the bias regulariser of a layer without a bias
  // has nothing to act on (Keras ignores it the same way).
  assert.equal(model.calculateLosses().length, 2);
  model.dispose();
});

test('global pooling layers reduce the spatial dimensions', () => {
  for (const type of ['GlobalAveragePooling2D', 'GlobalMaxPooling2D'] as const) {
    const model = buildModel([{ type: 'Conv2D', filters: 6, kernel_size: 3, input_shape: [7, 7, 1] }, { type }, { type: 'Dense', units: 2 }], [7, 7, 1]);
    assert.deepEqual(model.layers[1].outputShape, [null, 6]);
    model.dispose();
  }
});

test('layer names follow Keras and never collide with the user\'s', () => {
  const names = layerNames([
    { type: 'Conv2D', filters: 1, kernel_size: 1 },
    { type: 'Conv2D', filters: 1, kernel_size: 1, name: 'conv2d_1' },
    { type: 'Conv2D', filters: 1, kernel_size: 1 },
    { type: 'Flatten' },
    { type: 'Dense', units: 2 },
  ]);
  assert.deepEqual(names, ['conv2d', 'conv2d_1', 'conv2d_2', 'flatten', 'dense']);
});

test('the Keras regulariser forms all give the same penalty', () => {
  const penalty = (reg: NonNullable<Extract<Layer, { type: 'Dense' }>['kernel_regularizer']>) =>
    tf.tidy(() => {
      const model = buildModel([{ type: 'Dense', units: 3, input_shape: [2, 2, 1], kernel_initializer: 'ones', kernel_regularizer: reg }], [2, 2, 1]);
      const value = model.calculateLosses()[0].dataSync()[0];
      model.dispose();
      return value;
    });
  // 2x2x1 input, Dense on the last axis: a 1x3 kernel of ones → l2 * 3.
  assert.ok(Math.abs(penalty({ l2: 0.5 }) - 1.5) < 1e-6);
  assert.ok(Math.abs(penalty({ class_name: 'L2', config: { l2: 0.5 } }) - 1.5) < 1e-6);
  assert.ok(Math.abs(penalty({ l1: 0.5 }) - 1.5) < 1e-6);
  assert.ok(Math.abs(penalty({ l1: 0.5, l2: 0.5 }) - 3) < 1e-6);
});

/** Parameters of the model a shipped config builds (MNIST's 28x28x1 input). */
async function configParams(name: string): Promise<number> {
  const { config } = await loadConfigFile(join(repoRoot, 'configs', name));
  const model = buildModel(config.layers, [28, 28, 1]);
  const params = model.countParams();
  model.dispose();
  return params;
}

test('the paper configs build to the parameter counts of the paper\'s tables as written (valid padding)', async () => {
  // Table I: conv 64 (3*3*1*64+64 = 640) → 26x26, pool → 13x13, conv 32 (3*3*64*32+32 = 18,464) → 11x11,
  // pool → 5x5, conv 32 (3*3*32*32+32 = 9,248) → 3x3, BN (4*32 = 128), flatten 288,
  // dense 128 (288*128+128 = 36,992), dense 128 (128*128+128 = 16,512), dense 10 (128*10+10 = 1,290).
  // The paper's text says 99.4k; the table gives this.
  assert.equal(await configParams('paper-exp1.json'), 640 + 18_464 + 9_248 + 128 + 36_992 + 16_512 + 1_290);
  assert.equal(await configParams('paper-exp1.json'), 83_274);
  // Table IV: conv 64 (640) + BN (256) → 26x26, pool → 13x13, conv 32 (18,464) + BN (128) → 11x11,
  // pool → 5x5, conv 32 (9,248) + BN (128) → 3x3, pool → 1x1, flatten 32, dense 128 (32*128+128 = 4,224),
  // dense 64 (128*64+64 = 8,256), dense 10 (64*10+10 = 650). The paper's text says 125.4k.
  assert.equal(await configParams('paper-exp2.json'), 640 + 256 + 18_464 + 128 + 9_248 + 128 + 4_224 + 8_256 + 650);
  assert.equal(await configParams('paper-exp2.json'), 41_994);
});

test('the Fig. 2 example config (at 28x28x1) builds to the hand-computed parameter count', async () => {
  // conv 32 (3*3*1*32+32 = 320) → 26x26, pool → 13x13, conv 16 (3*3*32*16+16 = 4,624) → 11x11,
  // pool → 5x5, flatten 5*5*16 = 400, dense 64 (400*64+64 = 25,664), dropout (0),
  // dense 10 (64*10+10 = 650).
  assert.equal(await configParams('fig2-example.json'), 320 + 4_624 + 25_664 + 650);
  assert.equal(await configParams('fig2-example.json'), 31_258);
});
