import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { selectBackend } from '../../src/backend/select.js';
import { validateConfig, type ResolvedConfig } from '../../src/config/load.js';
import { splitValidation } from '../../src/data/dataset.js';
import { AbortedError, InputError, RunError } from '../../src/errors.js';
import { loadModel } from '../../src/model/file-io.js';
import { evaluate } from '../../src/train/evaluate.js';
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

  // The saved model round-trips: reloaded, it reproduces the reported test accuracy (that it holds the
  // best epoch's weights rather than the last's is checked by the EarlyStopping test below).
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

test('EarlyStopping ends the run early and the saved model is the best epoch\'s, not the last\'s', async () => {
  // 150 training and 150 validation examples, Adam at 0.03: the net fits the small training set
  // in two epochs, then overfits, and val_loss climbs well above its minimum. With seed 5 on wasm
  // (deterministic) val_loss is about 1.26, 0.73, 1.11, 1.06: best epoch 2, and patience 2 stops the
  // run after epoch 4. No BatchNormalization: its lagging moving statistics make early val_loss erratic.
  const data = await mnistSlice(300, 50);
  const outDir = join(await tempDir(), 'run');
  const config = validateConfig({
    name: 'overfit',
    layers: [
      { type: 'Conv2D', filters: 8, kernel_size: 3, activation: 'relu', input_shape: [28, 28, 1], kernel_regularizer: { l2: 0.001 } },
      { type: 'MaxPooling2D', pool_size: 2 },
      { type: 'Flatten' },
      { type: 'Dropout', rate: 0.2 },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
    optimizer: 'Adam',
    learning_rate: 0.03,
    epochs: 10,
    batch_size: 32,
    validation_split: 0.5,
    callbacks: [{ type: 'EarlyStopping', monitor: 'val_loss', patience: 2 }],
  }, 'overfit.json');
  const metrics = await runTraining({ config, configFile: 'overfit.json', data, backend: 'wasm', outDir, overrides: { seed: 5 } });

  const rows = (await readFile(join(outDir, 'history.csv'), 'utf8')).trim().split('\n').slice(1).map((line) => {
    const [epoch, loss, accuracy, valLoss, valAccuracy] = line.split(',').map(Number);
    return { epoch, loss, accuracy, valLoss, valAccuracy };
  });
  const valLosses = rows.map((r) => r.valLoss);
  assert.equal(metrics.stopped_early, true, `val_loss ${valLosses.join(', ')}`);
  assert.ok(metrics.epochs_run < config.epochs);
  assert.equal(rows.length, metrics.epochs_run);
  assert.equal(metrics.best_by, 'val_loss');
  assert.ok(metrics.best_epoch < metrics.epochs_run, `best epoch ${metrics.best_epoch} of ${metrics.epochs_run}: val_loss ${valLosses.join(', ')}`);
  // The best epoch has the lowest val_loss, and patience 2 stopped the run two epochs after it.
  assert.equal(Math.min(...valLosses), rows[metrics.best_epoch - 1].valLoss);
  assert.equal(valLosses.indexOf(Math.min(...valLosses)), metrics.best_epoch - 1);
  assert.equal(metrics.epochs_run, metrics.best_epoch + 2);
  // metrics.json reports the best epoch's validation figures.
  const saved = JSON.parse(await readFile(join(outDir, 'metrics.json'), 'utf8'));
  assert.equal(saved.best_epoch, metrics.best_epoch);
  assert.equal(saved.val_loss, rows[metrics.best_epoch - 1].valLoss);
  assert.equal(saved.val_accuracy, rows[metrics.best_epoch - 1].valAccuracy);

  // The model reloaded from the output folder reproduces the best epoch's val_loss on the validation
  // examples (the last half of the training slice, Keras' split), and not the last epoch's.
  const { validation } = splitValidation(data.train, data.imageShape, config.validation_split);
  assert.equal(validation.count, 150);
  const model = await loadModel(join(outDir, 'model'));
  const evaluation = evaluate(model, validation, data.imageShape, data.classes, config.loss);
  model.dispose();
  const best = rows[metrics.best_epoch - 1];
  const last = rows[rows.length - 1];
  // Same weights, same kernels: in practice the losses agree exactly; allow float32 rounding only.
  const tolerance = 1e-6 * best.valLoss;
  assert.ok(Math.abs(evaluation.loss - best.valLoss) <= tolerance, `reloaded val_loss ${evaluation.loss}, best epoch ${metrics.best_epoch} recorded ${best.valLoss}`);
  assert.equal(evaluation.accuracy, best.valAccuracy);
  // The check can tell the epochs apart: the last epoch's val_loss is far outside the tolerance.
  assert.ok(Math.abs(last.valLoss - best.valLoss) > 1000 * tolerance, `last ${last.valLoss} vs best ${best.valLoss}`);
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
