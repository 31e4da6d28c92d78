/** Every grid point once, in expansion order: trial n is the n-th point. */
import type { TrialValues } from '../trial.js';
import type { Sampler } from './sampler.js';

export class GridSampler implements Sampler {
  readonly method = 'grid';
  readonly maxTrials: number;

  constructor(private readonly points: readonly TrialValues[]) {
    this.maxTrials = points.length;
  }

  propose(number: number): TrialValues {
    return this.points[number - 1];
  }

  isFixed(): boolean {
    return true;
  }
}
