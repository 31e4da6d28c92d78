/**
 * A strategy decides which trials run; the executor only runs them (Keras Tuner's Oracle and
 * Tuner). The orchestrator asks for the next trial whenever a worker is free and reports every
 * outcome back, so an adaptive strategy (random search, successive halving) fits the same loop.
 */
import { TrialStatus, type Trial, type TrialOutcome } from '../trial.js';

export interface Strategy {
  /**
   * The next trial to hand to a worker, or undefined when there is none to run now; with no trial
   * running either, the sweep is over.
   */
  next(): Trial | undefined;
  /** How a trial ended, including trials found finished on disk when resuming. */
  report(trial: Trial, outcome: TrialOutcome): void;
}

/** Every grid point once, in expansion order; a trial reported completed before its turn is skipped. */
export class GridStrategy implements Strategy {
  private readonly pending: Trial[];
  private readonly completed = new Set<string>();

  constructor(trials: readonly Trial[]) {
    this.pending = [...trials];
  }

  next(): Trial | undefined {
    let trial = this.pending.shift();
    while (trial && this.completed.has(trial.id)) trial = this.pending.shift();
    return trial;
  }

  report(trial: Trial, outcome: TrialOutcome): void {
    // A grid never retries: failed and stopped trials wait for the next --resume.
    if (outcome.status === TrialStatus.COMPLETED) this.completed.add(trial.id);
  }
}
