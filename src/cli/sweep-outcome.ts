/**
 * How a sweep's result is told at the end of `run` and `report`: who won, why trials failed, and
 * where the report is, as lines to read or paste (Optuna's "Best is trial N", Keras Tuner's
 * results_summary()).
 */
import { join } from 'node:path';
import { REPORT_HTML } from '../report/aggregate.js';
import type { LeaderboardRow, Ranking } from '../report/leaderboard.js';
import { formatMetric } from '../report/metric-format.js';
import { meanText, shippedText, type Configuration } from '../report/replicates.js';

/** What a ranked sweep says of its winner (report/rank-sweep.ts). */
export interface Winner {
  rows: LeaderboardRow[];
  ranking: Ranking;
  best?: LeaderboardRow;
  configurations?: Configuration[];
}

/**
 * `best: 1a2b3c4d5e filters=16,32 dropout=0.4 lr=0.003 test_accuracy 0.9731`; with seeds as
 * replicates, the configuration and its mean; undefined when no trial completed.
 */
export function bestLine({ ranking, best, configurations }: Winner): string | undefined {
  if (!best) return undefined;
  const winner = configurations?.[0];
  if (winner) return `best configuration: ${winner.label} ${ranking.metric} ${meanText(winner, ranking.metric)}; best/ holds ${shippedText(winner)}`;
  return `best: ${best.trial_id} ${best.label} ${ranking.metric} ${formatMetric(ranking.metric, best[ranking.metric])}`;
}

/** One line a trial that did not complete: `failed: 1a2b3c4d5e lr=1e+30 nan: loss became NaN at epoch 1`. */
export function failureLines(rows: LeaderboardRow[]): string[] {
  // Pruned trials are no failures: the search stopped them on purpose (the ASHA/median line counts them).
  return rows.filter((r) => r.status === 'failed' || r.status === 'unreadable').map((r) => `${r.status}: ${r.trial_id} ${r.label} ${r.error_kind ? `${r.error_kind}: ` : ''}${r.error ?? ''}`.trimEnd());
}

/** The lines after the counts: the failures, the winner (or that there is none), the report's path. */
export function outcomeLines(winner: Winner, sweepDir: string): string[] {
  return [...failureLines(winner.rows), bestLine(winner) ?? 'no completed trial: no best/', `report: ${join(sweepDir, REPORT_HTML)}`];
}
