/**
 * What the dashboard knows of one sweep at this moment: its trials (from their folders, and from
 * sweep.log for the ones still running or not yet written) and its lifecycle (runs started and
 * ended, the last line's time). Pure: the watcher feeds it folder records and log lines, and sends
 * the page what each one changed. The page applies the same changes to the snapshot it got first.
 */
import { METRIC_COLUMNS, type LeaderboardRow } from '../report/leaderboard.js';
import { searchMetricFor, type Goal } from '../sweep/objective.js';
import { TrialStatus } from '../sweep/status.js';
import { sampledTrialId, trialLabel } from '../sweep/trial.js';
import type { HistoryRow } from '../train/history.js';
import { sweepPhase, type SweepPhase } from './sweep-phase.js';

/** One epoch of a trial as the page draws it. */
export type EpochPoint = Pick<HistoryRow, 'epoch' | 'loss' | 'accuracy' | 'val_loss' | 'val_accuracy'>;

export interface LiveTrial {
  id: string;
  number: number | null;
  label: string;
  /** A status of src/sweep/status.ts (queued, running, completed, pruned, failed), or unreadable. */
  status: string;
  values: Record<string, unknown> | null;
  /** The leaderboard's metric columns (metrics.json), once the trial has finished. */
  metrics: Partial<Record<(typeof METRIC_COLUMNS)[number], number | null>>;
  history: EpochPoint[];
  /** The epoch at which the sweep's pruner stopped it. */
  prunedAt: number | null;
  error: string | null;
  kind: string | null;
  /** Milliseconds since the epoch, from sweep.log. */
  startedAt: number | null;
  endedAt: number | null;
}

export interface SweepHeader {
  key: string;
  name: string;
  description: string | null;
  method: string;
  /** asha, median, or none. */
  pruner: string;
  metric: string;
  goal: Goal;
  /** The per-epoch metric the curves show first: the one the search learns from. */
  epochMetric: string;
  keys: string[];
  logKeys: string[];
  /** Trials the sweep plans in all (its grid, or max_trials). */
  planned: number;
  maxTimeS: number | null;
  phase: SweepPhase;
  /** First start line of the folder's first run. */
  startedAt: number | null;
  /** Seconds run by runs that ended, plus the current run up to its last line. */
  wallSeconds: number;
  /** The running run's start, null when none is running. */
  runStartedAt: number | null;
  lastLineAt: number | null;
  /** Silence after which a run without an end line shows as stalled?, in seconds. */
  stallAfterS: number;
  /** Trials that ran at once at most in the current run: the estimate of time left divides by it. */
  parallel: number;
}

/** A sweep.log line as pino wrote it (run-sweep.ts eventRecorder). */
export type LogLine = Record<string, unknown> & { event?: unknown; time?: unknown };

/** What one change did, for the page: a trial replaced whole, an epoch added, or the header. */
export type StateChange =
  | { type: 'trial'; trial: LiveTrial }
  | { type: 'epoch'; id: string; point: EpochPoint; stop: boolean }
  | { type: 'header'; header: SweepHeader };

/** Ten minutes, or three times the longest silence a run has had between two lines. */
const MIN_STALL_S = 600;

/** A name `convsweep run` gives a trial's folder: one path segment, no dot first. */
export function isTrialFolderName(name: string): boolean {
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name);
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function epochPoint(row: Partial<HistoryRow> | Record<string, unknown>): EpochPoint {
  return { epoch: finite(row.epoch) ?? 0, loss: finite(row.loss) ?? Number.NaN, accuracy: finite(row.accuracy) ?? Number.NaN, val_loss: finite(row.val_loss), val_accuracy: finite(row.val_accuracy) };
}

export class SweepState {
  readonly header: SweepHeader;
  readonly trials = new Map<string, LiveTrial>();
  private runStartLineAt: number | null = null;
  private endedRunsS = 0;
  private longestGapMs = 0;
  private runEnd: Record<string, unknown> | null = null;
  private sawStart = false;
  /** Ids of the running trials, kept as they change: a log of thousands of lines is read in one pass. */
  private readonly running = new Set<string>();

  constructor(key: string, definition: Record<string, unknown>) {
    const space = (isObject(definition.space) ? definition.space : isObject(definition.grid) ? definition.grid : {}) as Record<string, unknown>;
    const early = isObject(definition.early_stopping) ? definition.early_stopping : undefined;
    const metric = typeof definition.metric === 'string' ? definition.metric : 'test_accuracy';
    const fixed = Array.isArray(definition.trials) ? definition.trials : [];
    this.header = {
      key,
      name: typeof definition.name === 'string' ? definition.name : key,
      description: typeof definition.description === 'string' ? definition.description : null,
      method: typeof definition.method === 'string' ? definition.method : 'grid',
      pruner: typeof early?.type === 'string' ? early.type : 'none',
      metric,
      goal: definition.goal === 'minimize' || definition.goal === 'maximize' ? definition.goal : metric.endsWith('loss') ? 'minimize' : 'maximize',
      epochMetric: typeof early?.metric === 'string' ? early.metric : searchMetricFor(metric),
      keys: Object.keys(space),
      logKeys: Object.entries(space)
        .filter(([, e]) => isObject(e) && String(e.distribution).endsWith('log_uniform'))
        .map(([k]) => k),
      planned: finite(definition.max_trials) ?? fixed.length,
      maxTimeS: finite(definition.max_time_s),
      phase: 'not started',
      startedAt: null,
      wallSeconds: 0,
      runStartedAt: null,
      lastLineAt: null,
      stallAfterS: MIN_STALL_S,
      parallel: 1,
    };
    // The planned trials a grid or random sweep knows from the start: queued until they start.
    for (const record of fixed) {
      if (!isObject(record) || typeof record.id !== 'string' || !isTrialFolderName(record.id) || !isObject(record.values)) continue;
      this.trials.set(record.id, this.blank(record.id, finite(record.number) ?? (finite(record.index) ?? -1) + 1, record.values, TrialStatus.QUEUED));
    }
  }

  private blank(id: string, number: number | null, values: Record<string, unknown> | null, status: string): LiveTrial {
    return { id, number: number !== null && number > 0 ? number : null, label: values ? trialLabel(values) : id, status, values, metrics: {}, history: [], prunedAt: null, error: null, kind: null, startedAt: null, endedAt: null };
  }

  /** A trial folder as read (the leaderboard's row and its history.csv): the record of a trial that ended. */
  applyFolder(row: LeaderboardRow, history: HistoryRow[]): StateChange[] {
    const known = this.trials.get(row.trial_id);
    const trial: LiveTrial = {
      ...(known ?? this.blank(row.trial_id, row.number, row.values, row.status)),
      number: row.number ?? known?.number ?? null,
      label: row.label,
      status: row.status,
      values: row.values ?? known?.values ?? null,
      metrics: Object.fromEntries(METRIC_COLUMNS.map((c) => [c, row[c]])),
      error: row.error,
      kind: row.error_kind,
    };
    if (history.length > 0 || row.status === TrialStatus.COMPLETED || row.status === TrialStatus.PRUNED) trial.history = history.map(epochPoint);
    trial.prunedAt = row.status === TrialStatus.PRUNED ? (trial.history.at(-1)?.epoch ?? row.epochs_run ?? null) : null;
    return [this.replace(trial)];
  }

  /** Lines of sweep.log in order; returns what they changed, the header once at the end. */
  applyLines(lines: LogLine[]): StateChange[] {
    const changes = lines.flatMap((line) => this.applyLine(line));
    if (lines.length === 0) return changes;
    this.refreshHeader();
    changes.push({ type: 'header', header: { ...this.header } });
    return changes;
  }

  /** One line (the header is refreshed by applyLines, once a batch: a log of many lines reads in one pass). */
  private applyLine(line: LogLine): StateChange[] {
    const time = typeof line.time === 'string' ? Date.parse(line.time) : Number.NaN;
    if (!Number.isFinite(time)) return [];
    const h = this.header;
    const previousLineAt = h.lastLineAt;
    if (previousLineAt !== null && this.runStartLineAt !== null) this.longestGapMs = Math.max(this.longestGapMs, time - previousLineAt);
    h.lastLineAt = time;
    const changes: StateChange[] = [];
    // An id is a folder name under trials/: anything else in a log line is not a trial of this sweep.
    const id = typeof line.id === 'string' && isTrialFolderName(line.id) ? line.id : undefined;
    switch (line.event) {
      case 'start': {
        // A run killed before its end line ran until its last line (as sweep-timing.ts counts it).
        if (this.runStartLineAt !== null) this.endedRunsS += ((previousLineAt ?? time) - this.runStartLineAt) / 1000;
        this.sawStart = true;
        this.runStartLineAt = time;
        this.runEnd = null;
        this.longestGapMs = 0;
        h.startedAt ??= time;
        h.runStartedAt = time;
        h.parallel = 1;
        const planned = finite(line.trials);
        if (planned !== null) h.planned = planned;
        // Trials a killed run left running are not running any more: the new run starts them again.
        for (const id of [...this.running]) changes.push(this.replace({ ...this.trials.get(id)!, status: TrialStatus.QUEUED, history: [] }));
        break;
      }
      case 'end':
        if (this.runStartLineAt !== null) this.endedRunsS += (time - this.runStartLineAt) / 1000;
        this.runStartLineAt = null;
        this.runEnd = line;
        h.runStartedAt = null;
        for (const id of [...this.running]) changes.push(this.replace({ ...this.trials.get(id)!, status: TrialStatus.QUEUED, history: [] }));
        break;
      case 'trial-start':
        if (id === undefined) break;
        {
          const known = this.trials.get(id);
          const values = isObject(line.values) ? line.values : (known?.values ?? null);
          const trial = { ...(known ?? this.blank(id, finite(line.number), values, TrialStatus.RUNNING)), status: TrialStatus.RUNNING, values, number: finite(line.number) ?? known?.number ?? null, history: [], prunedAt: null, error: null, kind: null, metrics: {}, startedAt: time, endedAt: null };
          if (typeof line.label === 'string') trial.label = line.label;
          changes.push(this.replace(trial));
          h.parallel = Math.max(h.parallel, this.running.size);
        }
        break;
      case 'trial-epoch': {
        const trial = id === undefined ? undefined : this.trials.get(id);
        if (!trial || trial.status !== TrialStatus.RUNNING) break;
        const point = epochPoint(line);
        const stop = line.verdict === 'stop';
        trial.history = [...trial.history.filter((p) => p.epoch !== point.epoch), point];
        if (stop) trial.prunedAt = point.epoch;
        changes.push({ type: 'epoch', id: trial.id, point, stop });
        break;
      }
      case 'trial-end': {
        if (id === undefined) break;
        const known = this.trials.get(id) ?? this.blank(id, finite(line.number), null, TrialStatus.RUNNING);
        const status = typeof line.status === 'string' ? line.status : known.status;
        if (status === TrialStatus.STOPPED) {
          // Cancelled: not recorded, a resume runs it again.
          changes.push(this.replace({ ...known, status: TrialStatus.QUEUED, history: [], endedAt: null }));
          break;
        }
        const metrics = { ...known.metrics };
        const value = finite(line[h.metric]);
        if (value !== null) (metrics as Record<string, number>)[h.metric] = value;
        if (finite(line.epochs_run) !== null) metrics.epochs_run = finite(line.epochs_run);
        if (finite(line.duration_s) !== null) metrics.duration_s = finite(line.duration_s);
        const pruned = status === TrialStatus.PRUNED;
        changes.push(this.replace({ ...known, status, metrics, endedAt: time, error: typeof line.message === 'string' ? line.message : known.error, kind: typeof line.kind === 'string' ? line.kind : known.kind, prunedAt: pruned ? (known.prunedAt ?? known.history.at(-1)?.epoch ?? null) : null }));
        break;
      }
      case 'trial-refused': {
        const number = finite(line.number);
        if (number === null || !isObject(line.values)) break;
        const refusedId = sampledTrialId(number, line.values);
        const known = this.trials.get(refusedId);
        changes.push(this.replace({ ...(known ?? this.blank(refusedId, number, line.values, TrialStatus.FAILED)), status: TrialStatus.FAILED, kind: 'invalid', error: typeof line.message === 'string' ? line.message : 'refused', endedAt: time }));
        break;
      }
    }
    return changes;
  }

  private replace(trial: LiveTrial): StateChange {
    this.trials.set(trial.id, trial);
    if (trial.status === TrialStatus.RUNNING) this.running.add(trial.id);
    else this.running.delete(trial.id);
    return { type: 'trial', trial };
  }

  /** The lifecycle fields after a line: phase, wall time, when silence means stalled. */
  refreshHeader(): void {
    const h = this.header;
    const running = this.runStartLineAt !== null;
    h.wallSeconds = this.endedRunsS + (running && h.lastLineAt !== null ? (h.lastLineAt - this.runStartLineAt!) / 1000 : 0);
    h.stallAfterS = Math.max(MIN_STALL_S, (3 * this.longestGapMs) / 1000);
    h.phase = sweepPhase({ sawStart: this.sawStart, running, end: this.runEnd, finished: this.counts().finished, planned: h.planned });
  }

  counts(): Record<'completed' | 'pruned' | 'failed' | 'running' | 'queued' | 'unreadable' | 'finished', number> {
    const c = { completed: 0, pruned: 0, failed: 0, running: 0, queued: 0, unreadable: 0, finished: 0 };
    for (const t of this.trials.values()) if (t.status in c) c[t.status as keyof typeof c]++;
    c.finished = c.completed + c.pruned + c.failed;
    // Planned trials not known by id yet (TPE asks for them from results) are queued too.
    c.queued = Math.max(c.queued, this.header.planned - c.finished - c.running - c.unreadable, 0);
    return c;
  }

  snapshot(): { header: SweepHeader; trials: LiveTrial[] } {
    return { header: { ...this.header }, trials: [...this.trials.values()] };
  }
}
