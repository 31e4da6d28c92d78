/**
 * A sweep folder read and ranked: what the report is built from, and all that `convsweep best`
 * needs (so that command loads no chart renderer).
 */
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { shellWord } from '../shell-word.js';
import { TRIALS_DIR } from '../sweep/folder-layout.js';
import { rankTrials, resolveRanking, type LeaderboardRow, type Ranking } from './leaderboard.js';
import { groupReplicates, winningRow, type Configuration } from './replicates.js';
import { listTrialFolders, readSweepInfo, readTrial, type SweepInfo, type TrialEntry } from './read-trials.js';

export interface RankOptions {
  /** A metric column that replaces the sweep's metric (its goal follows the metric, see resolveRanking). */
  rankBy?: string;
  /**
   * An empty trials/: 'skip' (default; what the sweep runner wants when stopped before any trial
   * ended) returns without writing; 'error' throws InputError "no trials yet" (`convsweep report`).
   */
  ifEmpty?: 'skip' | 'error';
}

export interface SweepTrials {
  sweep: SweepInfo;
  trials: TrialEntry[];
  ranking: Ranking;
  rows: LeaderboardRow[];
  /** Seeds as replicates: configurations ranked by their mean (undefined without a seed key). */
  configurations?: Configuration[];
  /** The trial named best, whose folder best/ copies; undefined when none completed. */
  best?: LeaderboardRow;
}

/** Reads and ranks a sweep folder; InputError when it is not one, or (ifEmpty 'error') has no trials. */
export async function rankSweep(sweepDir: string, options: RankOptions = {}): Promise<SweepTrials> {
  const sweep = await readSweepInfo(sweepDir);
  const ranking = resolveRanking(sweep, options.rankBy);
  const ids = await listTrialFolders(sweepDir);
  if (ids.length === 0 && options.ifEmpty === 'error') {
    throw new InputError({ file: join(sweepDir, TRIALS_DIR), path: '', message: 'no trials yet', hint: `wait until the sweep finishes a trial, or continue it: \`convsweep run\` on its sweep file with --resume --out ${shellWord(sweepDir)}` });
  }
  const trials = await Promise.all(ids.map((id) => readTrial(join(sweepDir, TRIALS_DIR), id)));
  const rows = rankTrials(trials, ranking);
  const configurations = groupReplicates(rows, ranking, sweep.gridKeys);
  return { sweep, trials, ranking, rows, ...(configurations ? { configurations } : {}), best: winningRow(rows, configurations) };
}
