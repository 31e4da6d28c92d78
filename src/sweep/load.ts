/**
 * A sweep file → a Sweep: parsed, checked against sweep.schema.json, its base config loaded and
 * validated like `convsweep validate` would, and its defaults filled. Problems are InputErrors,
 * one line each: `sweeps/x.json: /json/path: what is wrong (hint)`.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { loadConfigFile, parseConfigText, validateConfig, type ResolvedConfig } from '../config/load.js';
import { closest } from '../config/suggest.js';
import type { SweepDefinition } from '../config/types.generated.js';
import { InputError, type Problem } from '../errors.js';
import { standaloneConfig } from '../train/prepare.js';
import { EPOCH_METRICS, naturalGoal, searchMetricFor, type EpochMetric, type Goal } from './objective.js';
import { TPE_DEFAULTS, type TpeSettings } from './sampler/tpe.js';
import { parseSpace, type Dimension } from './space.js';

export type SweepMetric = NonNullable<SweepDefinition['metric']>;
export type SweepGoal = NonNullable<SweepDefinition['goal']>;
export type SearchMethod = NonNullable<SweepDefinition['method']>;

/** The sweep's early stopping, defaults filled. */
export type EarlyStoppingPlan =
  | { type: 'asha'; metric: EpochMetric; goal: Goal; minEpochs: number; reductionFactor: number }
  | { type: 'median'; metric: EpochMetric; goal: Goal; startupTrials: number; warmupEpochs: number };

export interface Sweep {
  /** The sweep file as given on the command line. */
  file: string;
  /** The file's content as written. */
  definition: SweepDefinition;
  name: string;
  /** The base config, validated, defaults filled. */
  base: ResolvedConfig;
  /** Where the base config came from: its own file, or the sweep file when inline. */
  baseFile: string;
  metric: SweepMetric;
  goal: SweepGoal;
  /** The seed of every trial unless the base config has one or seed is a grid key. */
  seed: number;
  trialTimeoutS?: number;
  /** On a queue: runs again of a trial whose worker vanished, before it fails as lost. */
  maxRetries: number;
  /** Data limits and epochs for every trial; CLI flags replace the file's values. */
  settings: SweepSettings;
  method: SearchMethod;
  /** random and tpe: what to draw from. */
  space: Dimension[];
  /** random and tpe: how many trials to ask for. */
  maxTrials?: number;
  maxTimeS?: number;
  tpe: TpeSettings;
  earlyStopping?: EarlyStoppingPlan;
  /** What the sampler and the pruner learn from: a per-epoch validation metric, never a test one. */
  searchObjective: { metric: EpochMetric; goal: Goal };
}

export interface SweepSettings {
  epochs?: number;
  trainLimit?: number;
  testLimit?: number;
}

const schema = JSON.parse(await readFile(new URL('../../../src/config/schema/sweep.schema.json', import.meta.url), 'utf8'));
// verbose: each error carries the value it judged, which an enum's did-you-mean and a grid's distribution hint need.
const validateDefinition = new Ajv({ allErrors: true, useDefaults: true, verbose: true }).compile<SweepDefinition>(schema);

/** The schema of the object at a sweep file's location, for naming its allowed keys. */
function schemaAt(path: string): { properties?: Record<string, unknown> } {
  if (path === '/early_stopping') return schema.definitions.EarlyStopping;
  if (path === '/tpe') return schema.definitions.TpeSettings;
  if (path.startsWith('/space/')) return schema.definitions.Distribution;
  return schema;
}

function schemaProblem(file: string, error: ErrorObject): Problem {
  const params = error.params as Record<string, unknown>;
  if (error.instancePath === '/base') return { file, path: '/base', message: 'must be a path to a config file or an inline config object' };
  if (error.keyword === 'type' && error.instancePath.startsWith('/grid/')) {
    const isDistribution = typeof error.data === 'object' && error.data !== null && 'distribution' in error.data;
    return isDistribution
      ? { file, path: error.instancePath, message: 'a grid lists the values to try; distributions are for random and tpe sweeps', hint: 'set "method": "random" (or "tpe") and rename "grid" to "space", with max_trials' }
      : { file, path: error.instancePath, message: 'must be a list of the values to try', hint: 'e.g. [0.2, 0.3]; a single value as [0.2]' };
  }
  switch (error.keyword) {
    case 'required':
      return { file, path: `${error.instancePath}/${params.missingProperty}`, message: `missing required key ${JSON.stringify(params.missingProperty)}` };
    case 'additionalProperties': {
      const key = params.additionalProperty as string;
      const allowed = Object.keys(schemaAt(error.instancePath).properties ?? {});
      const near = closest(key, allowed);
      return { file, path: `${error.instancePath}/${key}`, message: `unknown key ${JSON.stringify(key)}`, hint: near ? `did you mean ${JSON.stringify(near)}?` : `allowed keys: ${allowed.join(', ')}` };
    }
    case 'minItems':
      return { file, path: error.instancePath, message: 'has no values to try', hint: 'list at least one value' };
    case 'minProperties':
      return { file, path: error.instancePath, message: 'is empty', hint: 'name at least one setting to vary, e.g. "learning_rate": [0.001, 0.0005]' };
    case 'enum': {
      const allowed = params.allowedValues as string[];
      if (error.instancePath === '/early_stopping/metric') {
        return { file, path: error.instancePath, message: `must be a per-epoch metric, one of ${allowed.join(', ')}`, hint: 'early stopping never looks at the test set; the leaderboard still ranks by the sweep\'s metric' };
      }
      const near = typeof error.data === 'string' ? closest(error.data, allowed) : undefined;
      return { file, path: error.instancePath, message: `must be one of ${allowed.join(', ')}`, hint: near && `did you mean ${JSON.stringify(near)}?` };
    }
    default:
      return { file, path: error.instancePath, message: error.message ?? error.keyword };
  }
}

async function readSweepText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError({ file, path: '', message: 'cannot read file', hint: code ?? (err as Error).message });
  }
}

/** InputErrors of an inline base config, re-addressed to where it sits in the sweep file. */
function underBase(err: unknown, sweepFile: string): unknown {
  if (!(err instanceof InputError)) return err;
  return new InputError(err.problems.map((p) => ({ ...p, file: sweepFile, path: `/base${p.path}` })));
}

async function loadBase(definition: SweepDefinition, sweepFile: string): Promise<{ base: ResolvedConfig; baseFile: string }> {
  if (typeof definition.base === 'string') {
    const path = resolve(dirname(sweepFile), definition.base);
    try {
      const { config, file } = await loadConfigFile(path);
      return { base: standaloneConfig(config, file), baseFile: file };
    } catch (err) {
      if (err instanceof InputError && err.problems.some((p) => p.file === path && p.path === '')) {
        throw new InputError(err.problems.map((p) => (p.file === path && p.path === '' ? { file: sweepFile, path: '/base', message: `${definition.base}: ${p.message}`, hint: p.hint } : p)));
      }
      throw err;
    }
  }
  try {
    const config = validateConfig(definition.base, sweepFile);
    return { base: standaloneConfig(config, sweepFile), baseFile: resolve(sweepFile) };
  } catch (err) {
    throw underBase(err, sweepFile);
  }
}

export async function loadSweep(file: string): Promise<Sweep> {
  const raw = parseConfigText(await readSweepText(file), file);
  // The definition is kept as written (sweep.json stores it); defaults go on a copy.
  const withDefaults = structuredClone(raw) as SweepDefinition;
  const problems: Problem[] = [];
  if (!validateDefinition(withDefaults)) {
    // A space entry's oneOf reports both alternatives in schema words: parseSpace says it better.
    const errors = validateDefinition.errors!.filter((e) => !e.instancePath.startsWith('/space/'));
    // oneOf reports each alternative; one line a place is enough.
    problems.push(...new Map(errors.map((e) => schemaProblem(file, e)).map((p) => [`${p.path} ${p.message}`, p])).values());
  }
  const search = checkSearch(withDefaults, file, problems);
  if (problems.length > 0) throw new InputError(problems);
  const definition = raw as SweepDefinition;
  const settingKeys = Object.keys(definition.grid ?? definition.space ?? {});
  if (definition.epochs !== undefined && settingKeys.includes('epochs')) {
    throw new InputError({ file, path: '/epochs', message: `epochs is also a ${definition.grid ? 'grid' : 'space'} key`, hint: 'remove one of them' });
  }
  const { base, baseFile } = await loadBase(definition, file);
  const metric = withDefaults.metric!;
  const goal = withDefaults.goal ?? naturalGoal(metric);
  const searchMetric = searchMetricFor(metric);
  return {
    ...search,
    // The pruner's metric, when there is one, is the sampler's too: both learn the same thing.
    searchObjective: search.earlyStopping
      ? { metric: search.earlyStopping.metric, goal: search.earlyStopping.goal }
      : { metric: searchMetric, goal: searchMetric === metric ? goal : naturalGoal(searchMetric) },
    file,
    definition,
    name: definition.name ?? basename(file, extname(file)),
    base,
    baseFile,
    metric,
    goal,
    seed: withDefaults.seed!,
    trialTimeoutS: definition.trial_timeout_s,
    maxRetries: withDefaults.max_retries!,
    settings: { epochs: definition.epochs, trainLimit: definition.train_limit, testLimit: definition.test_limit },
  };
}

type SearchFields = Pick<Sweep, 'method' | 'space' | 'maxTrials' | 'maxTimeS' | 'tpe' | 'earlyStopping'>;

/** The method's own keys, checked together: what the schema alone cannot say in one line. */
function checkSearch(d: SweepDefinition, file: string, problems: Problem[]): SearchFields {
  const method = d.method ?? 'grid';
  let space: Dimension[] = [];
  if (method === 'grid') {
    if (d.grid === undefined) problems.push({ file, path: '/grid', message: 'missing required key "grid"', hint: d.space ? 'a space is for "method": "random" or "tpe"; a grid sweep lists its values in "grid"' : 'e.g. "grid": {"learning_rate": [0.001, 0.0005]}' });
    if (d.space !== undefined && d.grid !== undefined) problems.push({ file, path: '/space', message: 'a grid sweep runs its grid; space is for random and tpe sweeps', hint: 'remove space, or set "method": "random" or "tpe" instead of grid' });
    if (d.max_trials !== undefined) problems.push({ file, path: '/max_trials', message: 'a grid sweep runs every combination of its grid', hint: 'set "method": "random" or "tpe" to sample max_trials trials' });
    if (d.tpe !== undefined) problems.push({ file, path: '/tpe', message: 'TPE settings need "method": "tpe"' });
  } else {
    if (d.grid !== undefined) problems.push({ file, path: '/grid', message: `a ${method} sweep draws its trials from "space", not "grid"`, hint: 'rename grid to space' });
    else if (d.space === undefined) problems.push({ file, path: '/space', message: 'missing required key "space"', hint: 'e.g. "space": {"learning_rate": {"distribution": "log_uniform", "min": 0.0001, "max": 0.01}}' });
    if (d.max_trials === undefined) problems.push({ file, path: '/max_trials', message: 'missing required key "max_trials"', hint: `a ${method} sweep asks for this many trials, e.g. "max_trials": 30` });
    if (d.tpe !== undefined && method !== 'tpe') problems.push({ file, path: '/tpe', message: 'TPE settings need "method": "tpe"' });
    if (d.space !== null && typeof d.space === 'object' && !Array.isArray(d.space)) {
      try {
        space = parseSpace(d.space as Record<string, unknown>, file);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        problems.push(...err.problems);
      }
    }
  }
  return { method, space, maxTrials: d.max_trials, maxTimeS: d.max_time_s, tpe: tpeSettings(d), earlyStopping: earlyStoppingPlan(d) };
}

function tpeSettings(d: SweepDefinition): TpeSettings {
  return {
    startupTrials: d.tpe?.startup_trials ?? TPE_DEFAULTS.startupTrials,
    eiCandidates: d.tpe?.ei_candidates ?? TPE_DEFAULTS.eiCandidates,
    gamma: d.tpe?.gamma ?? TPE_DEFAULTS.gamma,
  };
}

function earlyStoppingPlan(d: SweepDefinition): EarlyStoppingPlan | undefined {
  const e = d.early_stopping;
  if (!e || e.type === 'none') return undefined;
  const metric = (e.metric ?? 'val_accuracy') as EpochMetric;
  if (!EPOCH_METRICS.includes(metric)) return undefined;
  const goal = e.goal ?? naturalGoal(metric);
  return e.type === 'asha'
    ? { type: 'asha', metric, goal, minEpochs: e.min_epochs ?? 1, reductionFactor: e.reduction_factor ?? 3 }
    : { type: 'median', metric, goal, startupTrials: e.startup_trials ?? 5, warmupEpochs: e.warmup_epochs ?? 1 };
}
