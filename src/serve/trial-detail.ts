/**
 * What the trial page shows beyond the trial's row: its settings as a diff against the sweep's base
 * config, the files in its folder (config.json, model/, confusion matrices, history), its own log
 * (train.log) and, for a failed trial, error.json.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { resolveInside } from './safe-path.js';
import { readConfusionCsv } from '../report/read-trials.js';
import { TRIALS_DIR } from '../sweep/folder-layout.js';
import { ERROR_FILE } from '../sweep/trial.js';
import { CONFIG_FILE } from '../train/run-folder.js';
import { settingsDiff, type SettingChange } from './settings-diff.js';

export interface TrialDetail {
  /** Paths inside the sweep folder, for /files/. */
  files: { path: string; size: number }[];
  config: unknown;
  /** null when the trial has no config.json (it failed before training). */
  diff: SettingChange[] | null;
  confusion: Record<'train' | 'test', { labels: string[]; matrix: number[][] } | null>;
  log: string;
  error: unknown;
}

/** The last bytes of a trial's log the page shows. */
const LOG_TAIL_BYTES = 200_000;

/** A file of the trial's folder as text, only when it really lies inside the served folder (a symbolic link out is not followed). */
async function readInside(fence: string, path: string): Promise<string | undefined> {
  try {
    return await readFile(await resolveInside(fence, path, []), 'utf8');
  } catch {
    return undefined;
  }
}

async function readJson(fence: string, path: string): Promise<unknown> {
  try {
    return JSON.parse((await readInside(fence, path)) ?? 'null');
  } catch {
    return null;
  }
}

async function listFiles(dir: string, base: string, depth = 0): Promise<{ path: string; size: number }[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: { path: string; size: number }[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isFile()) files.push({ path: relative(base, path).split(sep).join('/'), size: (await stat(path)).size });
    else if (entry.isDirectory() && depth < 2) files.push(...(await listFiles(path, base, depth + 1)));
  }
  return files;
}

/** `fence`: the served folder; `id`: a trial folder name the sweep knows (sweep-state.ts isTrialFolderName). */
export async function trialDetail(fence: string, sweepDir: string, definition: Record<string, unknown>, id: string): Promise<TrialDetail> {
  const dir = join(sweepDir, TRIALS_DIR, id);
  const config = await readJson(fence, join(dir, CONFIG_FILE));
  // None when it failed before training, or still runs (its log is in its staging folder until it ends).
  const text = (await readInside(fence, join(dir, 'train.log'))) ?? '';
  const log = text.length > LOG_TAIL_BYTES ? text.slice(text.length - LOG_TAIL_BYTES) : text;
  return {
    files: await listFiles(dir, sweepDir),
    config,
    diff: config === null ? null : settingsDiff(definition.resolved_base ?? {}, config),
    confusion: { train: await confusion(fence, dir, 'train'), test: await confusion(fence, dir, 'test') },
    log,
    error: await readJson(fence, join(dir, ERROR_FILE)),
  };
}

async function confusion(fence: string, dir: string, split: 'train' | 'test'): Promise<{ labels: string[]; matrix: number[][] } | null> {
  const path = join(dir, `confusion-${split}.csv`);
  if ((await readInside(fence, path)) === undefined) return null;
  return (await readConfusionCsv(path)) ?? null;
}
