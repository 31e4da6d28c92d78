/**
 * How a sweep's result is told at the end of `run` and `report`: who won, why trials failed, and
 * where the report is, as lines to read or paste (Optuna's "Best is trial N", Keras Tuner's
 * results_summary()).
 */
import { join } from 'node:path';
import { REPORT_HTML } from '../report/aggregate.js';
import type { LeaderboardRow, Ranking } from '../report/leaderboard.js';
import { formatMetric } from '../report/metric-format.js';

/** `best: 1a2b3c4d5e filters=16,32 dropout=0.4 lr=0.003 test_accuracy 0.9731`, or undefined when no trial completed. */
export function bestLine(rows: LeaderboardRow[], ranking: Ranking): string | undefined {
  const best = rows.find((r) => r.rank === 1);
  return best && `best: ${best.trial_id} ${best.label} ${ranking.metric} ${formatMetric(ranking.metric, best[ranking.metric])}`;
}

/** One line a trial that did not complete: `failed: 1a2b3c4d5e lr=1e+30 nan: loss became NaN at epoch 1`. */
export function failureLines(rows: LeaderboardRow[]): string[] {
  // Pruned trials are no failures: the search stopped them on purpose (the ASHA/median line counts them).
  return rows.filter((r) => r.status === 'failed' || r.status === 'unreadable').map((r) => `${r.status}: ${r.trial_id} ${r.label} ${r.error_kind ? `${r.error_kind}: ` : ''}${r.error ?? ''}`.trimEnd());
}

/** The lines after the counts: the failures, the winner (or that there is none), the report's path. */
export function outcomeLines(rows: LeaderboardRow[], ranking: Ranking, sweepDir: string): string[] {
  return [...failureLines(rows), bestLine(rows, ranking) ?? 'no completed trial: no best/', `report: ${join(sweepDir, REPORT_HTML)}`];
}
