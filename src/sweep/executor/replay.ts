/**
 * Plays recorded learning curves instead of training: each trial's values are looked up in a
 * table of real runs, its epochs arrive on a simulated clock (each epoch as long as it took when
 * recorded), and the pruner's verdicts stop it as they would a real one. Sampler, pruner, resume
 * and loop tests run in milliseconds, and the search benchmark compares methods on identical data.
 *
 * Deterministic whatever the listeners do: events are played only when the loop waits
 * (`beforeWait`), earliest first, until one trial ends.
 */
import type { HistoryRow } from '../../train/history.js';
import type { RunMetrics } from '../../train/metrics.js';
import type { TrialHooks } from '../loop.js';
import { TrialStatus } from '../status.js';
import { canonicalJson, type Trial, type TrialOutcome, type TrialValues } from '../trial.js';

/** One recorded run: the settings that varied and every epoch's metrics. */
export interface CurveRow {
  values: TrialValues;
  val_accuracy: number[];
  val_loss: number[];
  accuracy: number[];
  loss: number[];
  seconds: number[];
  test_accuracy?: number;
  test_loss?: number;
}

/** A table file of bench/tables: a full grid of recorded runs. */
export interface CurveTable {
  name: string;
  /** The metric the sweep ranked by when recorded, and its goal. */
  metric: string;
  goal: 'maximize' | 'minimize';
  epochs: number;
  /** The settings that vary, and each one's values in order. */
  keys: string[];
  values: Record<string, unknown[]>;
  rows: CurveRow[];
}

export function historyOf(row: CurveRow, epochs = row.val_accuracy.length): HistoryRow[] {
  return Array.from({ length: Math.min(epochs, row.val_accuracy.length) }, (_, i) => ({
    epoch: i + 1,
    loss: row.loss[i],
    accuracy: row.accuracy[i],
    val_loss: row.val_loss[i],
    val_accuracy: row.val_accuracy[i],
    lr: Number.NaN,
    seconds: row.seconds[i],
  }));
}

interface Playing {
  trial: Trial;
  history: HistoryRow[];
  epochs: number;
  next: number;
  /** Simulated time at which epoch `next` ends. */
  due: number;
  order: number;
  hooks: TrialHooks;
  resolve: (outcome: TrialOutcome) => void;
}

export class ReplayExecutor {
  private now = 0;
  private started = 0;
  private readonly playing = new Set<Playing>();
  private readonly byValues: Map<string, CurveRow>;

  constructor(private readonly table: CurveTable) {
    this.byValues = new Map(table.rows.map((row) => [this.keyOf(row.values), row]));
  }

  private keyOf(values: TrialValues): string {
    return canonicalJson(this.table.keys.map((k) => values[k]));
  }

  /** Simulated seconds since the replay began. */
  readonly clock = (): number => this.now;

  /** The recorded run of these values; an Error naming them when the table has none. */
  row(values: TrialValues): CurveRow {
    const row = this.byValues.get(this.keyOf(values));
    if (!row) throw new Error(`the table ${this.table.name} has no run for ${JSON.stringify(values)}`);
    return row;
  }

  run(trial: Trial, hooks: TrialHooks): Promise<TrialOutcome> {
    const row = this.row(trial.values);
    const history = historyOf(row, trial.config?.epochs ?? this.table.epochs);
    return new Promise((resolve) => {
      this.playing.add({ trial, history, epochs: history.length, next: 0, due: this.now + history[0].seconds, order: this.started++, hooks, resolve });
    });
  }

  /** Plays epochs in simulated-time order until a trial ends (or none is playing). */
  readonly beforeWait = (): void => {
    while (this.playing.size > 0) {
      let first: Playing | undefined;
      for (const p of this.playing) if (!first || p.due < first.due || (p.due === first.due && p.order < first.order)) first = p;
      const p = first!;
      this.now = p.due;
      const row = p.history[p.next];
      const stop = p.hooks.onEpoch(row, p.epochs);
      p.next++;
      if (stop || p.next >= p.epochs) {
        this.playing.delete(p);
        p.resolve({ status: stop ? TrialStatus.PRUNED : TrialStatus.COMPLETED, metrics: this.metricsOf(p, stop) });
        return;
      }
      p.due = this.now + p.history[p.next].seconds;
    }
  };

  private metricsOf(p: Playing, pruned: boolean): RunMetrics {
    return replayedMetrics(this.table.name, this.row(p.trial.values), p.history.slice(0, p.next), pruned, p.trial.seed);
  }
}

/** The metrics of a replayed run that played the first `ran` epochs of its recorded `row`. */
export function replayedMetrics(tableName: string, row: CurveRow, ran: readonly HistoryRow[], pruned: boolean, seed: number): RunMetrics {
  const best = ran.reduce((a, b) => ((b.val_accuracy ?? -1) > (a.val_accuracy ?? -1) ? b : a));
  const fullRun = !pruned && ran.length === row.val_accuracy.length;
  return {
    status: pruned ? 'pruned' : 'completed',
    // The recorded test figures belong to the full run only.
    test_accuracy: fullRun ? row.test_accuracy ?? Number.NaN : Number.NaN,
    test_loss: fullRun ? row.test_loss ?? Number.NaN : Number.NaN,
    train_accuracy: best.accuracy,
    train_loss: best.loss,
    val_accuracy: best.val_accuracy,
    val_loss: best.val_loss,
    best_epoch: best.epoch,
    best_by: 'val_accuracy',
    epochs_run: ran.length,
    stopped_early: false,
    params: 0,
    duration_s: ran.reduce((s, r) => s + r.seconds, 0),
    backend: 'cpu',
    seed,
    dataset: `replay of ${tableName}`,
    train_examples: 0,
    val_examples: 0,
    test_examples: 0,
    train_img_per_s: 0,
    tfjs_version: 'replay',
  };
}
