/**
 * The sweep's wall time, from its sweep.log (the JSON lines the sweep writes): how long it ran by
 * the clock — each `convsweep run` of the folder from its start line to its end line (a run killed
 * before its end line, up to its last line) — and when each trial started and ended, in seconds
 * since the first start (a resumed sweep's pauses stay in, as they happened). The trials' own
 * durations add up to more than the wall time when they ran side by side. A missing or unreadable
 * log gives no figures.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SWEEP_LOG } from '../sweep/folder-layout.js';

interface LogEntry {
  event: unknown;
  id: unknown;
  /** Milliseconds since the epoch. */
  time: number;
}

async function logEntries(sweepDir: string): Promise<LogEntry[] | undefined> {
  let text: string;
  try {
    text = await readFile(join(sweepDir, SWEEP_LOG), 'utf8');
  } catch {
    return undefined;
  }
  const entries: LogEntry[] = [];
  for (const line of text.split('\n')) {
    let entry: { event?: unknown; id?: unknown; time?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    // log.ts writes ISO times.
    const time = typeof entry.time === 'string' ? Date.parse(entry.time) : Number.NaN;
    if (Number.isFinite(time)) entries.push({ event: entry.event, id: entry.id, time });
  }
  return entries;
}

/** Seconds the sweep ran, or undefined when its sweep.log is missing or records no start. */
export async function sweepWallSeconds(sweepDir: string): Promise<number | undefined> {
  const entries = await logEntries(sweepDir);
  if (!entries) return undefined;
  let total = 0;
  let started: number | undefined;
  let last: number | undefined;
  let sawStart = false;
  for (const { event, time } of entries) {
    if (event === 'start') {
      if (started !== undefined && last !== undefined) total += last - started;
      started = time;
      sawStart = true;
    } else if (event === 'end' && started !== undefined) {
      total += time - started;
      started = undefined;
    }
    last = time;
  }
  if (started !== undefined && last !== undefined) total += last - started;
  return sawStart ? total / 1000 : undefined;
}

export interface TrialTimes {
  startS?: number;
  endS?: number;
}

/** Each trial's start and end, by id, in seconds since the sweep's first start. */
export async function readTimeline(sweepDir: string): Promise<Map<string, TrialTimes>> {
  const times = new Map<string, TrialTimes>();
  let origin: number | undefined;
  for (const { event, id, time } of (await logEntries(sweepDir)) ?? []) {
    if (event === 'start') origin ??= time;
    if (origin === undefined || typeof id !== 'string') continue;
    const trial = times.get(id) ?? {};
    if (event === 'trial-start') trial.startS = (time - origin) / 1000;
    if (event === 'trial-end') trial.endS = (time - origin) / 1000;
    times.set(id, trial);
  }
  return times;
}

export interface TrialClock {
  /** Milliseconds since the epoch. */
  startMs?: number;
  endMs?: number;
}

/** Each trial's start and end by the clock, by id (the last of each when a resume ran it again). */
export async function readTrialClock(sweepDir: string): Promise<Map<string, TrialClock>> {
  const clock = new Map<string, TrialClock>();
  for (const { event, id, time } of (await logEntries(sweepDir)) ?? []) {
    if (typeof id !== 'string' || (event !== 'trial-start' && event !== 'trial-end')) continue;
    const trial = clock.get(id) ?? {};
    if (event === 'trial-start') trial.startMs = time;
    else trial.endMs = time;
    clock.set(id, trial);
  }
  return clock;
}
