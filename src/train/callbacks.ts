/**
 * EarlyStopping and ReduceLROnPlateau with Keras' semantics (keras/callbacks), driven by the epoch
 * metrics the trainer computes. `mode` follows Keras' "auto": accuracies are maximised, losses minimised.
 */
import type { EarlyStoppingCallback, ReduceLROnPlateauCallback } from '../config/types.generated.js';
import type { HistoryRow } from './history.js';

export type Monitor = 'loss' | 'accuracy' | 'val_loss' | 'val_accuracy';

export function maximises(monitor: Monitor): boolean {
  return monitor.endsWith('accuracy');
}

/** True when `current` beats `best` by more than minDelta in the monitor's direction. */
export function improves(monitor: Monitor, current: number, best: number, minDelta = 0): boolean {
  return maximises(monitor) ? current - minDelta > best : current + minDelta < best;
}

export function monitored(row: HistoryRow, monitor: Monitor): number {
  const value = row[monitor];
  return value === null ? NaN : value;
}

export class EarlyStopping {
  private best: number;
  private wait = 0;
  constructor(private readonly spec: Required<Omit<EarlyStoppingCallback, 'type'>>) {
    this.best = maximises(spec.monitor) ? -Infinity : Infinity;
  }

  /**
   * After each epoch (0-based index); true when training should stop. As Keras' on_epoch_end: an
   * improvement resets the count and never stops the run; otherwise it stops once `patience`
   * epochs in a row have failed to improve (so patience 0 stops at the first non-improvement),
   * but never after the first epoch.
   */
  shouldStop(row: HistoryRow, epochIndex: number): boolean {
    const current = monitored(row, this.spec.monitor);
    this.wait += 1;
    if (improves(this.spec.monitor, current, this.best, this.spec.min_delta)) {
      this.best = current;
      this.wait = 0;
      return false;
    }
    return this.wait >= this.spec.patience && epochIndex > 0;
  }
}

export class ReduceLROnPlateau {
  private best: number;
  private wait = 0;
  constructor(private readonly spec: Required<Omit<ReduceLROnPlateauCallback, 'type'>>) {
    this.best = maximises(spec.monitor) ? -Infinity : Infinity;
  }

  /**
   * After each epoch; returns the learning rate for the next epoch. As Keras' on_epoch_end (with
   * cooldown 0): an improvement resets the count; each epoch without one counts, and when the count
   * reaches `patience` the rate is multiplied by `factor` (not below min_lr) and the count restarts.
   * Once the rate is at min_lr it stays there and the count is not reset, as in Keras.
   */
  nextLearningRate(row: HistoryRow, lr: number): number {
    const current = monitored(row, this.spec.monitor);
    if (improves(this.spec.monitor, current, this.best, this.spec.min_delta)) {
      this.best = current;
      this.wait = 0;
      return lr;
    }
    this.wait += 1;
    if (this.wait < this.spec.patience || lr <= this.spec.min_lr) return lr;
    this.wait = 0;
    return Math.max(lr * this.spec.factor, this.spec.min_lr);
  }
}
