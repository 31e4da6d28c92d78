/**
 * A sweep as the page holds it: the server's snapshot with the changes after it applied, in the
 * same shapes the server keeps (sweep-state.ts), and what the page derives: counts, the best value,
 * progress and an estimate of the time left.
 */
import type { Importance } from '../../report/importance.js';
import { bestOf, better } from '../../sweep/objective.js';
import { TrialStatus } from '../../sweep/status.js';
import { phaseAt, type SweepPhase } from '../sweep-phase.js';
import type { LiveTrial, StateChange, SweepHeader } from '../sweep-state.js';

export interface Snapshot {
  header: SweepHeader;
  trials: LiveTrial[];
  importance: Importance[];
}

export type Change = StateChange | { type: 'importance'; importance: Importance[] };

export type MetricKey = keyof LiveTrial['metrics'];

export const FINISHED: readonly string[] = [TrialStatus.COMPLETED, TrialStatus.PRUNED, TrialStatus.FAILED];

export class SweepModel {
  header: SweepHeader;
  trials = new Map<string, LiveTrial>();
  importance: Importance[];

  constructor(snapshot: Snapshot) {
    this.header = snapshot.header;
    for (const t of snapshot.trials) this.trials.set(t.id, t);
    this.importance = snapshot.importance;
  }

  /** What kinds of thing changed, so the page redraws only those. */
  apply(changes: Change[]): { rows: boolean; curves: boolean; header: boolean; importance: boolean; epochsOf: Set<string> } {
    const touched = { rows: false, curves: false, header: false, importance: false, epochsOf: new Set<string>() };
    for (const change of changes) {
      if (change.type === 'trial') {
        this.trials.set(change.trial.id, change.trial);
        touched.rows = touched.curves = true;
      } else if (change.type === 'epoch') {
        const trial = this.trials.get(change.id);
        if (!trial) continue;
        trial.history = [...trial.history.filter((p) => p.epoch !== change.point.epoch), change.point];
        if (change.stop) trial.prunedAt = change.point.epoch;
        touched.curves = true;
        touched.epochsOf.add(trial.id);
      } else if (change.type === 'header') {
        this.header = change.header;
        touched.header = true;
      } else if (change.type === 'importance') {
        this.importance = change.importance;
        touched.importance = true;
      }
    }
    return touched;
  }

  phase(now = Date.now()): SweepPhase {
    return phaseAt(this.header.phase, this.header.lastLineAt, this.header.stallAfterS, now);
  }

  counts(): Record<string, number> {
    const c: Record<string, number> = { completed: 0, pruned: 0, failed: 0, running: 0, queued: 0, unreadable: 0 };
    for (const t of this.trials.values()) c[t.status] = (c[t.status] ?? 0) + 1;
    const known = c.completed + c.pruned + c.failed + c.running + c.unreadable;
    c.queued = Math.max(c.queued, this.header.planned - known, 0);
    return c;
  }

  metricOf(trial: LiveTrial, metric = this.header.metric): number | null {
    const v = trial.metrics[metric as MetricKey];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }

  best(): LiveTrial | undefined {
    let best: LiveTrial | undefined;
    for (const t of this.trials.values()) {
      const v = this.metricOf(t);
      if (t.status !== TrialStatus.COMPLETED || v === null) continue;
      if (!best || better(this.header.goal, v, this.metricOf(best)!)) best = t;
    }
    return best;
  }

  bestValue(): number | undefined {
    return bestOf(this.header.goal, [...this.trials.values()].filter((t) => t.status === TrialStatus.COMPLETED).map((t) => this.metricOf(t) ?? Number.NaN));
  }

  /** Wall seconds so far: ended runs, plus the running one up to now. */
  wallSeconds(now = Date.now()): number {
    const h = this.header;
    if (h.runStartedAt !== null && this.phase(now) === 'running') return h.wallSeconds + Math.max(0, now - (h.lastLineAt ?? now)) / 1000;
    return h.wallSeconds;
  }

  /**
   * Seconds left: the mean wall time of the trials that ended (pruned ones included, as they make
   * the mean short), times the trials still to run plus what the running ones have left, divided by
   * how many ran at once; capped by max_time_s. undefined before any trial ended.
   */
  secondsLeft(now = Date.now()): number | undefined {
    if (this.phase(now) !== 'running') return undefined;
    const durations = [...this.trials.values()]
      .filter((t) => FINISHED.includes(t.status) && t.startedAt !== null && t.endedAt !== null)
      .map((t) => (t.endedAt! - t.startedAt!) / 1000);
    if (durations.length === 0) return undefined;
    const mean = durations.reduce((s, d) => s + d, 0) / durations.length;
    const c = this.counts();
    let work = c.queued * mean;
    for (const t of this.trials.values()) if (t.status === TrialStatus.RUNNING && t.startedAt !== null) work += Math.max(0, mean - (now - t.startedAt) / 1000);
    let left = work / Math.max(1, this.header.parallel);
    const h = this.header;
    if (h.maxTimeS !== null && h.runStartedAt !== null) left = Math.min(left, Math.max(0, h.maxTimeS - (now - h.runStartedAt) / 1000));
    return left;
  }
}
