/**
 * When each trial started and ended, from sweep.log (the JSON lines the sweep writes), in seconds
 * since the sweep's first start: the report's one source of wall time. A missing or unreadable log
 * gives an empty timeline; a resumed sweep's pauses stay in it, as they happened.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SWEEP_LOG } from '../sweep/folder-layout.js';

export interface TrialTimes {
  startS?: number;
  endS?: number;
}

export async function readTimeline(sweepDir: string): Promise<Map<string, TrialTimes>> {
  const times = new Map<string, TrialTimes>();
  let text: string;
  try {
    text = await readFile(join(sweepDir, SWEEP_LOG), 'utf8');
  } catch {
    return times;
  }
  let origin: number | undefined;
  for (const line of text.split('\n')) {
    let entry: { event?: unknown; id?: unknown; time?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    // pino writes ISO times in this project's logs (log.ts); epoch milliseconds are read too.
    const time = typeof entry.time === 'number' ? entry.time : typeof entry.time === 'string' ? Date.parse(entry.time) : Number.NaN;
    if (!Number.isFinite(time)) continue;
    if (entry.event === 'start') origin ??= time;
    if (origin === undefined || typeof entry.id !== 'string') continue;
    const at = (time - origin) / 1000;
    const trial = times.get(entry.id) ?? {};
    if (entry.event === 'trial-start') trial.startS = at;
    if (entry.event === 'trial-end') trial.endS = at;
    times.set(entry.id, trial);
  }
  return times;
}
