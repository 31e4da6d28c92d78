/**
 * A sweep's grid → its trials: the cartesian product of the grid's values, grid keys in file order
 * with the last key varying fastest. Every variant is validated before any trial may run (the
 * config schema, the dataset, the data limits), so a sweep is refused whole rather than failing
 * trial by trial; each refusal names the sweep file, the grid key and the value.
 */
import { checkAgainstDataset, validateConfig } from '../config/load.js';
import type { ImageShape } from '../data/dataset.js';
import { InputError, type Problem } from '../errors.js';
import { checkRunnable, resolveRun, type RunnableConfig } from '../train/run.js';
import { gridKey, GridKeyError, type GridKey } from './grid-keys.js';
import type { Sweep } from './load.js';
import { canonicalJson, trialId, trialLabel, type Trial, type TrialValues } from './trial.js';

/** What validation needs to know of the dataset. */
export interface DatasetFacts {
  imageShape: ImageShape;
  classes: number;
  /** Training examples in the whole set, before any train_limit. */
  trainCount: number;
}

type JsonObject = Record<string, unknown>;

function pointer(key: string): string {
  return `/grid/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
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

/** Every trial of the sweep, in order; InputError listing every problem when any variant is invalid. */
export function expandSweep(sweep: Sweep, facts: DatasetFacts): Trial[] {
  const entries = Object.entries(sweep.definition.grid);
  const problems: Problem[] = [];
  const keys = entries.map(([key]): GridKey | undefined => {
    try {
      return gridKey(key, sweep.base as unknown as JsonObject);
    } catch (err) {
      if (!(err instanceof GridKeyError)) throw err;
      problems.push({ file: sweep.file, path: pointer(key), message: err.message, hint: err.hint });
      return undefined;
    }
  });

  // Each value alone on the base config first, so a bad value is blamed on its own key.
  entries.forEach(([key, values], k) => {
    const applier = keys[k];
    if (!applier) return;
    const seen = new Set<string>();
    const failures: { value: unknown; err: unknown }[] = [];
    for (const value of values) {
      const text = canonicalJson(value);
      if (seen.has(text)) problems.push({ file: sweep.file, path: pointer(key), message: `value ${JSON.stringify(value)} is listed twice`, hint: 'each value gives one trial; list it once' });
      seen.add(text);
      try {
        variant(sweep, [applier], [value], facts, sweep.name);
      } catch (err) {
        failures.push({ value, err });
      }
    }
    // The same problem for every value is the key's (a misspelt "learning_rat"): said once, not blamed on each value.
    const shared = values.length > 1 && failures.length === values.length ? failures.map((f) => refusal(f.err, sweep.file, pointer(key), 'every value')) : [];
    if (shared.length > 0 && shared.every((p) => canonicalJson(p) === canonicalJson(shared[0]))) problems.push(...shared[0]);
    else for (const f of failures) problems.push(...refusal(f.err, sweep.file, pointer(key), `value ${JSON.stringify(f.value)}`));
  });
  if (problems.length > 0) throw new InputError(problems);

  const trials = cartesian(entries.map(([, values]) => values)).map((combo, index): Trial | undefined => {
    const values: TrialValues = Object.fromEntries(entries.map(([key], k) => [key, combo[k]]));
    const id = trialId(values);
    const label = trialLabel(values);
    try {
      const config = variant(sweep, keys as GridKey[], combo, facts, `${sweep.name}-${id}`);
      return { id, label, index, values, seed: config.seed, config };
    } catch (err) {
      problems.push(...refusal(err, sweep.file, '/grid', `the combination ${label}`));
      return undefined;
    }
  });
  if (problems.length > 0) throw new InputError(problems);
  return trials as Trial[];
}
