/**
 * A grid that grew between runs. A grid trial's id is a hash of its values, so `--resume` with
 * values added to the grid keeps every trial already in the folder and runs only the new points.
 * Values may be added, not removed: the finished trials of a removed value would drop out of the
 * report. Anything else that changed (the base config, the limits, the metric) still refuses.
 *
 * Adding a value renumbers the grid (trial n is the n-th point of the expansion): the kept folders'
 * trial.json (and error.json) get their new numbers, so that the leaderboard and the search agree.
 */
import { join } from 'node:path';
import { readJsonObject } from '../json-object-file.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { ERROR_FILE, TRIAL_FILE } from './trial.js';

/** The keys of sweep.json that differ when only the grid's values changed. */
const GRID_KEYS = new Set(['grid', 'trials']);

interface PlannedTrial {
  id: string;
  label: string;
  number: number;
}

export type GridChange =
  | { kind: 'grown'; kept: number; added: number }
  /** Trials of the folder whose values are no longer in the grid. */
  | { kind: 'shrunk'; lost: string[] };

function plannedTrials(record: Record<string, unknown>): PlannedTrial[] | undefined {
  const trials = record.trials;
  if (!Array.isArray(trials)) return undefined;
  return trials.every((t) => t && typeof t.id === 'string' && typeof t.label === 'string' && Number.isInteger(t.number)) ? (trials as PlannedTrial[]) : undefined;
}

/**
 * How the grid changed between the folder's sweep.json (`previous`) and this run's (`next`), or
 * undefined when something other than the grid's values differs (or nothing does).
 */
export function gridChange(previous: Record<string, unknown>, next: Record<string, unknown>, differing: readonly string[]): GridChange | undefined {
  if (differing.length === 0 || !differing.every((key) => GRID_KEYS.has(key))) return undefined;
  if (next.grid === undefined || previous.grid === undefined) return undefined;
  const before = plannedTrials(previous);
  const after = plannedTrials(next);
  if (!before || !after) return undefined;
  const ids = new Set(after.map((t) => t.id));
  const lost = before.filter((t) => !ids.has(t.id));
  if (lost.length > 0) return { kind: 'shrunk', lost: lost.map((t) => t.label) };
  return { kind: 'grown', kept: before.length, added: after.length - before.length };
}

/**
 * Gives each kept trial folder the number its values have in the grown grid. Idempotent, so a crash
 * half-way is mended by the next --resume, which finds the same change again.
 */
export async function renumberTrialFolders(trialsDir: string, trials: readonly PlannedTrial[]): Promise<number> {
  let renumbered = 0;
  for (const trial of trials) {
    for (const file of [TRIAL_FILE, ERROR_FILE]) {
      const path = join(trialsDir, trial.id, file);
      const record = await readJsonObject(path);
      if (!record || record.number === trial.number) continue;
      const updated = { ...record, number: trial.number, ...('index' in record ? { index: trial.number - 1 } : {}) };
      await writeFileAtomic(path, `${JSON.stringify(updated, null, 2)}\n`);
      if (file === TRIAL_FILE) renumbered++;
    }
  }
  return renumbered;
}
