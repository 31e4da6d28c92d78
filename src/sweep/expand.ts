/**
 * A sweep's settings → its trials. A grid's trials are the cartesian product of its values, keys in
 * file order with the last key varying fastest; a space's are drawn by a sampler. Every value is
 * validated on the base config before any trial may run (the config schema, the dataset, the data
 * limits) — each grid combination too, and each list value and both bounds of each distribution of
 * a space — so that a sweep is refused whole rather than failing trial by trial; each refusal names
 * the sweep file, the key and the value.
 */
import { checkAgainstDataset, validateConfig } from '../config/load.js';
import type { ImageShape } from '../data/dataset.js';
import { InputError, type Problem } from '../errors.js';
import { checkRunnable, resolveRun, type RunnableConfig } from '../train/run.js';
import { gridKey, GridKeyError, parsePath, type GridKey } from './grid-keys.js';
import type { Sweep } from './load.js';
import { canonicalJson, sampledTrialId, trialId, trialLabel, type Trial, type TrialValues } from './trial.js';

/** What validation needs to know of the dataset. */
export interface DatasetFacts {
  imageShape: ImageShape;
  classes: number;
  /** Training examples in the whole set, before any train_limit. */
  trainCount: number;
}

type JsonObject = Record<string, unknown>;

function pointer(sweep: Sweep, key: string): string {
  return `/${sweep.method === 'grid' ? 'grid' : 'space'}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function describeProblem(p: Problem): string {
  return `${p.path ? `${p.path}: ` : ''}${p.message}${p.hint ? ` (${p.hint})` : ''}`;
}

/** The config a set of grid values gives, checked; InputError or GridKeyError when it is not valid. */
function variant(sweep: Sweep, keys: GridKey[], values: unknown[], facts: DatasetFacts, name: string): RunnableConfig {
  const config = structuredClone(sweep.base) as unknown as JsonObject;
  if (sweep.settings.epochs !== undefined) config.epochs = sweep.settings.epochs;
  // The sweep's data limits go into every trial's dataset (a grid key may still change them), so
  // that a trial's config.json, and best/config.json, retrain it exactly.
  const { trainLimit, testLimit } = sweep.settings;
  if (trainLimit !== undefined || testLimit !== undefined) {
    config.dataset = { ...(config.dataset as JsonObject), ...(trainLimit !== undefined ? { train_limit: trainLimit } : {}), ...(testLimit !== undefined ? { test_limit: testLimit } : {}) };
  }
  // Trials differ by their hyperparameters only: one seed for all, unless seed is a grid key.
  config.seed = sweep.base.seed ?? sweep.seed;
  config.name = name;
  keys.forEach((key, i) => key.apply(config, values[i]));
  const valid = validateConfig(config, sweep.baseFile);
  checkAgainstDataset(valid, sweep.baseFile, { imageShape: facts.imageShape, classes: facts.classes });
  const runnable = resolveRun(valid);
  checkRunnable(runnable, sweep.baseFile, facts.trainCount);
  return runnable;
}

/** The failure of a variant as problems of the sweep file at `path`. */
function refusal(err: unknown, sweepFile: string, path: string, what: string): Problem[] {
  if (err instanceof GridKeyError) return [{ file: sweepFile, path, message: `${what} ${err.message}`, hint: err.hint }];
  if (err instanceof InputError) return err.problems.map((p) => ({ file: sweepFile, path, message: `${what} makes the config invalid: ${describeProblem(p)}` }));
  throw err;
}

function cartesian(lists: readonly unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((combos, list) => combos.flatMap((combo) => list.map((value) => [...combo, value])), [[]]);
}

/** The values a key is checked with alone: a list's values, a distribution's bounds. */
function valuesToCheck(sweep: Sweep, key: string): unknown[] {
  if (sweep.method === 'grid') return sweep.definition.grid![key];
  const dim = sweep.space.find((d) => d.key === key)!;
  return dim.kind === 'categorical' ? dim.choices : [dim.min, dim.max];
}

/** Whether a setting takes numbers: what a shortcut sets, or the base config's value at a path. */
function numericSetting(key: string, base: JsonObject): boolean {
  if (key === 'optimizer') return false;
  if (['filters', 'dropout', 'units', 'learning_rate', 'batch_size', 'epochs'].includes(key)) return true;
  try {
    const segments = parsePath(key);
    let node: unknown = base;
    for (const segment of segments) node = (node as Record<string | number, unknown> | undefined)?.[segment];
    return node === undefined || typeof node === 'number';
  } catch {
    return true;
  }
}

/**
 * The appliers of the sweep's keys, each key's values checked alone on the base config; InputError
 * listing every problem.
 */
export function checkSettings(sweep: Sweep, facts: DatasetFacts): GridKey[] {
  const keys = sweep.method === 'grid' ? Object.keys(sweep.definition.grid!) : sweep.space.map((d) => d.key);
  const problems: Problem[] = [];
  const appliers = keys.map((key): GridKey | undefined => {
    try {
      return gridKey(key, sweep.base as unknown as JsonObject);
    } catch (err) {
      if (!(err instanceof GridKeyError)) throw err;
      problems.push({ file: sweep.file, path: pointer(sweep, key), message: err.message, hint: err.hint });
      return undefined;
    }
  });
  keys.forEach((key, k) => {
    const applier = appliers[k];
    if (!applier) return;
    const dim = sweep.space.find((d) => d.key === key);
    if (dim?.kind === 'numeric' && !numericSetting(key, sweep.base as unknown as JsonObject)) {
      problems.push({ file: sweep.file, path: pointer(sweep, key), message: `${key} is not a number in the base config, so it cannot take a ${dim.distribution} distribution`, hint: 'list the values to try instead, e.g. ["Adam", "SGD"]' });
      return;
    }
    const values = valuesToCheck(sweep, key);
    const seen = new Set<string>();
    const failures: { value: unknown; err: unknown }[] = [];
    for (const value of values) {
      const text = canonicalJson(value);
      if (sweep.method === 'grid' && seen.has(text)) problems.push({ file: sweep.file, path: pointer(sweep, key), message: `value ${JSON.stringify(value)} is listed twice`, hint: 'each value gives one trial; list it once' });
      seen.add(text);
      try {
        variant(sweep, [applier], [value], facts, sweep.name);
      } catch (err) {
        failures.push({ value, err });
      }
    }
    // The same problem for every value is the key's (a misspelt "learning_rat"): said once, not blamed on each value.
    const shared = values.length > 1 && failures.length === values.length ? failures.map((f) => refusal(f.err, sweep.file, pointer(sweep, key), dim?.kind === 'numeric' ? 'both bounds' : 'every value')) : [];
    if (shared.length > 0 && shared.every((p) => canonicalJson(p) === canonicalJson(shared[0]))) problems.push(...shared[0]);
    else for (const f of failures) problems.push(...refusal(f.err, sweep.file, pointer(sweep, key), `${dim?.kind === 'numeric' ? 'bound' : 'value'} ${JSON.stringify(f.value)}`));
  });
  if (problems.length > 0) throw new InputError(problems);
  return appliers as GridKey[];
}

/** Builds the trial of a number and its values; InputError when they make an invalid config. */
export type TrialFactory = (number: number, values: TrialValues) => Trial;

export function trialFactory(sweep: Sweep, facts: DatasetFacts, appliers: GridKey[]): TrialFactory {
  return (number, values) => {
    const id = sweep.method === 'grid' ? trialId(values) : sampledTrialId(number, values);
    const label = trialLabel(values);
    const config = variant(sweep, appliers, appliers.map((a) => values[a.key]), facts, `${sweep.name}-${id}`);
    return { id, label, number, index: number - 1, values, seed: config.seed, config };
  };
}

/** Every trial of a grid sweep, in order; InputError listing every problem when any variant is invalid. */
export function expandSweep(sweep: Sweep, facts: DatasetFacts): Trial[] {
  const appliers = checkSettings(sweep, facts);
  const make = trialFactory(sweep, facts, appliers);
  const entries = Object.entries(sweep.definition.grid!);
  const problems: Problem[] = [];
  const trials = cartesian(entries.map(([, values]) => values)).map((combo, index): Trial | undefined => {
    const values: TrialValues = Object.fromEntries(entries.map(([key], k) => [key, combo[k]]));
    try {
      return make(index + 1, values);
    } catch (err) {
      problems.push(...refusal(err, sweep.file, '/grid', `the combination ${trialLabel(values)}`));
      return undefined;
    }
  });
  if (problems.length > 0) throw new InputError(problems);
  return trials as Trial[];
}

/** What an invalid sampled trial's failure says (it never runs). */
export function describeRefusal(err: unknown, sweepFile: string, values: TrialValues): string {
  return refusal(err, sweepFile, '/space', `the values ${trialLabel(values)}`)
    .map((p) => `${p.message}`)
    .join('; ');
}
