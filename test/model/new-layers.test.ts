/**
 * Reshape, ZeroPadding2D, LeakyReLU, ReLU, LSTM and GRU: shapes as Keras computes them, and on the
 * wasm backend the forward pass and every gradient (weights and input) as the cpu backend gives them.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { outputShapes, validateConfig } from '../../src/config/load.js';
import type { Layer } from '../../src/config/types.generated.js';
import { buildModel } from '../../src/model/build.js';
import { createRng } from '../../src/random.js';
import { runTraining } from '../../src/train/run.js';
import { mnistSlice, tempDir } from '../helpers.js';
import { join } from 'node:path';

before(async () => {
  // Registers the project's wasm kernels; the tests switch between it and cpu.
  await selectBackend('wasm');
});

interface Pass {
  output: Float32Array;
  grads: Float32Array[];
}

/** Forward and gradients of sum(output × probe) on `backend`, with the given weights. */
async function pass(backend: 'cpu' | 'wasm', layers: Layer[], inputShape: number[], weights: Float32Array[] | undefined, x: Float32Array, probe: (n: number) => Float32Array): Promise<{ result: Pass; weights: Float32Array[] }> {
  await tf.setBackend(backend);
  const model = buildModel(structuredClone(layers), inputShape);
  if (weights) model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  const used = model.getWeights().map((w) => w.dataSync() as Float32Array);
  const input = tf.tensor(x, [2, ...inputShape]);
  const outShape = model.outputs[0].shape.slice(1) as number[];
  const p = tf.tensor(probe(2 * outShape.reduce((a, b) => a * b, 1)), [2, ...outShape]);
  const objective = (xs: tf.Tensor) => tf.sum(tf.mul(model.apply(xs, { training: true }) as tf.Tensor, p)) as tf.Scalar;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads } = tf.variableGrads(() => objective(input), variables);
  const dx = tf.grad(objective)(input);
  const output = (model.apply(input) as tf.Tensor).dataSync() as Float32Array;
  const result = { output, grads: [...variables.map((v) => grads[v.name].dataSync() as Float32Array), dx.dataSync() as Float32Array] };
  model.dispose();
  return { result, weights: used };
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  const scale = Math.max(1e-3, ...Array.from(expected, Math.abs));
  const worst = actual.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i])), 0);
  assert.ok(worst <= 2e-5 * scale, `${what}: largest difference ${worst} (values up to ${scale})`);
  assert.ok(expected.some((v) => v !== 0), `${what}: not all zero`);
}

async function checkAgainstCpu(label: string, layers: Layer[], inputShape: number[]): Promise<void> {
  const random = createRng(label.length * 7919);
  const values = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);
  const x = values(2 * inputShape.reduce((a, b) => a * b, 1));
  const probes = new Map<number, Float32Array>();
  const probe = (n: number) => probes.get(n) ?? probes.set(n, values(n)).get(n)!;
  const cpu = await pass('cpu', layers, inputShape, undefined, x, probe);
  const wasm = await pass('wasm', layers, inputShape, cpu.weights, x, probe);
  assertClose(wasm.result.output, cpu.result.output, `${label}: output`);
  assert.equal(wasm.result.grads.length, cpu.result.grads.length);
  wasm.result.grads.forEach((g, i) => assertClose(g, cpu.result.grads[i], `${label}: gradient ${i === cpu.result.grads.length - 1 ? 'of the input' : `of weight ${i}`}`));
}

test('wasm matches cpu, forward and gradients, for each new layer', async () => {
  const dense: Layer = { type: 'Dense', units: 3 };
  await checkAgainstCpu('LSTM', [{ type: 'Reshape', target_shape: [6, 5] }, { type: 'LSTM', units: 4 }, dense], [6, 5, 1]);
  await checkAgainstCpu('LSTM sequences', [{ type: 'Reshape', target_shape: [6, -1] }, { type: 'LSTM', units: 4, return_sequences: true }, { type: 'Flatten' }, dense], [6, 5, 1]);
  await checkAgainstCpu('GRU', [{ type: 'Reshape', target_shape: [6, 5] }, { type: 'GRU', units: 4 }, dense], [6, 5, 1]);
  await checkAgainstCpu('ZeroPadding2D', [{ type: 'ZeroPadding2D', padding: [[1, 2], [0, 1]] }, { type: 'Conv2D', filters: 2, kernel_size: 3 }, { type: 'Flatten' }, dense], [5, 5, 2]);
  await checkAgainstCpu('LeakyReLU', [{ type: 'Conv2D', filters: 3, kernel_size: 2 }, { type: 'LeakyReLU', alpha: 0.2 }, { type: 'Flatten' }, dense], [4, 4, 1]);
  await checkAgainstCpu('ReLU max_value', [{ type: 'Flatten' }, { type: 'Dense', units: 6 }, { type: 'ReLU', max_value: 0.5 }, dense], [3, 3, 1]);
  await tf.setBackend('wasm');
});

test('shapes: Reshape with -1, ZeroPadding2D forms, LSTM and GRU outputs; refusals with hints', () => {
  const shapes = (layers: object[]) => outputShapes(validateConfig({ layers }, 's.json'));
  assert.deepEqual(shapes([{ type: 'Reshape', target_shape: [28, -1], input_shape: [28, 28, 1] }, { type: 'LSTM', units: 128 }, { type: 'Dense', units: 10 }]), [[28, 28], [128], [10]]);
  assert.deepEqual(shapes([{ type: 'Reshape', target_shape: [28, 28], input_shape: [28, 28, 1] }, { type: 'GRU', units: 8, return_sequences: true }, { type: 'Flatten' }]), [[28, 28], [28, 8], [224]]);
  assert.deepEqual(shapes([{ type: 'ZeroPadding2D', input_shape: [28, 28, 1] }, { type: 'ZeroPadding2D', padding: [2, 3] }, { type: 'ZeroPadding2D', padding: [[1, 0], [0, 4]] }, { type: 'Flatten' }]).slice(0, 3), [[30, 30, 1], [34, 36, 1], [35, 40, 1]]);
  assert.throws(() => shapes([{ type: 'Reshape', target_shape: [27, 28], input_shape: [28, 28, 1] }, { type: 'Flatten' }]), /s\.json: \/layers\/0: cannot reshape \[28,28,1\] \(784 values\) to \[27,28\] \(the entries must multiply to 784\)/);
  assert.throws(() => shapes([{ type: 'LSTM', units: 4, input_shape: [28, 28, 1] }]), /\/layers\/0: LSTM needs a \[time steps, features\] input, but gets \[28,28,1\] \(put a Reshape with target_shape \[28, 28\] before it \(rows as time steps\)\)/);
  assert.throws(() => shapes([{ type: 'Reshape', target_shape: [-1, -1], input_shape: [28, 28, 1] }, { type: 'Flatten' }]), /one -1 entry at most/);
  assert.throws(() => shapes([{ type: 'Reshape', target_shape: [28, 28], input_shape: [28, 28, 1] }, { type: 'GRU', units: 4, reset_after: true }]), /\/layers\/1\/reset_after: must be false, got true/);
});

test('the classic MNIST LSTM (rows as 28 time steps) trains on wasm', async () => {
  const config = validateConfig({
    layers: [{ type: 'Reshape', target_shape: [28, 28], input_shape: [28, 28, 1] }, { type: 'LSTM', units: 32 }, { type: 'Dense', units: 10, activation: 'softmax' }],
    learning_rate: 0.01,
    epochs: 2,
  }, 'lstm.json');
  const metrics = await runTraining({ config, configFile: 'lstm.json', data: await mnistSlice(1000, 200), backend: 'wasm', outDir: join(await tempDir(), 'run'), overrides: { seed: 1 } });
  assert.ok(metrics.test_accuracy > 0.4, `test accuracy ${metrics.test_accuracy}`);
  assert.equal(metrics.params, 4 * (32 * (28 + 32) + 32) + 330);
});

test('DepthwiseConv2D, SeparableConv2D and SpatialDropout2D: wasm matches cpu, forward and every gradient, with strides, same padding and depth multipliers', async () => {
  const dense: Layer = { type: 'Dense', units: 3 };
  await checkAgainstCpu('DepthwiseConv2D', [{ type: 'DepthwiseConv2D', kernel_size: 3 }, { type: 'Flatten' }, dense], [6, 6, 2]);
  await checkAgainstCpu('DepthwiseConv2D multiplier strides same', [{ type: 'DepthwiseConv2D', kernel_size: [3, 2], strides: 2, padding: 'same', depth_multiplier: 3, activation: 'relu' }, { type: 'Flatten' }, dense], [7, 6, 2]);
  await checkAgainstCpu('SeparableConv2D', [{ type: 'SeparableConv2D', filters: 4, kernel_size: 3, depth_multiplier: 2 }, { type: 'Flatten' }, dense], [6, 6, 3]);
  await checkAgainstCpu('SeparableConv2D strides same', [{ type: 'Conv2D', filters: 2, kernel_size: 1 }, { type: 'SeparableConv2D', filters: 3, kernel_size: 3, strides: 2, padding: 'same', use_bias: false }, { type: 'Flatten' }, dense], [5, 5, 1]);
  // At inference dropout is the identity; the gradient check runs with training on, so the rate is 0 there.
  await checkAgainstCpu('SpatialDropout2D', [{ type: 'Conv2D', filters: 2, kernel_size: 2 }, { type: 'SpatialDropout2D', rate: 0 }, { type: 'Flatten' }, dense], [4, 4, 1]);
  await tf.setBackend('wasm');
});

test('SpatialDropout2D drops whole feature maps: each channel of an image is all kept or all zero', async () => {
  const model = buildModel([{ type: 'SpatialDropout2D', rate: 0.5 }], [5, 5, 8]);
  const out = (model.apply(tf.ones([4, 5, 5, 8]), { training: true }) as tf.Tensor).arraySync() as number[][][][];
  let dropped = 0;
  for (const image of out) {
    for (let c = 0; c < 8; c++) {
      const values = new Set(image.flatMap((row) => row.map((pixel) => pixel[c])));
      assert.equal(values.size, 1, `channel ${c}: one value over the whole map`);
      const [v] = values;
      assert.ok(v === 0 || Math.abs(v - 2) < 1e-6, `kept channels are scaled by 1 / (1 - rate): ${v}`);
      if (v === 0) dropped++;
    }
  }
  assert.ok(dropped > 4 && dropped < 28, `${dropped} of 32 maps dropped at rate 0.5`);
  model.dispose();
});

test('shapes of the depthwise layers as Keras gives them, and a small separable net trains on wasm', async () => {
  const shapes = (layers: object[]) => outputShapes(validateConfig({ layers }, 's.json'));
  assert.deepEqual(shapes([{ type: 'DepthwiseConv2D', kernel_size: 3, depth_multiplier: 2, input_shape: [28, 28, 3] }, { type: 'SeparableConv2D', filters: 16, kernel_size: 3, strides: 2, padding: 'same' }, { type: 'SpatialDropout2D', rate: 0.2 }, { type: 'Flatten' }]), [[26, 26, 6], [13, 13, 16], [13, 13, 16], [2704]]);
  assert.throws(() => shapes([{ type: 'Flatten', input_shape: [28, 28, 1] }, { type: 'SpatialDropout2D', rate: 0.1 }]), /\/layers\/1: SpatialDropout2D needs/);
  const config = validateConfig({
    layers: [
      { type: 'Conv2D', filters: 8, kernel_size: 3, activation: 'relu', input_shape: [28, 28, 1] },
      { type: 'SeparableConv2D', filters: 16, kernel_size: 3, activation: 'relu' },
      { type: 'MaxPooling2D' },
      { type: 'SpatialDropout2D', rate: 0.1 },
      { type: 'DepthwiseConv2D', kernel_size: 3, activation: 'relu' },
      { type: 'Flatten' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
    learning_rate: 0.01,
    epochs: 2,
  }, 'separable.json');
  const metrics = await runTraining({ config, configFile: 'separable.json', data: await mnistSlice(1000, 200), backend: 'wasm', outDir: join(await tempDir(), 'run'), overrides: { seed: 1 } });
  // Conv2D 80, SeparableConv2D 8·9 + 8·16 + 16, DepthwiseConv2D 16·9 + 16, Dense 10·10·16·10 + 10.
  assert.equal(metrics.params, 80 + 72 + 128 + 16 + 160 + 16010);
  assert.ok(metrics.test_accuracy > 0.6, `test accuracy ${metrics.test_accuracy} (chance is 0.1)`);
});
