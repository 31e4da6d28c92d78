/**
 * What runs trials. The local executor (a Piscina pool on this machine) and the queue executor
 * (BullMQ workers on other machines) take the same TrialJob and return the same TrialOutcome;
 * neither knows what a Conv2D is, and the sweep runner does not know which one it drives.
 */
import type { HistoryRow } from '../../train/history.js';
import type { BatchProgress } from '../../train/trainer.js';
import type { TrialOutcome } from '../trial.js';
import type { TrialJob } from '../worker-entry.js';

export interface TrialRunHooks {
  /** Aborting stops the trial (status stopped); it is then not recorded and a resume runs it again. */
  signal?: AbortSignal;
  onBatch?: (progress: BatchProgress) => void;
  /**
   * Each epoch's metrics; for a prunable trial (job.prunable) the answer is the sweep's verdict —
   * true stops it there, and it ends as pruned — which reaches the trial before its next epoch.
   */
  onEpoch?: (row: HistoryRow, epochs: number) => boolean | void | Promise<boolean | void>;
}

/** A trial as the sweep hands it to an executor; the executor decides the backend and where the data comes from. */
export type TrialSpec = Omit<TrialJob, 'backend' | 'dataset'>;

export interface TrialExecutor {
  /** How many trials it takes at once; the sweep runner hands out no more than this. */
  readonly capacity: number;
  /**
   * Resolves with how the trial ended, never rejects for a trial's own failure. A completed trial's
   * folder (job.outDir) is complete when this resolves.
   */
  run(job: TrialSpec, hooks?: TrialRunHooks): Promise<TrialOutcome>;
  /** `finished`: every trial of the sweep is recorded (not interrupted), so nothing needs keeping for a resume. */
  close(finished?: boolean): Promise<void>;
}

/** The outcome for a trial that ran past its time limit. */
export function timedOut(timeoutS: number): TrialOutcome {
  return { status: 'failed', kind: 'timeout', message: `ran longer than trial_timeout_s ${timeoutS}` };
}
