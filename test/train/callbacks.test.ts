import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarlyStopping, ReduceLROnPlateau } from '../../src/train/callbacks.js';
import type { HistoryRow } from '../../src/train/history.js';

const row = (epoch: number, val_loss: number, val_accuracy = 0.5): HistoryRow => ({ epoch, loss: 1, accuracy: 0.5, val_loss, val_accuracy, lr: 0.1, seconds: 1 });

test('EarlyStopping stops after `patience` epochs without improvement, as Keras does', () => {
  const es = new EarlyStopping({ monitor: 'val_loss', patience: 2, min_delta: 0, restore_best_weights: false });
  const losses = [1.0, 0.8, 0.9, 0.85, 0.7];
  const stops = losses.map((l, i) => es.shouldStop(row(i + 1, l), i));
  assert.deepEqual(stops, [false, false, false, true, false]);
});

test('EarlyStopping honours min_delta and maximises accuracies', () => {
  const es = new EarlyStopping({ monitor: 'val_accuracy', patience: 1, min_delta: 0.05, restore_best_weights: true });
  assert.equal(es.shouldStop(row(1, 0, 0.5), 0), false);
  // +0.03 is within min_delta: no improvement, patience 1 exhausted.
  assert.equal(es.shouldStop(row(2, 0, 0.53), 1), true);
});

test('EarlyStopping with patience 0 never stops on the first epoch, even without a finite value', () => {
  const es = new EarlyStopping({ monitor: 'val_loss', patience: 0, min_delta: 0, restore_best_weights: false });
  // NaN is no improvement (wait 1 >= 0), but Keras never stops after epoch index 0.
  assert.equal(es.shouldStop(row(1, NaN), 0), false);
  assert.equal(es.shouldStop(row(2, 1), 1), false);
});

test('EarlyStopping with patience 0 never stops while the metric keeps improving', () => {
  const es = new EarlyStopping({ monitor: 'val_loss', patience: 0, min_delta: 0, restore_best_weights: false });
  const stops = [1.0, 0.9, 0.8, 0.7].map((l, i) => es.shouldStop(row(i + 1, l), i));
  assert.deepEqual(stops, [false, false, false, false]);
});

test('EarlyStopping with patience 0 stops at the first epoch without improvement', () => {
  const es = new EarlyStopping({ monitor: 'val_loss', patience: 0, min_delta: 0, restore_best_weights: false });
  // 0.8 equals the best: not an improvement (Keras uses a strict comparison).
  const stops = [1.0, 0.9, 0.8, 0.8].map((l, i) => es.shouldStop(row(i + 1, l), i));
  assert.deepEqual(stops, [false, false, false, true]);
  // Maximised monitor: the first drop of val_accuracy stops the run.
  const acc = new EarlyStopping({ monitor: 'val_accuracy', patience: 0, min_delta: 0, restore_best_weights: false });
  const accStops = [0.5, 0.6, 0.55].map((a, i) => acc.shouldStop(row(i + 1, 0, a), i));
  assert.deepEqual(accStops, [false, false, true]);
});

test('EarlyStopping counts epochs without improvement since the best, not since the last change', () => {
  const es = new EarlyStopping({ monitor: 'val_loss', patience: 3, min_delta: 0, restore_best_weights: false });
  // Best 0.5 at epoch 2; 0.6, 0.55, 0.52 are each better than their predecessor but not than 0.5.
  const stops = [1.0, 0.5, 0.6, 0.55, 0.52].map((l, i) => es.shouldStop(row(i + 1, l), i));
  assert.deepEqual(stops, [false, false, false, false, true]);
});

test('ReduceLROnPlateau multiplies by factor after patience epochs, not below min_lr', () => {
  const cb = new ReduceLROnPlateau({ monitor: 'val_loss', patience: 2, factor: 0.5, min_delta: 0, min_lr: 0.03 });
  let lr = 0.1;
  const seen: number[] = [];
  for (const [i, l] of [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6].entries()) {
    lr = cb.nextLearningRate(row(i + 1, l), lr);
    seen.push(lr);
  }
  assert.deepEqual(seen, [0.1, 0.1, 0.05, 0.05, 0.03, 0.03, 0.03]);
});

test('ReduceLROnPlateau: an improvement resets the count; min_delta decides what counts as one', () => {
  const cb = new ReduceLROnPlateau({ monitor: 'val_loss', patience: 2, factor: 0.5, min_delta: 0.01, min_lr: 0 });
  let lr = 0.1;
  const seen: number[] = [];
  // 0.995 beats 1.0 by less than min_delta: no improvement. 0.9 is one and resets the count.
  for (const [i, l] of [1.0, 0.995, 0.9, 0.95, 0.895, 0.893, 0.88].entries()) {
    lr = cb.nextLearningRate(row(i + 1, l), lr);
    seen.push(lr);
  }
  // Epoch 2: wait 1; epoch 3: improvement (best 0.9); epoch 4: wait 1; epoch 5: 0.895 is only 0.005
  // better than 0.9, so wait 2 → halve, count restarts; epoch 6: wait 1; epoch 7: 0.88 is an improvement.
  assert.deepEqual(seen, [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05]);
});

test('ReduceLROnPlateau with patience 0 reduces at every epoch without improvement; maximises accuracies', () => {
  const cb = new ReduceLROnPlateau({ monitor: 'val_accuracy', patience: 0, factor: 0.1, min_delta: 0, min_lr: 0 });
  let lr = 1;
  const seen: number[] = [];
  for (const [i, a] of [0.5, 0.6, 0.6, 0.55, 0.7].entries()) {
    lr = cb.nextLearningRate(row(i + 1, 0, a), lr);
    seen.push(lr);
  }
  assert.deepEqual(seen.map((v) => Number(v.toPrecision(6))), [1, 1, 0.1, 0.01, 0.01]);
});
