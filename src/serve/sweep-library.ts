/**
 * Every sweep under the served folder, each followed by one SweepWatcher that all pages share. The
 * folder is looked at again whenever a page asks for the list or for a sweep it does not know yet,
 * and when its folder changes, so that a sweep started after the server shows up by itself.
 */
import { TrialStatus } from '../sweep/status.js';
import { watch, type FSWatcher } from 'node:fs';
import { bestOf } from '../sweep/objective.js';
import { findSweeps, type SweepLocation } from './sweep-catalog.js';
import type { LiveTrial, SweepHeader } from './sweep-state.js';
import { SweepWatcher, type WatcherChange } from './sweep-watcher.js';

export interface SweepSummary {
  header: SweepHeader;
  counts: Record<string, number>;
  /** The best value of the sweep's metric among its completed trials. */
  best: number | null;
}

export function summarize(watcher: SweepWatcher): SweepSummary {
  const { state } = watcher;
  const metric = state.header.metric as keyof LiveTrial['metrics'];
  const values = [...state.trials.values()].filter((t) => t.status === TrialStatus.COMPLETED).map((t) => t.metrics[metric] ?? Number.NaN);
  return { header: { ...state.header }, counts: state.counts(), best: bestOf(state.header.goal, values) ?? null };
}

export class SweepLibrary {
  private watchers = new Map<string, Promise<SweepWatcher>>();
  private locations = new Map<string, SweepLocation>();
  private folderWatch: FSWatcher | undefined;
  private listListeners = new Set<(key: string) => void>();
  private rescanTimer: NodeJS.Timeout | undefined;
  private listCheck: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(readonly root: string) {}

  async rescan(): Promise<SweepLocation[]> {
    const found = await findSweeps(this.root);
    for (const location of found) {
      if (!this.locations.has(location.key)) {
        this.locations.set(location.key, location);
        for (const listen of this.listListeners) listen(location.key);
      }
    }
    if (!this.folderWatch && !this.closed) {
      try {
        this.folderWatch = watch(this.root, { persistent: false }, () => {
          clearTimeout(this.rescanTimer);
          this.rescanTimer = setTimeout(() => void this.rescan().catch(() => undefined), 200);
        });
        this.folderWatch.on('error', () => {
          this.folderWatch?.close();
          this.folderWatch = undefined;
        });
      } catch {
        // The folder does not exist yet (`run --ui` before its first write): looked at again on the next request.
      }
    }
    return [...this.locations.values()];
  }

  /** The watcher of a sweep, opened on first use; undefined for a key that is no sweep here. */
  async get(key: string): Promise<SweepWatcher | undefined> {
    if (!this.locations.has(key)) await this.rescan();
    const location = this.locations.get(key);
    if (!location) return undefined;
    let watcher = this.watchers.get(key);
    if (!watcher) {
      watcher = SweepWatcher.open(location.key, location.dir);
      this.watchers.set(key, watcher);
      watcher.then((w) => w.subscribe(() => this.listListeners.forEach((listen) => listen(key)))).catch(() => this.watchers.delete(key));
    }
    return watcher;
  }

  async summaries(): Promise<SweepSummary[]> {
    const locations = await this.rescan();
    const watchers = await Promise.all(locations.map((l) => this.get(l.key).catch(() => undefined)));
    return watchers.filter((w): w is SweepWatcher => w !== undefined).map(summarize);
  }

  /** Hears the key of every sweep that appears or changes. */
  onSweepChange(listener: (key: string) => void): () => void {
    this.listListeners.add(listener);
    // While a list is open the folder is looked at every 2 s too: a new sweep's folder is made
    // before its sweep.json, and the folder watch hears only the first.
    this.listCheck ??= setInterval(() => void this.rescan().catch(() => undefined), 2000);
    return () => {
      this.listListeners.delete(listener);
      if (this.listListeners.size === 0) {
        clearInterval(this.listCheck);
        this.listCheck = undefined;
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.rescanTimer);
    clearInterval(this.listCheck);
    this.folderWatch?.close();
    this.listListeners.clear();
    await Promise.all([...this.watchers.values()].map(async (w) => (await w.catch(() => undefined))?.close()));
  }
}

export type { WatcherChange };
