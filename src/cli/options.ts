/** Options shared by several commands, declared once. */
import type { Argv } from 'yargs';
import { BACKENDS, type BackendChoice } from '../backend/select.js';

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
