import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { selectBackend } from '../../src/backend/select.js';
import { validateConfig } from '../../src/config/load.js';
import type { Layer } from '../../src/config/types.generated.js';
import { createAugmenter } from '../../src/model/augmentation.js';
import { buildModel } from '../../src/model/build.js';
import { loadModel } from '../../src/model/file-io.js';
import { runTraining } from '../../src/train/run.js';
import { mnistSlice, tempDir } from '../helpers.js';

before(async () => {
  await selectBackend('wasm');
});

/** One h × w grayscale image through `layer`, values given row by row. */
function augmentOne(layer: Layer | Layer[], rows: number[][], seed = 1): number[][] {
  const [h, w] = [rows.length, rows[0].length];
  const pixels = Float32Array.from(rows.flat());
  createAugmenter(Array.isArray(layer) ? layer : [layer], [h, w, 1], seed)!(pixels, 1);
  return Array.from({ length: h }, (_, y) => Array.from(pixels.subarray(y * w, (y + 1) * w), (v) => Math.round(v * 1e6) / 1e6));
}

const grid = [
  [0.1, 0.2, 0.3, 0.4],
  [0.5, 0.6, 0.7, 0.8],
  [0.9, 1.0, 0.15, 0.25],
  [0.35, 0.45, 0.55, 0.65],
];

test('RandomTranslation: a positive width factor moves the image right, as Keras; fill modes constant, nearest, reflect and wrap', () => {
  const right = (fill_mode: 'constant' | 'nearest' | 'reflect' | 'wrap') =>
    augmentOne({ type: 'RandomTranslation', height_factor: [0, 0], width_factor: [0.25, 0.25], fill_mode }, grid).map((row) => row[0]);
  const shifted = augmentOne({ type: 'RandomTranslation', height_factor: [0, 0], width_factor: [0.25, 0.25], fill_mode: 'constant' }, grid);
  assert.deepEqual(shifted.map((row) => row.slice(1)), grid.map((row) => row.slice(0, 3)));
  assert.deepEqual(right('constant'), [0, 0, 0, 0]);
  assert.deepEqual(right('nearest'), grid.map((row) => row[0]));
  // reflect: d c b a | a b c d, so the pixel left of the edge is the edge pixel again.
  assert.deepEqual(right('reflect'), grid.map((row) => row[0]));
  assert.deepEqual(right('wrap'), grid.map((row) => row[3]));
  const down = augmentOne({ type: 'RandomTranslation', height_factor: [-0.5, -0.5], width_factor: 0, fill_mode: 'constant' }, grid);
  assert.deepEqual(down, [grid[2], grid[3], [0, 0, 0, 0], [0, 0, 0, 0]], 'a negative height factor moves it up');
});

test('RandomRotation by a quarter turn rotates counter-clockwise about the centre; RandomZoom of -0.5 doubles the centre', () => {
  const turned = augmentOne({ type: 'RandomRotation', factor: [0.25, 0.25], fill_mode: 'constant' }, grid);
  // Counter-clockwise: the top row becomes the left column, read bottom to top.
  assert.deepEqual(turned.map((row) => row[0]), [...grid[0]].reverse());
  // … and the right column the top row.
  assert.deepEqual(turned[0], grid.map((row) => row[3]));
  // Composed into one resampling, a rotation then a translation give what the two give one after the other.
  const rotation: Layer = { type: 'RandomRotation', factor: [0.25, 0.25], fill_mode: 'constant' };
  const translation: Layer = { type: 'RandomTranslation', height_factor: [0.25, 0.25], width_factor: [-0.25, -0.25], fill_mode: 'constant' };
  const composed = augmentOne([rotation, translation], grid);
  assert.deepEqual(composed, augmentOne(translation, augmentOne(rotation, grid)));
  assert.notDeepEqual(composed, augmentOne(rotation, augmentOne(translation, grid)), 'in the layers\' order');
  const zoomed = augmentOne({ type: 'RandomZoom', height_factor: [-0.5, -0.5], interpolation: 'bilinear' }, [
    [0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
    [0, 0, 1, 0, 0],
    [0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
  ]);
  // Output x samples the input at 2 + (x - 2) / 2: the centre pixel spreads to half its neighbours.
  assert.deepEqual(zoomed[2], [0, 0.5, 1, 0.5, 0]);
  assert.deepEqual(zoomed.map((row) => row[2]), [0, 0.5, 1, 0.5, 0]);
  assert.equal(zoomed[1][1], 0.25);
});

test('RandomFlip flips about half the images, each exactly; RandomContrast keeps each image\'s mean and scales its spread within the factor', () => {
  const count = 200;
  const image = Float32Array.from(grid.flat());
  const pixels = new Float32Array(count * 16);
  for (let i = 0; i < count; i++) pixels.set(image, i * 16);
  createAugmenter([{ type: 'RandomFlip', mode: 'horizontal' }], [4, 4, 1], 7)!(pixels, count);
  const mirrored = Float32Array.from(grid.flatMap((row) => [...row].reverse()));
  let flipped = 0;
  for (let i = 0; i < count; i++) {
    const out = pixels.subarray(i * 16, (i + 1) * 16);
    const same = out.every((v, k) => v === image[k]);
    const mirror = out.every((v, k) => v === mirrored[k]);
    assert.ok(same || mirror, `image ${i} is the original or its mirror`);
    if (mirror) flipped++;
  }
  assert.ok(flipped > 70 && flipped < 130, `${flipped} of ${count} flipped`);

  const mid = Float32Array.from({ length: 16 }, (_, k) => 0.4 + 0.01 * k);
  const batch = new Float32Array(count * 16);
  for (let i = 0; i < count; i++) batch.set(mid, i * 16);
  createAugmenter([{ type: 'RandomContrast', factor: 0.5 }], [4, 4, 1], 3)!(batch, count);
  const spread = (v: Float32Array) => v[15] - v[0];
  const factors = Array.from({ length: count }, (_, i) => {
    const out = batch.subarray(i * 16, (i + 1) * 16);
    assert.ok(Math.abs(out.reduce((a, b) => a + b, 0) / 16 - 0.475) < 1e-6, 'mean kept');
    return spread(out) / spread(mid);
  });
  assert.ok(Math.min(...factors) >= 0.5 - 1e-5 && Math.max(...factors) <= 1.5 + 1e-5);
  assert.ok(Math.max(...factors) - Math.min(...factors) > 0.8, 'factors spread over [0.5, 1.5]');
});

test('the same seed gives the same transformations, another seed others', () => {
  const layers: Layer[] = [{ type: 'RandomRotation', factor: 0.1 }, { type: 'RandomTranslation', height_factor: 0.1, width_factor: 0.1 }];
  const run = (seed: number) => {
    const pixels = Float32Array.from({ length: 8 * 784 }, (_, i) => (i % 97) / 97);
    createAugmenter(layers, [28, 28, 1], seed)!(pixels, 8);
    return pixels;
  };
  assert.deepEqual(run(5), run(5));
  assert.notDeepEqual(run(5), run(6));
  assert.equal(createAugmenter([{ type: 'Flatten' }], [28, 28, 1], 1), undefined);
});

test('augmentation layers come first, are not part of the model, and train; Rescaling is a model layer', async () => {
  const layers = [
    { type: 'RandomRotation', factor: 0.05, fill_mode: 'constant', input_shape: [28, 28, 1] },
    { type: 'RandomTranslation', height_factor: 0.1, width_factor: 0.1, fill_mode: 'constant' },
    { type: 'Conv2D', filters: 4, kernel_size: 3, activation: 'relu' },
    { type: 'MaxPooling2D', pool_size: 2 },
    { type: 'Flatten' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ];
  assert.throws(
    () => validateConfig({ layers: [layers[2], { ...layers[0], input_shape: undefined }, ...layers.slice(3)].map((l) => JSON.parse(JSON.stringify(l))) }, 'a.json'),
    /a\.json: \/layers\/1: RandomRotation must come before every other layer \(it transforms the training images\) \(move it before \/layers\/0 \(Conv2D\)\)/,
  );
  const config = validateConfig({ layers, epochs: 2, learning_rate: 0.003 }, 'aug.json');
  const model = buildModel(config.layers, [28, 28, 1]);
  assert.deepEqual(model.layers.map((l) => l.name), ['conv2d', 'max_pooling2d', 'flatten', 'dense']);
  model.dispose();

  const data = await mnistSlice(600, 200);
  const train = async (seed: number) => {
    const outDir = join(await tempDir(), 'run');
    const metrics = await runTraining({ config, configFile: 'aug.json', data, backend: 'wasm', outDir, overrides: { seed } });
    return { metrics, outDir };
  };
  const [a, b, c] = [await train(1), await train(1), await train(2)];
  assert.equal(a.metrics.train_loss, b.metrics.train_loss, 'same seed, same run');
  assert.equal(a.metrics.test_accuracy, b.metrics.test_accuracy);
  assert.notEqual(a.metrics.train_loss, c.metrics.train_loss);
  assert.ok(a.metrics.test_accuracy > 0.5, `learns with augmentation: ${a.metrics.test_accuracy}`);
  // Inference is untouched: the saved model has no augmentation layer and answers the same twice.
  const saved = await loadModel(join(a.outDir, 'model'));
  assert.ok(saved.layers.every((l) => !/random/.test(l.name)));
  const xs = tf.tensor4d(Float32Array.from(data.test.images.subarray(0, 784 * 4), (v) => v / 255), [4, 28, 28, 1]);
  assert.deepEqual((saved.predict(xs) as tf.Tensor).dataSync(), (saved.predict(xs) as tf.Tensor).dataSync());

  const scaled = buildModel(validateConfig({ layers: [{ type: 'Rescaling', scale: 2, offset: -1, input_shape: [2, 2, 1] }, { type: 'Flatten' }] }, 'r.json').layers, [2, 2, 1]);
  assert.deepEqual([...(scaled.predict(tf.tensor4d([0, 0.25, 0.5, 1], [1, 2, 2, 1])) as tf.Tensor).dataSync()], [-1, -0.5, 0, 1]);
});
