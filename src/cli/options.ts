/** Options shared by several commands, declared once. */
import type { Argv } from 'yargs';
import { readFileSync } from 'node:fs';
import { BACKENDS, type BackendChoice } from '../backend/names.js';
import { InputError, type Problem } from '../errors.js';

/**
 * The metrics a sweep can be ranked by: the sweep schema's own list (accuracies and losses), not
 * every leaderboard column (ranking by parameters or seconds is not choosing a model).
 */
export const RANKING_METRICS: string[] = JSON.parse(readFileSync(new URL('../../../src/config/schema/sweep.schema.json', import.meta.url), 'utf8')).properties.metric.enum;

export function withRankBy<T>(y: Argv<T>) {
  return y.option('rank-by', {
    type: 'string',
    choices: RANKING_METRICS,
    describe: 'rank by this metric instead of the sweep\'s (accuracies: higher is better; losses: lower)',
  });
}

export function withBackend<T>(y: Argv<T>) {
  return y.option('backend', {
    choices: ['auto', ...BACKENDS] as BackendChoice[],
    default: 'auto' as BackendChoice,
    describe: 'tfjs backend; auto takes the first that loads of tensorflow-gpu, tensorflow, wasm, cpu',
  });
}

export function withLimits<T>(y: Argv<T>) {
  return y
    .option('epochs', { type: 'number', describe: 'override the config\'s epochs' })
    .option('train-limit', { type: 'number', describe: 'train on the first N training examples (validation split taken from their end)' })
    .option('test-limit', { type: 'number', describe: 'evaluate on the first N test examples' });
}

export function withVerbose<T>(y: Argv<T>) {
  return y.option('verbose', { type: 'boolean', default: false, describe: 'stack traces on errors' });
}

/**
 * Numeric flags must be whole numbers in range: the config schema's own limits (epochs, batch size
 * at least 1; a seed from 0 to 2^32-1), checked before they replace a validated config's values.
 * `flags`: [flag, value, minimum, maximum], the value undefined when the flag was not given.
 */
export function checkIntegerFlags(flags: [flag: string, value: number | undefined, min: number, max?: number][]): void {
  const problems: Problem[] = [];
  for (const [flag, value, min, max = Number.MAX_SAFE_INTEGER] of flags) {
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < min || value > max) {
      const range = min === 0 ? `a whole number from 0${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}` : 'a positive whole number';
      problems.push({ file: flag, path: '', message: `must be ${range}, got ${Number.isNaN(value) ? 'not a number' : value}` });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
}
