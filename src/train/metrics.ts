/** metrics.json: the summary of one finished run, what the sweep leaderboard ranks. */
import type { BackendName } from '../backend/names.js';

export interface RunMetrics {
  /**
   * completed; pruned: a sweep's early stopping ended the run before its epochs; interrupted: the
   * user stopped `train`, which kept the best epoch so far (absent in folders of earlier versions: completed).
   */
  status?: 'completed' | 'pruned' | 'interrupted';
  test_accuracy: number;
  test_loss: number;
  train_accuracy: number;
  train_loss: number;
  val_accuracy: number | null;
  val_loss: number | null;
  /** 1-based epoch whose weights the saved model holds. */
  best_epoch: number;
  best_by: string;
  epochs_run: number;
  stopped_early: boolean;
  params: number;
  duration_s: number;
  backend: BackendName;
  seed: number;
  dataset: string;
  train_examples: number;
  val_examples: number;
  test_examples: number;
  /** Training throughput over all epochs, images a second. */
  train_img_per_s: number;
  tfjs_version: string;
  /** The class of each output unit, by index (also model/classes.json); absent in runs before class names. */
  classes?: string[];
}

const REQUIRED_NUMBERS = ['test_accuracy', 'test_loss', 'train_accuracy', 'train_loss', 'best_epoch', 'epochs_run', 'params', 'duration_s'] as const;

/**
 * A parsed metrics.json as RunMetrics, or an Error saying what is wrong with it. The one rule of
 * what a complete run's metrics are: resume skips a trial, and the report ranks it, by this.
 */
export function checkRunMetrics(value: unknown): RunMetrics {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('metrics.json: is not a JSON object');
  const record = value as Record<string, unknown>;
  for (const key of REQUIRED_NUMBERS) {
    if (typeof record[key] !== 'number') throw new Error(`metrics.json: ${key} is ${key in record ? 'not a number' : 'missing'}`);
  }
  if (record.status !== undefined && !['completed', 'pruned', 'interrupted'].includes(record.status as string)) throw new Error('metrics.json: status is not completed, pruned or interrupted');
  for (const key of ['val_accuracy', 'val_loss'] as const) {
    if (record[key] !== null && record[key] !== undefined && typeof record[key] !== 'number') throw new Error(`metrics.json: ${key} is not a number`);
  }
  return value as RunMetrics;
}
