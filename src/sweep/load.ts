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
import { defaultGoal } from '../report/leaderboard.js';
import { standaloneConfig } from '../train/prepare.js';

export type SweepMetric = NonNullable<SweepDefinition['metric']>;
export type SweepGoal = NonNullable<SweepDefinition['goal']>;

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
  /** Data limits and epochs for every trial; CLI flags replace the file's values. */
  settings: SweepSettings;
}

export interface SweepSettings {
  epochs?: number;
  trainLimit?: number;
  testLimit?: number;
}

const schema = JSON.parse(await readFile(new URL('../../../src/config/schema/sweep.schema.json', import.meta.url), 'utf8'));
// verbose: each error carries the value it judged, which an enum's did-you-mean needs.
const validateDefinition = new Ajv({ allErrors: true, useDefaults: true, verbose: true }).compile<SweepDefinition>(schema);

function schemaProblem(file: string, error: ErrorObject): Problem {
  const params = error.params as Record<string, unknown>;
  if (error.instancePath === '/base') return { file, path: '/base', message: 'must be a path to a config file or an inline config object' };
  if (error.keyword === 'type' && error.instancePath.startsWith('/grid/')) return { file, path: error.instancePath, message: 'must be a list of the values to try', hint: 'e.g. [0.2, 0.3]; a single value as [0.2]' };
  switch (error.keyword) {
    case 'required':
      return { file, path: `${error.instancePath}/${params.missingProperty}`, message: `missing required key ${JSON.stringify(params.missingProperty)}` };
    case 'additionalProperties': {
      const key = params.additionalProperty as string;
      const allowed = Object.keys(schema.properties);
      const near = closest(key, allowed);
      return { file, path: `${error.instancePath}/${key}`, message: `unknown key ${JSON.stringify(key)}`, hint: near ? `did you mean ${JSON.stringify(near)}?` : `allowed keys: ${allowed.join(', ')}` };
    }
    case 'minItems':
      return { file, path: error.instancePath, message: 'has no values to try', hint: 'list at least one value' };
    case 'minProperties':
      return { file, path: error.instancePath, message: 'is empty', hint: 'name at least one setting to vary, e.g. "learning_rate": [0.001, 0.0005]' };
    case 'enum': {
      const allowed = params.allowedValues as string[];
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
  const withDefaults = structuredClone(raw);
  if (!validateDefinition(withDefaults)) {
    // oneOf reports each alternative; one line a place is enough.
    const lines = new Map(validateDefinition.errors!.map((e) => schemaProblem(file, e)).map((p) => [`${p.path} ${p.message}`, p]));
    throw new InputError([...lines.values()]);
  }
  const definition = raw as SweepDefinition;
  if (definition.epochs !== undefined && 'epochs' in definition.grid) {
    throw new InputError({ file, path: '/epochs', message: 'epochs is also a grid key', hint: 'remove one of them' });
  }
  const { base, baseFile } = await loadBase(definition, file);
  const metric = withDefaults.metric!;
  return {
    file,
    definition,
    name: definition.name ?? basename(file, extname(file)),
    base,
    baseFile,
    metric,
    goal: withDefaults.goal ?? defaultGoal(metric),
    seed: withDefaults.seed!,
    trialTimeoutS: definition.trial_timeout_s,
    settings: { epochs: definition.epochs, trainLimit: definition.train_limit, testLimit: definition.test_limit },
  };
}
