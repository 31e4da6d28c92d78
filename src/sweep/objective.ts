/**
 * What "better" means: a metric and its goal. The sweep's metric ranks the leaderboard (any
 * metrics.json field); the search metric — what samplers and pruners learn from — is a per-epoch
 * one, never a test metric, so that the test set stays out of every decision the search takes.
 */
export type Goal = 'maximize' | 'minimize';

/** The per-epoch metrics of a history row that a search may learn from. */
export const EPOCH_METRICS = ['val_accuracy', 'val_loss', 'accuracy', 'loss'] as const;
export type EpochMetric = (typeof EPOCH_METRICS)[number];

export interface Objective<M extends string = string> {
  metric: M;
  goal: Goal;
}

/** Higher is better for accuracies; lower for losses, time, size and epochs. */
export function naturalGoal(metric: string): Goal {
  return metric.endsWith('accuracy') ? 'maximize' : 'minimize';
}

export function isEpochMetric(name: string): name is EpochMetric {
  return (EPOCH_METRICS as readonly string[]).includes(name);
}

/** True when a beats b under the goal; NaN never beats anything. */
export function better(goal: Goal, a: number, b: number): boolean {
  return goal === 'maximize' ? a > b : a < b;
}

/** The best of the values under the goal, ignoring NaN; undefined when there is none. */
export function bestOf(goal: Goal, values: Iterable<number>): number | undefined {
  let best: number | undefined;
  for (const v of values) if (Number.isFinite(v) && (best === undefined || better(goal, v, best))) best = v;
  return best;
}

/**
 * The metric a search learns from: the sweep's own when it is a per-epoch validation metric,
 * otherwise the validation metric of the same kind (val_accuracy for an accuracy, val_loss for a loss).
 */
export function searchMetricFor(sweepMetric: string): EpochMetric {
  if (isEpochMetric(sweepMetric) && sweepMetric.startsWith('val_')) return sweepMetric;
  return sweepMetric.endsWith('loss') ? 'val_loss' : 'val_accuracy';
}
