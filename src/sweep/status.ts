/**
 * The one vocabulary of a trial's life, as metrics.json, the leaderboard, sweep.log, the terminal
 * and the report spell it (Optuna's TrialState, Keras Tuner's TrialStatus).
 *
 *   queued → running → completed | pruned | failed
 *
 * A trial the user interrupts is not recorded at all (an executor's `stopped` outcome): a resume
 * runs it again.
 */
export const TrialStatus = {
  QUEUED: 'queued',
  RUNNING: 'running',
  /** Trained its full epochs (or until its own EarlyStopping callback ended it). */
  COMPLETED: 'completed',
  /** Stopped by the sweep's early stopping (ASHA, median rule): evaluated and saved like a completed trial. */
  PRUNED: 'pruned',
  FAILED: 'failed',
  /** Cancelled by the user before it finished; nothing is written, so a resume runs it again. */
  STOPPED: 'stopped',
} as const;
export type TrialStatus = (typeof TrialStatus)[keyof typeof TrialStatus];

/** The statuses a trial folder can record. */
export type RecordedStatus = typeof TrialStatus.COMPLETED | typeof TrialStatus.PRUNED | typeof TrialStatus.FAILED;

/** Finished: the trial's folder holds a model and metrics, so resume keeps it and the leaderboard ranks it. */
export function isFinished(status: string): status is typeof TrialStatus.COMPLETED | typeof TrialStatus.PRUNED {
  return status === TrialStatus.COMPLETED || status === TrialStatus.PRUNED;
}

/** The leaderboard's order of statuses: completed trials rank first, then pruned ones, then failed. */
export const STATUS_ORDER: readonly string[] = [TrialStatus.COMPLETED, TrialStatus.PRUNED, TrialStatus.FAILED, 'unreadable'];

/** A finished run's status, from its metrics.json (folders of earlier versions have none: completed). */
export function finishedStatus(metrics: { status?: string }): typeof TrialStatus.COMPLETED | typeof TrialStatus.PRUNED {
  return metrics.status === TrialStatus.PRUNED ? TrialStatus.PRUNED : TrialStatus.COMPLETED;
}
