/**
 * best/: the winning trial's resolved config (byte for byte its trials/<id>/config.json, so
 * `convsweep train best/config.json` retrains it as is), its saved model, metrics.json and
 * trial.json. Folders here are staged under a hidden sibling and swapped into place whole.
 */
import { randomBytes } from 'node:crypto';
import { cp, copyFile, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RunError } from '../errors.js';
import { stagingFolder } from '../fs-atomic.js';
import { TRIAL_FILE } from '../sweep/trial.js';
import { CONFIG_FILE, METRICS_FILE } from '../train/run-folder.js';
import type { LeaderboardRow } from './leaderboard.js';
import type { Configuration } from './replicates.js';
import { TRIALS_DIR } from '../sweep/folder-layout.js';

export const BEST_DIR = 'best';
export const MODEL_DIR = 'model';

export interface StagedFolder {
  /** Fill this folder, then commit(). */
  path: string;
  /** Puts the staged folder in place of `dest`, replacing what was there. */
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * A hidden sibling of `dest` to fill; commit() moves an existing `dest` aside, renames the staged
 * folder into place and only then removes the old one, so `dest` is always either whole-old or
 * whole-new (missing for an instant between the two renames).
 */
export async function stageFolder(dest: string): Promise<StagedFolder> {
  const staging = await stagingFolder(dest);
  return {
    path: staging.path,
    async commit() {
      const old = join(dirname(dest), `.${basename(dest)}.old-${process.pid}-${randomBytes(4).toString('hex')}`);
      let moved = false;
      try {
        await rename(dest, old);
        moved = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      try {
        await rename(staging.path, dest);
      } catch (err) {
        if (moved) await rename(old, dest).catch(() => undefined);
        throw err;
      }
      if (moved) await rm(old, { recursive: true, force: true });
    },
    discard: staging.discard,
  };
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what a killed report left in the sweep folder: staged or set-aside copies of the given
 * folders (`.charts.partial-<pid>-…`, `.best.old-<pid>-…`) and temporary files of the given files
 * (`.report.html.<pid>.<hex>.tmp`), when the process that made them is gone.
 */
export async function removeDeadLeftovers(dir: string, names: string[]): Promise<void> {
  const escaped = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const pattern = new RegExp(`^\\.(?:${escaped})(?:\\.(?:partial|old)-(\\d+)-[0-9a-f]+|\\.(\\d+)\\.[0-9a-f]+\\.tmp)$`);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1] ?? m[2]);
    if (!alive(pid)) await rm(join(dir, name), { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The exact text of a trial's config.json. */
export async function trialConfigText(sweepDir: string, trialId: string): Promise<string> {
  const file = join(sweepDir, TRIALS_DIR, trialId, CONFIG_FILE);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new RunError(`${file}: cannot read the best trial's config: ${(err as Error).message}`);
  }
}

/** Seeds as replicates: the winning configuration's replicates, beside the one best/ ships. */
export const REPLICATES_FILE = 'replicates.json';

/**
 * Writes best/ for the winning trial (with seeds as replicates, the winning configuration's
 * representative, and replicates.json saying so), or removes a stale best/ when no trial completed.
 */
export async function writeBestFolder(sweepDir: string, best: LeaderboardRow | undefined, configuration?: Configuration): Promise<void> {
  const dest = join(sweepDir, BEST_DIR);
  if (!best) {
    await rm(dest, { recursive: true, force: true });
    return;
  }
  const trialDir = join(sweepDir, TRIALS_DIR, best.trial_id);
  const staged = await stageFolder(dest);
  try {
    for (const file of [CONFIG_FILE, METRICS_FILE]) {
      try {
        await copyFile(join(trialDir, file), join(staged.path, file));
      } catch (err) {
        throw new RunError(`${join(trialDir, file)}: cannot copy into ${BEST_DIR}/: ${(err as Error).message}`);
      }
    }
    if (await exists(join(trialDir, TRIAL_FILE))) await copyFile(join(trialDir, TRIAL_FILE), join(staged.path, TRIAL_FILE));
    if (await exists(join(trialDir, MODEL_DIR))) await cp(join(trialDir, MODEL_DIR), join(staged.path, MODEL_DIR), { recursive: true });
    if (configuration) {
      const record = { configuration: configuration.label, values: configuration.values, n: configuration.n, mean: configuration.mean, sd: configuration.sd, seeds: configuration.seeds, trial_ids: configuration.trialIds, shipped: configuration.representative, why: 'the replicate nearest the mean' };
      await writeFile(join(staged.path, REPLICATES_FILE), `${JSON.stringify(record, null, 2)}\n`);
    }
    await staged.commit();
  } catch (err) {
    await staged.discard();
    throw err;
  }
}
