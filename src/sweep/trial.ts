/**
 * A trial: one point of a sweep's space, with a stable id derived from its values, and the small
 * record of how it ended. A trial's folder trials/<id>/ holds either everything `train` writes
 * plus trial.json (completed), or trial.json and error.json (failed); it appears whole or not at all.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NonFiniteLossError } from '../errors.js';
import { stagingFolder } from '../fs-atomic.js';
import { checkRunMetrics, type RunMetrics } from '../train/metrics.js';
import { METRICS_FILE } from '../train/run-folder.js';
import type { RunnableConfig } from '../train/run.js';

import { TrialStatus } from './status.js';

export { TrialStatus };

/**
 * refused: a queue worker found the trial's job invalid and never ran it; invalid: a sampled
 * trial's values make an invalid config, so it never ran; lost: on a queue, the workers running it
 * vanished (killed, machine lost, cut off) max_retries + 1 times.
 */
export type FailureKind = 'error' | 'nan' | 'timeout' | 'crashed' | 'oom' | 'refused' | 'invalid' | 'lost';

export type TrialOutcome =
  | { status: typeof TrialStatus.COMPLETED | typeof TrialStatus.PRUNED; metrics: RunMetrics }
  | { status: typeof TrialStatus.FAILED; kind: FailureKind; message: string }
  | { status: typeof TrialStatus.STOPPED };

/**
 * How running out of memory shows: V8 and Node's words, a typed array too large to allocate, and a
 * WebAssembly heap that could not grow (tfjs-backend-wasm then writes out of bounds).
 */
const OUT_OF_MEMORY = /out of memory|\bOOM\b|ERR_WORKER_OUT_OF_MEMORY|allocation failed|heap limit|Invalid typed array length|memory access out of bounds|Cannot enlarge memory/i;

/** Why a trial failed, from what it threw (or what a dead worker or process left as its error). */
export function failureOf(err: unknown): { kind: FailureKind; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  if ((err as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY' || OUT_OF_MEMORY.test(message)) return { kind: 'oom', message };
  if (err instanceof NonFiniteLossError) return { kind: 'nan', message };
  return { kind: 'error', message };
}

/** Grid key → value, as written in the sweep file, in the grid's key order. */
export type TrialValues = Record<string, unknown>;

export interface Trial {
  id: string;
  label: string;
  /** 1-based: the order in which the trial was asked for (a grid's expansion order). */
  number: number;
  /** number − 1, kept in trial.json for the folders of earlier versions. */
  index: number;
  values: TrialValues;
  seed: number;
  /** The config this trial trains, exactly as runTraining receives it. */
  config: RunnableConfig;
}

/** trial.json: who this folder belongs to, without the config (config.json holds that). */
export interface TrialRecord {
  id: string;
  label: string;
  number: number;
  index: number;
  values: TrialValues;
  seed: number;
}

export interface FailureRecord {
  id: string;
  label: string;
  number: number;
  values: TrialValues;
  status: typeof TrialStatus.FAILED;
  kind: FailureKind;
  message: string;
}

export const TRIAL_FILE = 'trial.json';
export const ERROR_FILE = 'error.json';

/** JSON with object keys sorted at every depth, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** 10 hex characters of sha256 over the [key, value] pairs: the same grid point always gets the same id. */
export function trialId(values: TrialValues): string {
  return createHash('sha256').update(canonicalJson(Object.entries(values))).digest('hex').slice(0, 10);
}

/**
 * A sampled trial's id: its number, then a hash of its values (a random space can draw the same
 * values twice). Folders then list in the order the trials were asked for.
 */
export function sampledTrialId(number: number, values: TrialValues): string {
  return `${String(number).padStart(4, '0')}-${trialId(values).slice(0, 6)}`;
}

const LABEL_ABBREVIATIONS: Record<string, string> = { learning_rate: 'lr' };

function labelValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) return value.join(',');
  return JSON.stringify(value);
}

/** `filters=64,32,32 dropout=0.3 lr=0.001` */
export function trialLabel(values: TrialValues): string {
  return Object.entries(values)
    .map(([key, value]) => `${LABEL_ABBREVIATIONS[key] ?? key}=${labelValue(value)}`)
    .join(' ');
}

export function trialRecord(trial: Omit<Trial, 'config'>): TrialRecord {
  return { id: trial.id, label: trial.label, number: trial.number, index: trial.index, values: trial.values, seed: trial.seed };
}

export function trialRecordJson(trial: Omit<Trial, 'config'>): string {
  return `${JSON.stringify(trialRecord(trial), null, 2)}\n`;
}

/** The metrics of a trial that finished (completed or pruned), or undefined when its folder is missing, failed or incomplete (the report's rule: checkRunMetrics). */
export async function readFinishedMetrics(trialDir: string): Promise<RunMetrics | undefined> {
  try {
    const metrics = checkRunMetrics(JSON.parse(await readFile(join(trialDir, METRICS_FILE), 'utf8')));
    // A run the user cut short is not a finished trial: a resume trains it whole.
    return metrics.status === 'interrupted' ? undefined : metrics;
  } catch {
    return undefined;
  }
}

/** trials/<id>/ with trial.json and error.json, staged and renamed into place like a finished run. */
export async function writeFailedTrial(trialDir: string, trial: Omit<Trial, 'config'>, failure: { kind: FailureKind; message: string }): Promise<void> {
  const record: FailureRecord = { id: trial.id, label: trial.label, number: trial.number, values: trial.values, status: TrialStatus.FAILED, kind: failure.kind, message: failure.message };
  const staging = await stagingFolder(trialDir);
  try {
    await writeFile(join(staging.path, TRIAL_FILE), trialRecordJson(trial));
    await writeFile(join(staging.path, ERROR_FILE), `${JSON.stringify(record, null, 2)}\n`);
    await staging.commit();
  } catch (err) {
    await staging.discard();
    throw err;
  }
}

/**
 * Removes the `.<id>.partial-*` staging folders a killed worker or process left in `trialsDir`
 * (all of them, or one trial's). Only safe while no trial of this sweep is writing.
 */
export async function removeStagingLeftovers(trialsDir: string, id?: string): Promise<string[]> {
  const prefix = id === undefined ? '.' : `.${id}.partial-`;
  let entries: string[];
  try {
    entries = await readdir(trialsDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const stale = entries.filter((name) => name.startsWith(prefix) && name.includes('.partial-'));
  await Promise.all(stale.map((name) => rm(join(trialsDir, name), { recursive: true, force: true })));
  return stale;
}
