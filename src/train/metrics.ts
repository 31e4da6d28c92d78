/** metrics.json: the summary of one finished run, what the sweep leaderboard ranks. */
import type { BackendName } from '../backend/select.js';

export interface RunMetrics {
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
}
