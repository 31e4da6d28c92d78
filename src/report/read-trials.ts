/**
 * A sweep folder as the report sees it: sweep.json and one record a trial folder, read from disk
 * alone. A trial that cannot be read (corrupted trial.json or metrics.json, a folder with neither
 * metrics.json nor error.json) is reported as "unreadable" with the reason, never an error for the
 * whole report; only a folder that is not a sweep folder at all is bad input.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { SWEEP_FILE, TRIALS_DIR } from '../sweep/folder-layout.js';
import { ERROR_FILE, TRIAL_FILE, trialLabel, type TrialValues } from '../sweep/trial.js';
import { METRICS_FILE } from '../train/run-folder.js';
import { checkRunMetrics, type RunMetrics } from '../train/metrics.js';
import { shellWord } from '../shell-word.js';
import { parseCsv, readHistory } from '../train/history-csv.js';

export { parseCsv, readHistory };

export type Goal = 'maximize' | 'minimize';

export interface SweepInfo {
  /** The sweep folder. */
  dir: string;
  /** sweep.json as stored. */
  definition: Record<string, unknown>;
  name: string;
  description?: string;
  /** The sweep's own ranking metric and goal (sweep.json; defaults test_accuracy, maximize). */
  metric: string;
  goal: Goal;
  /** Grid keys in the order the user wrote them: the leaderboard's column order. */
  gridKeys: string[];
}

/** The trial statuses of src/sweep/status.ts a folder can record, and unreadable. */
export type ReadStatus = 'completed' | 'pruned' | 'failed' | 'unreadable';

export interface TrialEntry {
  /** The folder name under trials/ (the id the runner gave it). */
  id: string;
  dir: string;
  status: ReadStatus;
  label: string;
  /** Position in the sweep's expansion order, when trial.json says. */
  index: number | null;
  /** 1-based: the order in which the trial was asked for (index + 1 in folders of earlier versions). */
  number?: number | null;
  /** Grid values as written; null when trial.json could not be read. */
  values: TrialValues | null;
  metrics?: RunMetrics;
  /** failed: the trial's error message; unreadable: why it could not be read. */
  error?: string;
  /** failed: error, nan, timeout, crashed, oom, refused. */
  kind?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Reads and parses a JSON file; a thrown Error's message says which file and what is wrong. */
async function readJsonFile(path: string, name: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${name}: cannot read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${name}: not valid JSON: ${(err as Error).message}`);
  }
}

const HINT_SWEEP_FOLDER = 'give the folder `convsweep run` wrote, e.g. results/<sweep name>';

/** sweep.json of `dir`; InputError when `dir` is not a sweep folder. */
export async function readSweepInfo(dir: string): Promise<SweepInfo> {
  let info;
  try {
    info = await stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError({ file: dir, path: '', message: 'no such folder', hint: HINT_SWEEP_FOLDER });
    throw err;
  }
  if (!info.isDirectory()) throw new InputError({ file: dir, path: '', message: 'is not a folder', hint: HINT_SWEEP_FOLDER });
  const file = join(dir, SWEEP_FILE);
  if (!(await exists(file))) throw new InputError({ file: dir, path: '', message: `not a sweep folder (no ${SWEEP_FILE})`, hint: HINT_SWEEP_FOLDER });
  let definition: unknown;
  try {
    definition = await readJsonFile(file, SWEEP_FILE);
  } catch (err) {
    throw new InputError({ file, path: '', message: (err as Error).message.replace(`${SWEEP_FILE}: `, '') });
  }
  if (!isObject(definition)) throw new InputError({ file, path: '', message: 'is not a JSON object' });
  // A grid sweep's settings are in grid, a random or TPE sweep's in space.
  const settings = isObject(definition.grid) ? definition.grid : isObject(definition.space) ? definition.space : undefined;
  if (!settings) throw new InputError({ file, path: '/grid', message: 'neither grid nor space is an object', hint: 'sweep.json is written by `convsweep run`; do not edit it' });
  const metric = typeof definition.metric === 'string' ? definition.metric : 'test_accuracy';
  const goal: Goal =
    definition.goal === 'maximize' || definition.goal === 'minimize' ? definition.goal : metric.endsWith('_loss') ? 'minimize' : 'maximize';
  const dirName = dir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? 'sweep';
  return {
    dir,
    definition,
    name: typeof definition.name === 'string' ? definition.name : dirName,
    description: typeof definition.description === 'string' ? definition.description : undefined,
    metric,
    goal,
    gridKeys: Object.keys(settings),
  };
}

/** The trial folders under trials/ (staging leftovers, whose names start with ".", skipped), sorted by name. */
export async function listTrialFolders(dir: string): Promise<string[]> {
  const trialsDir = join(dir, TRIALS_DIR);
  let entries;
  try {
    entries = await readdir(trialsDir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError({ file: dir, path: '', message: `has no ${TRIALS_DIR}/ folder, so no trial has run`, hint: `run the sweep first: \`convsweep run\` on its sweep file with --out ${shellWord(dir)}` });
    if (code === 'ENOTDIR') throw new InputError({ file: trialsDir, path: '', message: 'is not a folder' });
    throw err;
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One trial folder → its record; never throws for what is inside the folder. */
export async function readTrial(trialsDir: string, id: string): Promise<TrialEntry> {
  const dir = join(trialsDir, id);
  const entry: TrialEntry = { id, dir, status: 'unreadable', label: id, index: null, number: null, values: null };
  const unreadable = (reason: string): TrialEntry => ({ ...entry, status: 'unreadable', error: reason });

  let errorRecord: Record<string, unknown> | undefined;
  const hasError = await exists(join(dir, ERROR_FILE));
  if (hasError) {
    try {
      const parsed = await readJsonFile(join(dir, ERROR_FILE), ERROR_FILE);
      if (isObject(parsed)) errorRecord = parsed;
    } catch {
      // Judged below, when the trial has no metrics.json either.
    }
  }

  // trial.json says whose folder this is; error.json repeats it, so a failed trial survives without it.
  let record: Record<string, unknown> | undefined;
  try {
    const parsed = await readJsonFile(join(dir, TRIAL_FILE), TRIAL_FILE);
    if (!isObject(parsed) || !isObject(parsed.values)) throw new Error(`${TRIAL_FILE}: has no "values" object`);
    record = parsed;
  } catch (err) {
    if (!errorRecord || !isObject(errorRecord.values) || (await exists(join(dir, METRICS_FILE)))) return unreadable((err as Error).message);
    record = errorRecord;
  }
  entry.values = record.values as TrialValues;
  entry.label = typeof record.label === 'string' && record.label !== '' ? record.label : trialLabel(entry.values);
  entry.index = typeof record.index === 'number' && Number.isInteger(record.index) ? record.index : null;
  entry.number = typeof record.number === 'number' && Number.isInteger(record.number) ? record.number : entry.index === null ? null : entry.index + 1;

  if (await exists(join(dir, METRICS_FILE))) {
    try {
      entry.metrics = checkRunMetrics(await readJsonFile(join(dir, METRICS_FILE), METRICS_FILE));
    } catch (err) {
      return unreadable((err as Error).message);
    }
    return { ...entry, status: entry.metrics.status === 'pruned' ? 'pruned' : 'completed' };
  }
  if (hasError) {
    if (!errorRecord) return unreadable(`${ERROR_FILE}: not valid JSON`);
    const message = typeof errorRecord.message === 'string' ? errorRecord.message : 'failed (no message)';
    return { ...entry, status: 'failed', error: message, kind: typeof errorRecord.kind === 'string' ? errorRecord.kind : undefined };
  }
  return unreadable(`incomplete: neither ${METRICS_FILE} nor ${ERROR_FILE}`);
}

/** A confusion CSV (charts/confusion-chart.ts confusionCsv) → labels and matrix; undefined when missing or malformed. */
export async function readConfusionCsv(path: string): Promise<{ labels: string[]; matrix: number[][] } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const [header, ...rows] = parseCsv(text).filter((r) => r.length > 1 || r[0] !== '');
  if (!header || header.length < 2) return undefined;
  const labels = header.slice(1);
  if (rows.length !== labels.length) return undefined;
  const matrix = rows.map((r) => r.slice(1).map(Number));
  if (matrix.some((r) => r.length !== labels.length || r.some((n) => !Number.isFinite(n)))) return undefined;
  return { labels, matrix };
}
