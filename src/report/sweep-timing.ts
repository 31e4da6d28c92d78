/**
 * How long a sweep took by the clock, read from its sweep.log: each `convsweep run` of the folder
 * from its start line to its end line (a run killed before its end line, up to its last line).
 * The trials' own durations add up to more than this when they ran side by side.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SWEEP_LOG } from '../sweep/folder-layout.js';

/** Seconds the sweep ran, or undefined when its sweep.log is missing or records no start. */
export async function sweepWallSeconds(sweepDir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(sweepDir, SWEEP_LOG), 'utf8');
  } catch {
    return undefined;
  }
  let total = 0;
  let started: number | undefined;
  let last: number | undefined;
  let sawStart = false;
  for (const line of text.split('\n')) {
    let entry: { event?: unknown; time?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const time = typeof entry.time === 'string' ? Date.parse(entry.time) : Number.NaN;
    if (!Number.isFinite(time)) continue;
    if (entry.event === 'start') {
      if (started !== undefined && last !== undefined) total += last - started;
      started = time;
      sawStart = true;
    } else if (entry.event === 'end' && started !== undefined) {
      total += time - started;
      started = undefined;
    }
    last = time;
  }
  if (started !== undefined && last !== undefined) total += last - started;
  return sawStart ? total / 1000 : undefined;
}
