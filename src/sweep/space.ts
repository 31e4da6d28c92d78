/**
 * A random or TPE sweep's space: setting → a list of values (categorical) or a distribution over
 * numbers. Parsed once into dimensions, each of which can draw a value from a generator, and map a
 * value to and from the continuous line TPE models it on (log scale for log distributions, the
 * index for a list).
 */
import { InputError, type Problem } from '../errors.js';
import { canonicalJson, type TrialValues } from './trial.js';

export const DISTRIBUTIONS = ['uniform', 'log_uniform', 'int_uniform', 'int_log_uniform'] as const;
export type DistributionName = (typeof DISTRIBUTIONS)[number];

export type Dimension =
  | { key: string; kind: 'categorical'; choices: unknown[] }
  | { key: string; kind: 'numeric'; distribution: DistributionName; integer: boolean; log: boolean; min: number; max: number; q?: number };

export type NumericDimension = Extract<Dimension, { kind: 'numeric' }>;

export function spacePointer(key: string, field?: string): string {
  return `/space/${key.replace(/~/g, '~0').replace(/\//g, '~1')}${field ? `/${field}` : ''}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** One entry of the space; pushes what is wrong with it to `problems`. */
function parseEntry(key: string, entry: unknown, file: string, problems: Problem[]): Dimension | undefined {
  const at = (field?: string) => spacePointer(key, field);
  if (Array.isArray(entry)) {
    if (entry.length === 0) return void problems.push({ file, path: at(), message: 'has no values to choose from', hint: 'list at least one value' });
    const seen = new Set<string>();
    for (const value of entry) {
      const text = canonicalJson(value);
      if (seen.has(text)) problems.push({ file, path: at(), message: `value ${JSON.stringify(value)} is listed twice`, hint: 'list each value once' });
      seen.add(text);
    }
    return { key, kind: 'categorical', choices: entry };
  }
  if (!isObject(entry)) return void problems.push({ file, path: at(), message: 'must be a list of values or a distribution', hint: 'e.g. [0.2, 0.3] or {"distribution": "log_uniform", "min": 0.0001, "max": 0.01}' });
  const unknown = Object.keys(entry).filter((k) => !['distribution', 'min', 'max', 'q'].includes(k));
  for (const k of unknown) problems.push({ file, path: at(k), message: `unknown key ${JSON.stringify(k)}`, hint: 'a distribution has distribution, min, max and optionally q' });
  const name = entry.distribution;
  if (name === undefined) return void problems.push({ file, path: at('distribution'), message: 'missing required key "distribution"', hint: `one of ${DISTRIBUTIONS.join(', ')}` });
  if (!DISTRIBUTIONS.includes(name as DistributionName)) return void problems.push({ file, path: at('distribution'), message: `unknown distribution ${JSON.stringify(name)}`, hint: `one of ${DISTRIBUTIONS.join(', ')}` });
  const distribution = name as DistributionName;
  const integer = distribution.startsWith('int_');
  const log = distribution.endsWith('log_uniform');
  const before = problems.length;
  for (const bound of ['min', 'max'] as const) {
    const v = entry[bound];
    if (v === undefined) problems.push({ file, path: at(bound), message: `missing required key "${bound}"` });
    else if (typeof v !== 'number' || !Number.isFinite(v)) problems.push({ file, path: at(bound), message: 'must be a number' });
    else if (integer && !Number.isInteger(v)) problems.push({ file, path: at(bound), message: `${v} is not a whole number, but ${distribution} draws whole numbers`, hint: `use ${Math.round(v)}, or the distribution ${log ? 'log_uniform' : 'uniform'}` });
    else if (log && v <= 0) problems.push({ file, path: at(bound), message: `${v} is not above 0, but ${distribution} draws on a log scale`, hint: 'log distributions take the values themselves, e.g. "min": 0.0001, "max": 0.01' });
  }
  const q = entry.q;
  if (q !== undefined && (typeof q !== 'number' || !(q > 0))) problems.push({ file, path: at('q'), message: 'must be a number above 0' });
  else if (q !== undefined && integer && !Number.isInteger(q)) problems.push({ file, path: at('q'), message: `${q} is not a whole number, but ${distribution} draws whole numbers` });
  if (problems.length > before) return undefined;
  const min = entry.min as number;
  const max = entry.max as number;
  if (min > max) return void problems.push({ file, path: at('min'), message: `min ${min} is above max ${max}`, hint: 'swap them' });
  return { key, kind: 'numeric', distribution, integer, log, min, max, q: q as number | undefined };
}

/** The dimensions of a space, in the file's key order; InputError listing every problem. */
export function parseSpace(space: Record<string, unknown>, file: string): Dimension[] {
  const problems: Problem[] = [];
  const dims = Object.entries(space).map(([key, entry]) => parseEntry(key, entry, file, problems));
  if (problems.length > 0) throw new InputError(problems);
  return dims as Dimension[];
}

/**
 * Floats keep 6 significant digits: a learning rate of 0.00123457 reads and reproduces as well
 * as 0.0012345678901, and labels stay short.
 */
function tidy(x: number): number {
  return Number(x.toPrecision(6));
}

/** A numeric value snapped to the dimension's step and kept inside its bounds. */
export function snap(dim: NumericDimension, x: number): number {
  const step = dim.q ?? (dim.integer ? 1 : undefined);
  let v = step === undefined ? x : dim.min + Math.round((x - dim.min) / step) * step;
  if (step !== undefined && v > dim.max + 1e-12) v -= step;
  v = Math.min(dim.max, Math.max(dim.min, v));
  return dim.integer ? Math.round(v) : tidy(v);
}

/**
 * The continuous interval TPE models a numeric dimension on: log scale for log distributions, and
 * half a step beyond each bound for stepped ones, so that the end values are as likely as the rest.
 */
export function internalBounds(dim: NumericDimension): { low: number; high: number } {
  const half = (dim.q ?? (dim.integer ? 1 : 0)) / 2;
  if (dim.log) return { low: Math.log(Math.max(dim.min - half, dim.min / 2)), high: Math.log(dim.max + half) };
  return { low: dim.min - half, high: dim.max + half };
}

export function toInternal(dim: NumericDimension, value: number): number {
  return dim.log ? Math.log(value) : value;
}

export function fromInternal(dim: NumericDimension, x: number): number {
  return snap(dim, dim.log ? Math.exp(x) : x);
}

/** One value of the dimension, uniformly on its (log) scale. */
export function drawValue(dim: Dimension, rng: () => number): unknown {
  if (dim.kind === 'categorical') return dim.choices[Math.min(dim.choices.length - 1, Math.floor(rng() * dim.choices.length))];
  const { low, high } = internalBounds(dim);
  return fromInternal(dim, low + rng() * (high - low));
}

export function drawValues(dims: readonly Dimension[], rng: () => number): TrialValues {
  return Object.fromEntries(dims.map((dim) => [dim.key, drawValue(dim, rng)]));
}

/** The index of a categorical value among its choices (-1 when it is not one). */
export function choiceIndex(dim: Extract<Dimension, { kind: 'categorical' }>, value: unknown): number {
  const text = canonicalJson(value);
  return dim.choices.findIndex((c) => canonicalJson(c) === text);
}
