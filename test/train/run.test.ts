import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { selectBackend } from '../../src/backend/select.js';
import { validateConfig, type ResolvedConfig } from '../../src/config/load.js';
import { AbortedError, InputError, RunError } from '../../src/errors.js';
import { loadModel } from '../../src/model/file-io.js';
import { runTraining } from '../../src/train/run.js';
import { mnistSlice, tempDir } from '../helpers.js';

const smallNet = (extra: object = {}): ResolvedConfig =>
  validateConfig({
    name: 'small',
    layers: [
      { type: 'Conv2D', filters: 8, kernel_size: 3, activation: 'relu', input_shape: [28, 28, 1], kernel_regularizer: { l2: 0.001 } },
      { type: 'MaxPooling2D', pool_size: 2 },
      // Keras' default momentum 0.99 needs hundreds of steps before the moving statistics that
      // inference uses settle; a two-epoch test run gets about sixty.
      { type: 'BatchNormalization', momentum: 0.9 },
      { type: 'Flatten' },
      { type: 'Dropout', rate: 0.2 },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
    optimizer: 'Adam',
    learning_rate: 0.003,
    epochs: 2,
    batch_size: 64,
    ...extra,
  }, 'small.json');

before(async () => {
  await selectBackend('wasm');
});

test('a short real training on a slice of MNIST beats chance by a wide margin and writes every output', async () => {
  const data = await mnistSlice(2000, 500);
  const outDir = join(await tempDir(), 'run');
  const metrics = await runTraining({ config: smallNet(), configFile: 'small.json', data, backend: 'wasm', outDir, overrides: { seed: 3 } });
  assert.ok(metrics.test_accuracy > 0.8, `test accuracy ${metrics.test_accuracy}`);
  assert.equal(metrics.train_examples, 1800);
  assert.equal(metrics.val_examples, 200);
  assert.equal(metrics.test_examples, 500);
  assert.equal(metrics.epochs_run, 2);
  assert.equal(metrics.seed, 3);
  assert.equal(metrics.backend, 'wasm');
  const files = (await readdir(outDir)).sort();
  assert.deepEqual(files, ['confusion-test.csv', 'confusion-test.png', 'confusion-test.svg', 'confusion-train.csv', 'confusion-train.png', 'confusion-train.svg', 'config.json', 'curves.png', 'curves.svg', 'history.csv', 'metrics.json', 'model', 'train.log'].sort());
  const saved = JSON.parse(await readFile(join(outDir, 'metrics.json'), 'utf8'));
  for (const key of ['test_accuracy', 'test_loss', 'train_accuracy', 'train_loss', 'val_accuracy', 'val_loss', 'best_epoch', 'epochs_run', 'stopped_early', 'params', 'duration_s', 'backend', 'seed']) {
    assert.ok(key in saved, `metrics.json lacks ${key}`);
  }
  const resolved = JSON.parse(await readFile(join(outDir, 'config.json'), 'utf8'));
  assert.equal(resolved.seed, 3);
  assert.equal(resolved.validation_split, 0.1);
  const history = (await readFile(join(outDir, 'history.csv'), 'utf8')).trim().split('\n');
  assert.equal(history[0], 'epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds');
  assert.equal(history.length, 3);
  const log = (await readFile(join(outDir, 'train.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(log.map((l) => l.event), ['start', 'epoch', 'epoch', 'done']);

  // The saved model is the best epoch's and reproduces the test accuracy.
  const model = await loadModel(join(outDir, 'model'));
  const xs = tf.tensor4d(Float32Array.from(data.test.images, (v) => v / 255), [500, 28, 28, 1]);
  const predicted = (model.predict(xs) as tf.Tensor).argMax(-1).dataSync();
  let correct = 0;
  predicted.forEach((p, i) => (correct += p === data.test.labels[i] ? 1 : 0));
  assert.equal(correct / 500, metrics.test_accuracy);
  const confusion = (await readFile(join(outDir, 'confusion-test.csv'), 'utf8')).trim().split('\n').slice(1).map((r) => r.split(',').slice(1).map(Number));
  assert.equal(confusion.flat().reduce((a, b) => a + b, 0), 500);
  assert.equal(confusion.reduce((s, r, i) => s + r[i], 0), correct);
});

test('the same config, seed and backend give an identical history', async () => {
  const data = await mnistSlice(600, 100);
  const histories: string[] = [];
  for (let i = 0; i < 2; i++) {
    const outDir = join(await tempDir(), 'run');
    await runTraining({ config: smallNet({ epochs: 2 }), configFile: 'small.json', data, backend: 'wasm', outDir, overrides: { seed: 11 } });
    // Everything but the wall-clock seconds column.
    histories.push((await readFile(join(outDir, 'history.csv'), 'utf8')).split('\n').map((l) => l.split(',').slice(0, 6).join(',')).join('\n'));
  }
  assert.equal(histories[0], histories[1]);
  const other = join(await tempDir(), 'run');
  await runTraining({ config: smallNet({ epochs: 2 }), configFile: 'small.json', data, backend: 'wasm', outDir: other, overrides: { seed: 12 } });
  assert.notEqual((await readFile(join(other, 'history.csv'), 'utf8')).split('\n')[1], histories[0].split('\n')[1]);
});

test('EarlyStopping ends the run early and the saved model is the best epoch', async () => {
  const data = await mnistSlice(400, 50);
  const outDir = join(await tempDir(), 'run');
  // A learning rate this small barely moves val_accuracy, so min_delta 0.5 is never met.
  const config = smallNet({ epochs: 6, learning_rate: 1e-6, callbacks: [{ type: 'EarlyStopping', monitor: 'val_accuracy', patience: 1, min_delta: 0.5 }] });
  const metrics = await runTraining({ config, configFile: 'small.json', data, backend: 'wasm', outDir, overrides: { seed: 1 } });
  assert.equal(metrics.stopped_early, true);
  assert.equal(metrics.epochs_run, 2);
  assert.equal(metrics.best_by, 'val_accuracy');
});

test('a run that fails leaves no output folder and no staging folder', async () => {
  const data = await mnistSlice(300, 50);
  const parent = await tempDir();
  const outDir = join(parent, 'run');
  const config = smallNet({ optimizer: 'SGD', learning_rate: 1e30, epochs: 3 });
  await assert.rejects(runTraining({ config, configFile: 'small.json', data, backend: 'wasm', outDir, overrides: { seed: 1 } }), (err: unknown) => err instanceof RunError && /loss became/.test(err.message));
  assert.equal(existsSync(outDir), false);
  assert.deepEqual(await readdir(parent), []);
});

test('an aborted run leaves nothing behind', async () => {
  const data = await mnistSlice(300, 50);
  const parent = await tempDir();
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(runTraining({ config: smallNet(), configFile: 'small.json', data, backend: 'wasm', outDir: join(parent, 'run'), hooks: { signal: controller.signal } }), AbortedError);
  assert.deepEqual(await readdir(parent), []);
});

test('monitoring a validation metric without a validation set is bad input, found before anything is written', async () => {
  const data = await mnistSlice(300, 50);
  const parent = await tempDir();
  const config = smallNet({ validation_split: 0, callbacks: [{ type: 'EarlyStopping', monitor: 'val_loss' }] });
  await assert.rejects(runTraining({ config, configFile: 'small.json', data, backend: 'wasm', outDir: join(parent, 'run') }), (err: unknown) => err instanceof InputError && /small\.json: \/callbacks\/0\/monitor: val_loss needs a validation set/.test(err.message));
  assert.deepEqual(await readdir(parent), []);
});
