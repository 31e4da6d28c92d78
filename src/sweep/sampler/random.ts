/** Independent draws from the space: trial n's values come from its own seeded stream. */
import { drawValues, type Dimension } from '../space.js';
import type { TrialValues } from '../trial.js';
import type { Sampler } from './sampler.js';
import { trialRng } from './seeded.js';

export class RandomSampler implements Sampler {
  readonly method = 'random';

  constructor(
    private readonly dims: readonly Dimension[],
    private readonly seed: number,
    readonly maxTrials: number,
  ) {}

  propose(number: number): TrialValues {
    return drawValues(this.dims, trialRng(this.seed, number));
  }

  isFixed(): boolean {
    return true;
  }
}
