/**
 * A sweep's settings as Optuna distributions (optuna/distributions.py): what `distribution_to_json`
 * writes for each, and how a trial's value maps to Optuna's internal representation (the number
 * for Float/IntDistribution, the index of the choice for CategoricalDistribution).
 *
 *   uniform            → FloatDistribution(low, high, step=q)
 *   log_uniform        → FloatDistribution(low, high, log=True)      (q dropped: Optuna has no log step)
 *   int_uniform        → IntDistribution(low, high, step=q or 1)
 *   int_log_uniform    → IntDistribution(low, high, log=True)        (q dropped: Optuna's log step is 1)
 *   a list (any grid)  → CategoricalDistribution(choices)
 *
 * Optuna's choices must be None, bool, int, float or str; a choice that is a list or an object
 * (filters [8, 16], a layer) becomes its JSON text, so `"[8,16]"` in Optuna is [8, 16] in convsweep.
 * A stepped distribution's `high` is written as the sweep file has it: Optuna lowers it to the last
 * step from `low` itself, as convsweep's sampler does.
 */
import { choiceIndex, parseSpace, type Dimension } from '../sweep/space.js';

export type OptunaChoice = null | boolean | number | string;

export type OptunaDistribution =
  | { name: 'FloatDistribution'; attributes: { low: number; high: number; log: boolean; step: number | null } }
  | { name: 'IntDistribution'; attributes: { low: number; high: number; log: boolean; step: number } }
  | { name: 'CategoricalDistribution'; attributes: { choices: OptunaChoice[] } };

export interface OptunaParam {
  distribution: OptunaDistribution;
  /** The value as Optuna stores it, or undefined when it is not one this distribution holds. */
  internal: (value: unknown) => number | undefined;
}

/** A list value as an Optuna choice: scalars as they are, anything else as its JSON text. */
export function optunaChoice(value: unknown): OptunaChoice {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

function optunaParam(dim: Dimension): OptunaParam {
  if (dim.kind === 'categorical') {
    return {
      distribution: { name: 'CategoricalDistribution', attributes: { choices: dim.choices.map(optunaChoice) } },
      internal: (value) => {
        const index = choiceIndex(dim, value);
        return index < 0 ? undefined : index;
      },
    };
  }
  const numeric = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  if (dim.integer) {
    const step = dim.log ? 1 : (dim.q ?? 1);
    return { distribution: { name: 'IntDistribution', attributes: { low: dim.min, high: dim.max, log: dim.log, step } }, internal: numeric };
  }
  const step = dim.log || dim.q === undefined ? null : dim.q;
  return { distribution: { name: 'FloatDistribution', attributes: { low: dim.min, high: dim.max, log: dim.log, step } }, internal: numeric };
}

/**
 * Each setting of a sweep.json as an Optuna parameter, in the file's key order: a grid's keys all
 * categorical, a space's lists categorical and its distributions numeric.
 */
export function optunaParams(definition: Record<string, unknown>, file: string): Map<string, OptunaParam> {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const grid = isObject(definition.grid) ? definition.grid : undefined;
  const dims: Dimension[] = grid
    ? Object.entries(grid).flatMap(([key, values]) => (Array.isArray(values) && values.length > 0 ? [{ key, kind: 'categorical' as const, choices: values }] : []))
    : parseSpace(isObject(definition.space) ? definition.space : {}, file);
  return new Map(dims.map((dim) => [dim.key, optunaParam(dim)]));
}
