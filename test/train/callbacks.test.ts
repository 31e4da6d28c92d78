import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarlyStopping, ReduceLROnPlateau } from '../../src/train/callbacks.js';
import type { HistoryRow } from '../../src/report/history.js';

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

test('EarlyStopping with patience 0 never stops on the first epoch', () => {
  const es = new EarlyStopping({ monitor: 'val_loss', patience: 0, min_delta: 0, restore_best_weights: false });
  assert.equal(es.shouldStop(row(1, 1), 0), false);
  assert.equal(es.shouldStop(row(2, 1), 1), true);
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
