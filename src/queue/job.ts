/**
 * A trial as it travels through the queue: plain data in (the resolved config, its data limits
 * included, and which dataset), plain data out (the outcome, and where the finished trial's files wait). A worker
 * runs nothing it has not checked: a payload that is not exactly this shape, or whose config the
 * config schema rejects, is refused and never trained.
 */
import { validateConfig } from '../config/load.js';
import { InputError } from '../errors.js';
import type { TrialOutcome, TrialRecord } from '../sweep/trial.js';
import type { RunnableConfig } from '../train/run.js';

export const JOB_FORMAT = 3;
/** BullMQ job name of every trial. */
export const TRIAL_JOB_NAME = 'trial';
/** How a refused job's failedReason starts, so the coordinator can tell a refusal from a crash. */
export const REFUSED_PREFIX = 'refused: ';
/** How the failedReason of a trial whose workers vanished max_retries + 1 times starts. */
export const LOST_PREFIX = 'lost: ';

/** The dataset a trial trains on: the MNIST every installation embeds, or one the coordinator sent. */
export type DatasetRef = { kind: 'mnist' } | { kind: 'sent'; name: string; sha256: string };

export interface TrialJobData {
  format: typeof JOB_FORMAT;
  sweep: string;
  trial: TrialRecord;
  config: RunnableConfig;
  timeoutS?: number;
  /** The sweep stops losing trials early: after each epoch the worker waits for the coordinator's verdict. */
  prunable?: boolean;
  dataset: DatasetRef;
}

/** One file of a finished trial, as the worker stored it. */
export interface SentFile {
  bytes: number;
  sha256: string;
}

export interface TrialJobResult {
  outcome: TrialOutcome;
  /** A completed trial's files: the Redis hash that holds them and what each must be. */
  files?: { key: string; manifest: Record<string, SentFile> };
  /** The worker's --name. */
  worker: string;
}

/** A job that must not run; its message goes to the coordinator as the failure. */
export class JobRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobRefused';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkShape(data: unknown): asserts data is TrialJobData {
  const fail = (what: string) => {
    throw new JobRefused(`malformed job: ${what}`);
  };
  if (!isObject(data)) fail('not an object');
  const d = data as Record<string, unknown>;
  if (d.format !== JOB_FORMAT) fail(`format ${JSON.stringify(d.format)}, this worker reads format ${JOB_FORMAT} (is it the same convsweep version as the coordinator?)`);
  const known = new Set(['format', 'sweep', 'trial', 'config', 'timeoutS', 'prunable', 'dataset']);
  const unknown = Object.keys(d).filter((k) => !known.has(k));
  if (unknown.length > 0) fail(`unknown fields ${unknown.join(', ')}`);
  if (typeof d.sweep !== 'string') fail('sweep is not a string');
  const t = d.trial;
  if (!isObject(t) || typeof t.id !== 'string' || !/^([0-9a-f]{10}|[0-9]{4,}-[0-9a-f]{6})$/.test(t.id) || typeof t.label !== 'string' || !Number.isInteger(t.index) || !isObject(t.values) || !Number.isInteger(t.seed)) {
    fail('trial is not {id, label, index, values, seed}');
  }
  if (d.timeoutS !== undefined && !(typeof d.timeoutS === 'number' && d.timeoutS > 0)) fail('timeoutS is not a positive number');
  if (d.prunable !== undefined && typeof d.prunable !== 'boolean') fail('prunable is not a boolean');
  const ds = d.dataset;
  const datasetOk = isObject(ds) && (ds.kind === 'mnist' ? Object.keys(ds).length === 1 : ds.kind === 'sent' && typeof ds.name === 'string' && typeof ds.sha256 === 'string' && /^[0-9a-f]{64}$/.test(ds.sha256));
  if (!datasetOk) fail('dataset is neither {kind: "mnist"} nor {kind: "sent", name, sha256}');
  if (!isObject(d.config)) fail('config is not an object');
}

/**
 * The job's data, checked: its shape, and its config against the config schema (the same
 * validation as `convsweep validate`). JobRefused otherwise, naming what is wrong.
 */
export function checkJobData(data: unknown, source: string): TrialJobData {
  checkShape(data);
  let config: RunnableConfig;
  try {
    config = validateConfig(data.config, source) as RunnableConfig;
  } catch (err) {
    if (err instanceof InputError) throw new JobRefused(`invalid config: ${err.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    throw err;
  }
  if (!Number.isInteger(config.seed)) throw new JobRefused('invalid config: no seed');
  if (config.seed !== data.trial.seed) throw new JobRefused(`invalid config: seed ${config.seed} is not the trial's seed ${data.trial.seed}`);
  return { ...data, config };
}
