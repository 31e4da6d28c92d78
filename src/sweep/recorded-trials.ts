/**
 * What a sweep's folder already holds, as the search sees it: each trial folder's number, values,
 * status and per-epoch history. A resumed sweep rebuilds its sampler and pruner from these, so
 * resuming is the same code path as starting. Folders of earlier versions (trial.json without a
 * number) count by their expansion index; a folder whose trial no longer belongs to the sweep, or
 * that cannot be read, is left alone.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonObject } from '../json-object-file.js';
import { readHistory } from '../train/history-csv.js';
import type { TrialFactory } from './expand.js';
import { observe } from './loop.js';
import type { EpochMetric, Goal } from './objective.js';
import type { RecordedTrial } from './search.js';
import { finishedStatus, TrialStatus } from './status.js';
import { ERROR_FILE, readFinishedMetrics, TRIAL_FILE, type TrialValues } from './trial.js';

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

/**
 * `gridNumbers`: a grid's trial number by id. A grid's numbers follow from its expansion, not from
 * the folder (a grid that grew renumbers its points), so these win over trial.json's.
 */
export async function readRecordedTrials(trialsDir: string, makeTrial: TrialFactory, objective: { metric: EpochMetric; goal: Goal }, gridNumbers?: ReadonlyMap<string, number>): Promise<RecordedTrial[]> {
  let names: string[];
  try {
    names = (await readdir(trialsDir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } catch {
    return [];
  }
  const recorded: RecordedTrial[] = [];
  for (const name of names.sort()) {
    const dir = join(trialsDir, name);
    const record = (await readJsonObject(join(dir, TRIAL_FILE))) ?? (await readJsonObject(join(dir, ERROR_FILE)));
    if (!record || typeof record.values !== 'object' || record.values === null) continue;
    const number = gridNumbers?.get(name) ?? (Number.isInteger(record.number) ? (record.number as number) : Number.isInteger(record.index) ? (record.index as number) + 1 : undefined);
    if (number === undefined || number < 1) continue;
    let trial;
    try {
      trial = makeTrial(number, record.values as TrialValues);
    } catch {
      continue;
    }
    // Only this sweep's own trials: the id a number and values give must be the folder's.
    if (!trial || trial.id !== name) continue;
    const metrics = await readFinishedMetrics(dir);
    const status = metrics ? finishedStatus(metrics) : (await exists(join(dir, ERROR_FILE))) ? TrialStatus.FAILED : undefined;
    if (!status) continue;
    const history = metrics ? await readHistory(dir) : [];
    recorded.push({ ...observe(trial, status, history, objective), trial, history, metrics });
  }
  return recorded;
}
