/**
 * One row of a training run's history: one per epoch, epochs 1-based. `val_*` are null when the run
 * has no validation split (or it was not evaluated that epoch). `lr` is the learning rate used for
 * the epoch; `seconds` its wall-clock duration.
 */
export interface HistoryRow {
  epoch: number;
  loss: number;
  accuracy: number;
  val_loss: number | null;
  val_accuracy: number | null;
  lr: number;
  seconds: number;
}
