/**
 * The one stream of trial events every executor's work becomes (local pool, queue, replay), as
 * the loop emits it to its listeners: the terminal, sweep.log, a live dashboard, a benchmark.
 */
import type { HistoryRow } from '../train/history.js';
import type { BatchProgress } from '../train/trainer.js';
import type { Trial, TrialOutcome } from './trial.js';

export type TrialEvent =
  | { type: 'started'; trial: Trial; at: number }
  | { type: 'batch'; trial: Trial; progress: BatchProgress }
  /** `stop`: the pruner's answer, which the trial hears before its next epoch starts. */
  | { type: 'epoch'; trial: Trial; row: HistoryRow; epochs: number; stop: boolean; at: number }
  | { type: 'ended'; trial: Trial; outcome: TrialOutcome; history: readonly HistoryRow[]; at: number };

export type TrialEventListener = (event: TrialEvent) => void;
