/**
 * The scale benchmark's stand-in for training: a queue worker's trial plays a recorded learning
 * curve (bench/tables) on the real clock, scaled down, and goes through everything a trained
 * trial goes through on the queue — each epoch reported, each verdict waited for, a trial folder
 * written and sent back — so the coordination layer is what the benchmark measures.
 *
 * Each verdict's round trip (epoch reported → the coordinator's answer back) is logged as a
 * `verdict-wait` line, the benchmark's decision latency.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../src/log.js';
import type { TrialRunHooks } from '../src/sweep/executor/executor.js';
import { historyOf, replayedMetrics, type CurveRow, type CurveTable } from '../src/sweep/executor/replay.js';
import { TrialStatus } from '../src/sweep/status.js';
import { canonicalJson, type TrialOutcome, type TrialRecord, type TrialValues } from '../src/sweep/trial.js';
import type { TrialJob } from '../src/sweep/worker-entry.js';
import type { HistoryRow } from '../src/train/history.js';
import type { RunMetrics } from '../src/train/metrics.js';
import { CONFIG_FILE, HISTORY_FILE, METRICS_FILE } from '../src/train/run-folder.js';
import type { TrialRunner } from '../src/queue/sweep-worker.js';

/** The columns of train/artifacts.ts HISTORY_COLUMNS (that module loads tfjs, which a replay worker does not need). */
const HISTORY_COLUMNS = ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr', 'seconds'] as const;

export function historyCsvOf(history: readonly HistoryRow[]): string {
  const cell = (row: HistoryRow, c: (typeof HISTORY_COLUMNS)[number]) => {
    const v = c === 'seconds' ? row.seconds.toFixed(3) : row[c];
    return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? '' : String(v);
  };
  return `${HISTORY_COLUMNS.join(',')}\n${history.map((row) => HISTORY_COLUMNS.map((c) => cell(row, c)).join(',')).join('\n')}\n`;
}

/** The mean recorded epoch duration of a table, in seconds. */
export function meanEpochSeconds(table: CurveTable): number {
  const all = table.rows.flatMap((r) => r.seconds);
  return all.reduce((a, b) => a + b, 0) / all.length;
}

/**
 * The table's recorded configuration nearest to `values`: each key's value mapped to the closest
 * recorded one (numbers on a log scale when all positive, else the same JSON), keys the table does
 * not vary ignored.
 */
export function nearestRow(table: CurveTable, values: TrialValues): CurveRow {
  const snapped: TrialValues = {};
  for (const key of table.keys) {
    const choices = table.values[key];
    const wanted = values[key];
    const same = choices.find((c) => canonicalJson(c) === canonicalJson(wanted));
    if (same !== undefined || typeof wanted !== 'number') {
      snapped[key] = same ?? choices[0];
      continue;
    }
    const positive = wanted > 0 && choices.every((c) => typeof c === 'number' && c > 0);
    const distance = (c: unknown) => (typeof c !== 'number' ? Infinity : positive ? Math.abs(Math.log(c / wanted)) : Math.abs(c - wanted));
    snapped[key] = choices.reduce((best, c) => (distance(c) < distance(best) ? c : best));
  }
  const key = canonicalJson(table.keys.map((k) => snapped[k]));
  const row = table.rows.find((r) => canonicalJson(table.keys.map((k) => r.values[k])) === key);
  if (!row) throw new Error(`the table ${table.name} has no run for ${JSON.stringify(snapped)}`);
  return row;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const done = (ran: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(ran);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface ReplayRunnerOptions {
  table: CurveTable;
  /** Recorded seconds × this = the replayed epoch's wall time. */
  timeScale: number;
  logger: Logger;
}

export class ReplayTrialRunner implements TrialRunner {
  readonly brokenReason = undefined;

  constructor(private readonly options: ReplayRunnerOptions) {}

  async run(spec: Omit<TrialJob, 'backend'>, hooks: TrialRunHooks = {}): Promise<TrialOutcome> {
    const { table, timeScale, logger } = this.options;
    const trial = JSON.parse(spec.trialJson) as TrialRecord & { seed?: number };
    const row = nearestRow(table, trial.values);
    const history = historyOf(row, Math.min(spec.config.epochs, row.val_accuracy.length));
    const ran: HistoryRow[] = [];
    let pruned = false;
    for (const epoch of history) {
      if (!(await sleep(epoch.seconds * timeScale * 1000, hooks.signal))) return { status: TrialStatus.STOPPED };
      ran.push(epoch);
      const posted = performance.now();
      const stop = (await hooks.onEpoch?.(epoch, history.length)) === true;
      if (spec.prunable && epoch.epoch < history.length) {
        logger.info({ event: 'verdict-wait', id: trial.id, epoch: epoch.epoch, ms: performance.now() - posted, stop }, 'verdict');
      }
      if (hooks.signal?.aborted) return { status: TrialStatus.STOPPED };
      if (stop) {
        pruned = true;
        break;
      }
    }
    const metrics = this.metricsOf(row, ran, pruned, trial.seed ?? 0, timeScale);
    await mkdir(spec.outDir, { recursive: true });
    await writeFile(join(spec.outDir, METRICS_FILE), `${JSON.stringify(metrics, null, 2)}\n`);
    await writeFile(join(spec.outDir, HISTORY_FILE), historyCsvOf(ran));
    await writeFile(join(spec.outDir, CONFIG_FILE), `${JSON.stringify(spec.config, null, 2)}\n`);
    await writeFile(join(spec.outDir, 'trial.json'), spec.trialJson);
    return { status: pruned ? TrialStatus.PRUNED : TrialStatus.COMPLETED, metrics };
  }

  private metricsOf(row: CurveRow, ran: HistoryRow[], pruned: boolean, seed: number, timeScale: number): RunMetrics {
    const metrics = replayedMetrics(this.options.table.name, row, ran, pruned, seed);
    // A folder's metrics need numbers (a resumed sweep skips only such trials): a cut-short run, which has no
    // recorded test figures, shows its best validation figures instead.
    return {
      ...metrics,
      test_accuracy: Number.isNaN(metrics.test_accuracy) ? metrics.val_accuracy ?? 0 : metrics.test_accuracy,
      test_loss: Number.isNaN(metrics.test_loss) ? metrics.val_loss ?? 0 : metrics.test_loss,
      duration_s: metrics.duration_s * timeScale,
    };
  }

  async close(): Promise<void> {}
}
