/**
 * A sampler decides what to try (Optuna's split: a pruner decides what to stop). It proposes the
 * values of trial number n from what the sweep knows at that moment: the finished trials and the
 * ones still running. It keeps no state of its own beyond its settings, so a resumed sweep, which
 * rebuilds what it knows from the trial folders, proposes exactly what an uninterrupted one would.
 */
import type { TrialValues } from '../trial.js';

export interface Observation {
  /** 1-based: the order in which the trial was asked for. */
  number: number;
  values: TrialValues;
  status: 'completed' | 'pruned' | 'failed';
  /** The best value of the search metric over the epochs the trial ran; NaN when it has none. */
  value: number;
  epochsRun: number;
}

export interface SearchState {
  finished: readonly Observation[];
  /** Trials asked for and not finished yet (TPE's constant liar counts them as bad). */
  running: readonly { number: number; values: TrialValues }[];
}

export interface Sampler {
  /** sweep.json's name for it: grid, random, tpe. */
  readonly method: string;
  /** How many trials the sweep asks for. */
  readonly maxTrials: number;
  propose(number: number, state: SearchState): TrialValues;
  /** Whether trial `number` is proposed without looking at results (a dry run can list it). */
  isFixed(number: number): boolean;
}
