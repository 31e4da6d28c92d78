/**
 * A sweep folder as an Optuna JournalStorage log (optuna/storages/_journal/storage.py in Optuna
 * 3.1, optuna/storages/journal/_storage.py since 4.0: one JSON operation a line), so that
 *
 *   optuna.load_study(study_name=<sweep name>, storage=JournalStorage(JournalFileStorage(path)))
 *
 * gives the sweep's trials, and optuna-dashboard, optuna.visualization and optuna.importance read
 * it. Built from the folder alone (sweep.json, trials/*, sweep.log), so the same folder always
 * gives the same log.
 *
 * One CREATE_STUDY, its user attributes, then one CREATE_TRIAL a trial carrying everything the
 * trial is (what `study.add_trial` writes): a reader never sees a trial half built, and a study
 * that Optuna later appends to keeps these trials as they are.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SWEEP_FILE } from '../sweep/folder-layout.js';
import { searchMetricFor, type EpochMetric } from '../sweep/objective.js';
import { ERROR_FILE } from '../sweep/trial.js';
import { readHistory } from '../train/history-csv.js';
import type { HistoryRow } from '../train/history.js';
import { METRICS_FILE } from '../train/run-folder.js';
import { optunaParams, type OptunaParam } from './optuna-distributions.js';
import type { SweepInfo, TrialEntry } from './read-trials.js';
import { readTrialClock, type TrialClock } from './sweep-timing.js';

export const OPTUNA_JOURNAL = 'optuna-journal.log';

/** Who wrote each operation; Optuna only compares it with its own process's ids. */
export const JOURNAL_WORKER_ID = 'convsweep';

/** optuna.storages._journal JournalOperation. */
const OP = { CREATE_STUDY: 0, SET_STUDY_USER_ATTR: 2, CREATE_TRIAL: 4 } as const;
/** optuna.study.StudyDirection. */
const DIRECTION = { minimize: 1, maximize: 2 } as const;
/** optuna.trial.TrialState. */
const STATE = { COMPLETE: 1, PRUNED: 2, FAIL: 3 } as const;

/**
 * The per-epoch metric that becomes Optuna's intermediate values: what the search learned from
 * (the pruner's metric when there is early stopping, else the sampler's; src/sweep/load.ts).
 */
export function intermediateMetric(sweep: SweepInfo): EpochMetric {
  const early = sweep.definition.early_stopping as { metric?: EpochMetric } | undefined;
  return early ? (early.metric ?? 'val_accuracy') : searchMetricFor(sweep.metric);
}

/**
 * A time as Optuna 3.1 writes and reads it: local time without a zone, to the microsecond. Optuna
 * 4 writes UTC with its zone but reads a zoneless time as local, so both read this the same.
 */
export function optunaDatetime(ms: number): string {
  const d = new Date(Math.floor(ms));
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`;
}

async function modifiedMs(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * When a trial ran: sweep.log's trial-start and trial-end, else its metrics.json's duration counted
 * back from the end; without a log line for the end, the time its result file (metrics.json or
 * error.json; the folder, for a trial that cannot be read) was written.
 */
async function trialTimes(entry: TrialEntry, logged: TrialClock | undefined): Promise<{ startMs?: number; endMs?: number }> {
  const durationMs = entry.metrics ? entry.metrics.duration_s * 1000 : undefined;
  let { startMs, endMs } = logged ?? {};
  if (endMs === undefined && startMs !== undefined && durationMs !== undefined) endMs = startMs + durationMs;
  if (endMs === undefined) endMs = await modifiedMs(join(entry.dir, entry.metrics ? METRICS_FILE : entry.status === 'failed' ? ERROR_FILE : ''));
  if (startMs === undefined && endMs !== undefined) startMs = endMs - (durationMs ?? 0);
  return { startMs, endMs };
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The trial's user attributes: who it is in convsweep, its test figures, and why it failed. */
function userAttrs(entry: TrialEntry, failure: { kind: string; message: string } | undefined): Record<string, unknown> {
  const attrs: Record<string, unknown> = { trial_id: entry.id, label: entry.label, status: entry.status };
  if (entry.number !== null && entry.number !== undefined) attrs.convsweep_number = entry.number;
  if (entry.metrics) {
    attrs.test_accuracy = entry.metrics.test_accuracy;
    attrs.test_loss = entry.metrics.test_loss;
    attrs.epochs_run = entry.metrics.epochs_run;
  }
  if (failure) {
    attrs.failure_kind = failure.kind;
    attrs.failure_message = failure.message;
  }
  return attrs;
}

/** Optuna's state and value of a trial: the sweep's metric; a completed trial without it cannot be COMPLETE in Optuna. */
function outcome(entry: TrialEntry, metric: string): { state: number; value: number | null; failure?: { kind: string; message: string } } {
  if (entry.status === 'failed') return { state: STATE.FAIL, value: null, failure: { kind: entry.kind ?? 'error', message: entry.error ?? '' } };
  if (entry.status === 'unreadable' || !entry.metrics) return { state: STATE.FAIL, value: null, failure: { kind: 'unreadable', message: entry.error ?? '' } };
  const value = finite((entry.metrics as unknown as Record<string, unknown>)[metric]);
  if (entry.status === 'pruned') return { state: STATE.PRUNED, value: value ?? null };
  if (value === undefined) return { state: STATE.FAIL, value: null, failure: { kind: 'no_value', message: `${METRICS_FILE} has no ${metric}` } };
  return { state: STATE.COMPLETE, value };
}

/** Trials in convsweep's order: by number, then (no number known) by folder name. */
function inSweepOrder(trials: TrialEntry[]): TrialEntry[] {
  const number = (t: TrialEntry) => t.number ?? Number.POSITIVE_INFINITY;
  return [...trials].sort((a, b) => number(a) - number(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

async function createTrial(entry: TrialEntry, params: Map<string, OptunaParam>, sweep: SweepInfo, epochMetric: EpochMetric, logged: TrialClock | undefined, history: HistoryRow[] | undefined): Promise<Record<string, unknown>> {
  const { state, value, failure } = outcome(entry, sweep.metric);
  const distributions: Record<string, string> = {};
  const internal: Record<string, number> = {};
  // A value the sweep file's settings do not hold (a key or choice edited since) is left out.
  for (const [key, setting] of Object.entries(entry.values ?? {})) {
    const param = params.get(key);
    const x = param?.internal(setting);
    if (!param || x === undefined) continue;
    // distribution_to_json: the distribution as a JSON string inside the operation.
    distributions[key] = JSON.stringify(param.distribution);
    internal[key] = x;
  }
  const intermediate: Record<string, number> = {};
  for (const row of history ?? (await readHistory(entry.dir))) {
    const v = finite(row[epochMetric]);
    if (v !== undefined) intermediate[String(row.epoch)] = v;
  }
  const { startMs, endMs } = await trialTimes(entry, logged);
  return {
    op_code: OP.CREATE_TRIAL,
    worker_id: JOURNAL_WORKER_ID,
    study_id: 0,
    state,
    value,
    values: null,
    datetime_start: startMs === undefined ? null : optunaDatetime(startMs),
    ...(endMs === undefined ? {} : { datetime_complete: optunaDatetime(endMs) }),
    distributions,
    params: internal,
    user_attrs: userAttrs(entry, failure),
    system_attrs: {},
    intermediate_values: intermediate,
  };
}

/**
 * The journal of a read sweep folder, as the text of optuna-journal.log. `histories`: trials'
 * history.csv already read (the report reads them for its charts), by trial id; others are read here.
 */
export async function optunaJournal(sweep: SweepInfo, trials: TrialEntry[], histories?: ReadonlyMap<string, HistoryRow[]>): Promise<string> {
  const params = optunaParams(sweep.definition, join(sweep.dir, SWEEP_FILE));
  const epochMetric = intermediateMetric(sweep);
  const early = sweep.definition.early_stopping as { type?: string } | undefined;
  const studyAttrs: Record<string, unknown> = {
    metric: sweep.metric,
    goal: sweep.goal,
    intermediate_metric: epochMetric,
    method: typeof sweep.definition.method === 'string' ? sweep.definition.method : 'grid',
    pruner: early?.type ?? 'none',
    ...(sweep.description === undefined ? {} : { description: sweep.description }),
  };
  const ops: Record<string, unknown>[] = [
    { op_code: OP.CREATE_STUDY, worker_id: JOURNAL_WORKER_ID, study_name: sweep.name, directions: [DIRECTION[sweep.goal]] },
    ...Object.entries(studyAttrs).map(([key, value]) => ({ op_code: OP.SET_STUDY_USER_ATTR, worker_id: JOURNAL_WORKER_ID, study_id: 0, user_attr: { [key]: value } })),
  ];
  const clock = await readTrialClock(sweep.dir);
  for (const entry of inSweepOrder(trials)) ops.push(await createTrial(entry, params, sweep, epochMetric, clock.get(entry.id), histories?.get(entry.id)));
  return ops.map((op) => `${JSON.stringify(op)}\n`).join('');
}
