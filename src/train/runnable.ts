/**
 * Whether a config can train on a dataset of a given size: pure arithmetic, apart from the
 * trainer, so that what only checks a trial (a queue worker admitting a job) does not load tfjs.
 */
import { trainingCount } from '../data/dataset.js';
import { InputError } from '../errors.js';
import type { RunnableConfig } from './run.js';

/** Below this many validation examples, val_accuracy and val_loss are noise (on one image, 0 or 1). */
export const MIN_VALIDATION_EXAMPLES = 10;

/**
 * Checks that need the number of training examples, `available` in the dataset before the config's
 * train_limit; bad input, so before anything is written.
 */
export function checkRunnable(config: RunnableConfig, file: string, available: number): void {
  const trainCount = Math.min(available, config.dataset.train_limit ?? Infinity);
  const validationCount = trainCount - trainingCount(trainCount, config.validation_split);
  if (trainCount - validationCount < 1) {
    throw new InputError({ file, path: '/validation_split', message: `leaves no training example out of ${trainCount}`, hint: 'lower validation_split or raise --train-limit' });
  }
  if (validationCount > 0 && validationCount < MIN_VALIDATION_EXAMPLES) {
    throw new InputError({
      file,
      path: '/validation_split',
      message: `${config.validation_split} of ${trainCount} training examples leaves ${validationCount} for validation, too few for val_accuracy or val_loss to mean anything`,
      hint: `raise --train-limit to ${Math.ceil(MIN_VALIDATION_EXAMPLES / config.validation_split)} or more, or set validation_split to 0 to train without a validation set`,
    });
  }
  if (validationCount === 0) {
    config.callbacks.forEach((cb, i) => {
      if (cb.monitor?.startsWith('val_')) {
        throw new InputError({ file, path: `/callbacks/${i}/monitor`, message: `${cb.monitor} needs a validation set, but validation_split ${config.validation_split} of ${trainCount} examples gives none`, hint: 'raise validation_split or monitor "loss"' });
      }
    });
  }
}
