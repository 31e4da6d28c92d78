/**
 * The leaderboard: one row a trial, ranked by one metric, with a total order so that the same trials
 * always give the same table. Completed trials first (rank 1..n), then pruned ones (by the same
 * metric, but unranked: they did not train their epochs), then failed, then unreadable ones.
 * Written as CSV (grid values as text, arrays as `64,32,32`, metrics rounded as the report prints
 * them) and as JSON (values as written, metrics in full), neither holding a timestamp: rebuilding
 * from unchanged trials gives identical bytes.
 */
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../errors.js';
import { SWEEP_FILE } from '../sweep/folder-layout.js';
import { naturalGoal } from '../sweep/objective.js';
import { metricColumnTexts } from './metric-format.js';
import type { Goal, ReadStatus, SweepInfo, TrialEntry } from './read-trials.js';
import type { Configuration } from './replicates.js';

/** The metrics.json fields a leaderboard shows and can rank by, in column order. */
export const METRIC_COLUMNS = [
  'test_accuracy',
  'test_loss',
  'val_accuracy',
  'val_loss',
  'train_accuracy',
  'train_loss',
  'best_epoch',
  'epochs_run',
  'params',
  'duration_s',
] as const;
export type MetricColumn = (typeof METRIC_COLUMNS)[number];

export interface Ranking {
  metric: MetricColumn;
  goal: Goal;
}

export interface LeaderboardRow {
  /** 1 = best; null for pruned, failed and unreadable trials. */
  rank: number | null;
  /** The order in which the trial was asked for, 1, 2, …; null when unreadable. */
  number: number | null;
  trial_id: string;
  label: string;
  status: ReadStatus;
  /** Grid values as written in the sweep file; null when unreadable. */
  values: Record<string, unknown> | null;
  test_accuracy: number | null;
  test_loss: number | null;
  val_accuracy: number | null;
  val_loss: number | null;
  train_accuracy: number | null;
  train_loss: number | null;
  best_epoch: number | null;
  epochs_run: number | null;
  params: number | null;
  duration_s: number | null;
  backend: string | null;
  /** Failed: the trial's error message; unreadable: why it could not be read. */
  error: string | null;
  /** Failed: error, nan, timeout, crashed, oom, refused. */
  error_kind: string | null;
}

export function isMetricColumn(name: string): name is MetricColumn {
  return (METRIC_COLUMNS as readonly string[]).includes(name);
}

/**
 * The sweep's metric and goal, or `rankBy` with its natural goal (the sweep's goal when rankBy is the
 * sweep's own metric). InputError for a name that is not a metric column.
 */
export function resolveRanking(sweep: Pick<SweepInfo, 'metric' | 'goal'> & Partial<Pick<SweepInfo, 'dir'>>, rankBy?: string): Ranking {
  const metric = rankBy ?? sweep.metric;
  if (!isMetricColumn(metric)) {
    const sweepFile = sweep.dir === undefined ? SWEEP_FILE : join(sweep.dir, SWEEP_FILE);
    throw new InputError({ file: rankBy === undefined ? sweepFile : '--rank-by', path: rankBy === undefined ? '/metric' : '', message: `cannot rank by ${JSON.stringify(metric)}`, hint: `one of ${METRIC_COLUMNS.join(', ')}` });
  }
  return { metric, goal: metric === sweep.metric ? sweep.goal : naturalGoal(metric) };
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function rowOf(trial: TrialEntry): LeaderboardRow {
  const m = trial.metrics;
  return {
    rank: null,
    number: trial.number ?? (trial.index === null ? null : trial.index + 1),
    trial_id: trial.id,
    label: trial.label,
    status: trial.status,
    values: trial.values,
    test_accuracy: finite(m?.test_accuracy),
    test_loss: finite(m?.test_loss),
    val_accuracy: finite(m?.val_accuracy),
    val_loss: finite(m?.val_loss),
    train_accuracy: finite(m?.train_accuracy),
    train_loss: finite(m?.train_loss),
    best_epoch: finite(m?.best_epoch),
    epochs_run: finite(m?.epochs_run),
    params: finite(m?.params),
    duration_s: finite(m?.duration_s),
    backend: typeof m?.backend === 'string' ? m.backend : null,
    error: trial.status === 'completed' || trial.status === 'pruned' ? null : trial.error ?? null,
    error_kind: trial.status === 'failed' ? trial.kind ?? null : null,
  };
}

/** Ascending, nulls last. */
function ascending(a: number | null, b: number | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return a - b;
}

function byId(a: LeaderboardRow, b: LeaderboardRow): number {
  return a.trial_id < b.trial_id ? -1 : a.trial_id > b.trial_id ? 1 : 0;
}

/**
 * Completed trials by the metric (a trial without a value for it, e.g. val_accuracy of a run with
 * no validation split, after those with one); ties broken by lower test_loss, then fewer params,
 * then trial id. Then failed, then unreadable trials, each in expansion order then by id.
 */
export function compareCompleted(ranking: Ranking): (a: LeaderboardRow, b: LeaderboardRow) => number {
  const sign = ranking.goal === 'maximize' ? -1 : 1;
  return (a, b) => {
    const va = a[ranking.metric];
    const vb = b[ranking.metric];
    const primary = va === null || vb === null ? ascending(va, vb) : sign * (va - vb);
    return primary || ascending(a.test_loss, b.test_loss) || ascending(a.params, b.params) || byId(a, b);
  };
}

export function rankTrials(trials: TrialEntry[], ranking: Ranking): LeaderboardRow[] {
  const index = new Map(trials.map((t) => [t.id, t.index]));
  const inOrder = (a: LeaderboardRow, b: LeaderboardRow) => ascending(index.get(a.trial_id) ?? null, index.get(b.trial_id) ?? null) || byId(a, b);
  const rows = trials.map(rowOf);
  const completed = rows.filter((r) => r.status === 'completed').sort(compareCompleted(ranking));
  completed.forEach((r, i) => (r.rank = i + 1));
  const pruned = rows.filter((r) => r.status === 'pruned').sort(compareCompleted(ranking));
  const failed = rows.filter((r) => r.status === 'failed').sort(inOrder);
  const unreadable = rows.filter((r) => r.status === 'unreadable').sort(inOrder);
  return [...completed, ...pruned, ...failed, ...unreadable];
}

/** A grid value as text: strings as they are, flat arrays as `64,32,32`, anything else as JSON. */
export function valueText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) return value.join(',');
  return JSON.stringify(value);
}

/** Grid keys that would collide with a fixed column get a `grid:` prefix in the CSV header. */
export function gridColumnNames(gridKeys: string[]): string[] {
  const fixed = new Set<string>(['rank', 'number', 'trial_id', 'status', ...METRIC_COLUMNS, 'backend', 'error']);
  return gridKeys.map((k) => (fixed.has(k) ? `grid:${k}` : k));
}

export function csvColumns(gridKeys: string[]): string[] {
  return ['rank', 'number', 'trial_id', 'status', ...gridColumnNames(gridKeys), ...METRIC_COLUMNS, 'backend', 'error'];
}

export function leaderboardCsv(rows: LeaderboardRow[], gridKeys: string[]): string {
  const metricTexts = METRIC_COLUMNS.map((c) => metricColumnTexts(c, rows.map((r) => r[c])));
  const records = rows.map((r, i) => [
    r.rank ?? '',
    r.number ?? '',
    r.trial_id,
    r.status,
    ...gridKeys.map((k) => (r.values && Object.hasOwn(r.values, k) ? valueText(r.values[k]) : '')),
    ...metricTexts.map((texts) => texts[i]),
    r.backend ?? '',
    r.error ?? '',
  ]);
  return stringify(records, { header: true, columns: csvColumns(gridKeys), eof: true });
}

export interface LeaderboardSummary {
  sweep: string;
  rank_by: MetricColumn;
  goal: Goal;
  grid_keys: string[];
  best_trial_id: string | null;
  trials: { total: number; completed: number; pruned: number; failed: number; unreadable: number };
  rows: LeaderboardRow[];
  /** Seeds as replicates (report/replicates.ts): configurations ranked by their mean. */
  configurations?: Configuration[];
}

export function leaderboardSummary(rows: LeaderboardRow[], sweep: Pick<SweepInfo, 'name' | 'gridKeys'>, ranking: Ranking, winner: { best?: LeaderboardRow; configurations?: Configuration[] } = { best: rows.find((r) => r.rank === 1) }): LeaderboardSummary {
  const count = (s: ReadStatus) => rows.filter((r) => r.status === s).length;
  return {
    sweep: sweep.name,
    rank_by: ranking.metric,
    goal: ranking.goal,
    grid_keys: sweep.gridKeys,
    best_trial_id: winner.best?.trial_id ?? null,
    trials: { total: rows.length, completed: count('completed'), pruned: count('pruned'), failed: count('failed'), unreadable: count('unreadable') },
    rows,
    ...(winner.configurations ? { configurations: winner.configurations } : {}),
  };
}

export function leaderboardJson(summary: LeaderboardSummary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}
