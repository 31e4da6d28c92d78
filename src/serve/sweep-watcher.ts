/**
 * One sweep folder followed live: its state built from the trial folders and sweep.log, then kept
 * current by the log's new lines (and, when a line says a trial ended, by its folder). Listeners
 * hear every change in the order the lines were written.
 */
import { join } from 'node:path';
import { parameterImportance, type Importance } from '../report/importance.js';
import { rankTrials, resolveRanking, type LeaderboardRow, type Ranking } from '../report/leaderboard.js';
import { listTrialFolders, readHistory, readSweepInfo, readTrial, type SweepInfo, type TrialEntry } from '../report/read-trials.js';
import { SWEEP_LOG, TRIALS_DIR } from '../sweep/folder-layout.js';
import { isFinished, TrialStatus } from '../sweep/status.js';
import { LogTail } from './log-tail.js';
import { SweepState, type LiveTrial, type LogLine, type StateChange } from './sweep-state.js';

export type WatcherChange = StateChange | { type: 'importance'; importance: Importance[] } | { type: 'reset' };

/** Trial folders read at once while building a sweep's state. */
const READ_CONCURRENCY = 32;

export class SweepWatcher {
  state!: SweepState;
  info!: SweepInfo;
  importance: Importance[] = [];
  private tail: LogTail | undefined;
  private listeners = new Set<(changes: WatcherChange[]) => void>();
  private closed = false;
  private endedWhileBuilding: string[] = [];

  private constructor(
    readonly key: string,
    readonly dir: string,
  ) {}

  static async open(key: string, dir: string): Promise<SweepWatcher> {
    const watcher = new SweepWatcher(key, dir);
    await watcher.build();
    return watcher;
  }

  subscribe(listener: (changes: WatcherChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(changes: WatcherChange[]): void {
    if (changes.length > 0) for (const listen of this.listeners) listen(changes);
  }

  /** The log first (who ran when, what is running), then the folders, which are the record of every trial that ended. */
  private async build(): Promise<void> {
    this.info = await readSweepInfo(this.dir);
    this.state = new SweepState(this.key, this.info.definition);
    let building = true;
    this.tail = new LogTail(join(this.dir, SWEEP_LOG), {
      onLines: (lines) => this.onLines(lines, building),
      onReset: () => {
        if (building) return;
        // The folder was made anew (a fresh run into it): everything is read again.
        void this.rebuild();
      },
    });
    await this.tail.start();
    const trialsDir = join(this.dir, TRIALS_DIR);
    let ids: string[] = [];
    try {
      ids = await listTrialFolders(this.dir);
    } catch {
      // No trials/ yet: a sweep whose run is only starting.
    }
    const entries: TrialEntry[] = [];
    for (let i = 0; i < ids.length; i += READ_CONCURRENCY) entries.push(...(await Promise.all(ids.slice(i, i + READ_CONCURRENCY).map((id) => readTrial(trialsDir, id)))));
    const rows = this.rank(entries);
    const histories = new Map<string, Awaited<ReturnType<typeof readHistory>>>();
    for (let i = 0; i < rows.length; i += READ_CONCURRENCY) {
      const batch = rows.slice(i, i + READ_CONCURRENCY).filter((r) => isFinished(r.status));
      for (const [id, history] of await Promise.all(batch.map(async (r) => [r.trial_id, await readHistory(join(trialsDir, r.trial_id))] as const))) histories.set(id, history);
    }
    for (const row of rows) {
      // A failed folder of an earlier attempt, which the running retry is about to replace.
      if (this.state.trials.get(row.trial_id)?.status === TrialStatus.RUNNING && !isFinished(row.status)) continue;
      this.state.applyFolder(row, histories.get(row.trial_id) ?? []);
    }
    this.state.refreshHeader();
    this.importance = this.computeImportance();
    building = false;
    for (const id of this.endedWhileBuilding.splice(0)) void this.readEnded(id);
  }

  private async rebuild(): Promise<void> {
    await this.tail?.close();
    if (this.closed) return;
    await this.build();
    this.emit([{ type: 'reset' }]);
  }

  /** The sweep's ranking; a metric the leaderboard cannot rank by (a hand-edited sweep.json) falls back to test_accuracy. */
  ranking(): Ranking {
    try {
      return resolveRanking(this.info);
    } catch {
      return resolveRanking(this.info, 'test_accuracy');
    }
  }

  private rank(entries: TrialEntry[]): LeaderboardRow[] {
    return rankTrials(entries, this.ranking());
  }

  /** The leaderboard of the folders as they are now (what `convsweep report` would write). */
  async leaderboard(): Promise<LeaderboardRow[]> {
    const ids = await listTrialFolders(this.dir).catch(() => [] as string[]);
    return this.rank(await Promise.all(ids.map((id) => readTrial(join(this.dir, TRIALS_DIR), id))));
  }

  private onLines(lines: string[], building: boolean): void {
    const parsed: LogLine[] = [];
    const ended: string[] = [];
    for (const text of lines) {
      let line: LogLine;
      try {
        line = JSON.parse(text);
      } catch {
        continue;
      }
      if (line === null || typeof line !== 'object') continue;
      parsed.push(line);
      if (line.event === 'trial-end' && typeof line.id === 'string') ended.push(line.id);
      // A resume whose grid grew rewrote sweep.json and renumbered the trial folders: read anew.
      if (line.event === 'grid-grown' && !building) {
        void this.rebuild();
        return;
      }
    }
    const changes: WatcherChange[] = this.state.applyLines(parsed);
    if (building) {
      // Ended while the folders were being listed: read again once the state is built.
      this.endedWhileBuilding.push(...ended);
      return;
    }
    this.emit(compact(changes));
    for (const id of ended) void this.readEnded(id);
  }

  /** The folder of a trial whose end line arrived: its metrics and history in full. */
  private async readEnded(id: string): Promise<void> {
    const entry = await readTrial(join(this.dir, TRIALS_DIR), id);
    if (this.closed || entry.status === 'unreadable') return;
    const history = isFinished(entry.status) ? await readHistory(entry.dir) : [];
    const [row] = this.rank([entry]);
    const changes: WatcherChange[] = this.state.applyFolder(row, history);
    this.state.refreshHeader();
    changes.push({ type: 'header', header: { ...this.state.header } });
    this.importance = this.computeImportance();
    changes.push({ type: 'importance', importance: this.importance });
    this.emit(changes);
  }

  private computeImportance(): Importance[] {
    const { metric, goal, keys, logKeys } = this.state.header;
    if (keys.length < 2) return [];
    const trials = [...this.state.trials.values()]
      .filter((t) => t.status === TrialStatus.COMPLETED && t.values && typeof t.metrics[metric as keyof LiveTrial['metrics']] === 'number')
      .map((t) => ({ values: t.values!, score: t.metrics[metric as keyof LiveTrial['metrics']] as number }));
    return parameterImportance({ trials, keys, logKeys: new Set(logKeys), goal });
  }

  snapshot(): { header: SweepState['header']; trials: LiveTrial[]; importance: Importance[] } {
    return { ...this.state.snapshot(), importance: this.importance };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    await this.tail?.close();
  }
}

/** Of a batch of changes, only the last header matters. */
function compact(changes: WatcherChange[]): WatcherChange[] {
  let lastHeader = -1;
  changes.forEach((c, i) => {
    if (c.type === 'header') lastHeader = i;
  });
  return changes.filter((c, i) => c.type !== 'header' || i === lastHeader);
}
