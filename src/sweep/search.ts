/**
 * The sweep's trials by number: which to ask for next, and what is known so far. Trial n is asked
 * for once; a trial found on disk keeps its number and values (a failed one runs again with them,
 * as a grid's does), so a resumed sweep continues the same sequence. The values of a number never
 * asked for come from the sampler, at the moment a worker is free.
 */
import type { HistoryRow } from '../train/history.js';
import type { RunMetrics } from '../train/metrics.js';
import type { Observation, Sampler, SearchState } from './sampler/sampler.js';
import type { Trial, TrialValues } from './trial.js';

/** A trial found in the sweep's folder: finished (completed, pruned) or failed. */
export interface RecordedTrial extends Observation {
  trial: Trial;
  history: HistoryRow[];
  metrics?: RunMetrics;
}

/** Trial `number`'s values make an invalid config: it is recorded as failed and never runs. */
export class InvalidTrialError extends Error {
  constructor(readonly number: number, readonly values: TrialValues, message: string) {
    super(message);
    this.name = 'InvalidTrialError';
  }
}

export class Search {
  private readonly finished = new Map<number, Observation>();
  /** Failed trials found on disk: their values are run again. */
  private readonly retry = new Map<number, Trial>();
  private readonly running = new Map<number, Trial>();
  private nextNumber = 1;

  constructor(
    readonly sampler: Sampler,
    /** The trial of a number and its values; throws when the values make an invalid config. */
    private readonly makeTrial: (number: number, values: TrialValues) => Trial,
    recorded: readonly RecordedTrial[] = [],
  ) {
    for (const r of recorded) {
      if (r.status === 'failed') this.retry.set(r.number, r.trial);
      else this.finished.set(r.number, r);
    }
  }

  get maxTrials(): number {
    return this.sampler.maxTrials;
  }

  state(): SearchState {
    return {
      finished: [...this.finished.values()].sort((a, b) => a.number - b.number),
      running: [...this.running.values()].map((t) => ({ number: t.number, values: t.values })),
    };
  }

  /**
   * The next trial to run, or undefined when every number is asked for. InvalidTrialError when the
   * proposed values make an invalid config: the number is then used up, recorded as failed.
   */
  next(): Trial | undefined {
    while (this.nextNumber <= this.maxTrials && this.finished.has(this.nextNumber)) this.nextNumber++;
    if (this.nextNumber > this.maxTrials) return undefined;
    const number = this.nextNumber++;
    const retry = this.retry.get(number);
    if (retry) {
      this.running.set(number, retry);
      return retry;
    }
    const values = this.sampler.propose(number, this.state());
    let trial: Trial;
    try {
      trial = this.makeTrial(number, values);
    } catch (err) {
      this.finished.set(number, { number, values, status: 'failed', value: Number.NaN, epochsRun: 0 });
      throw new InvalidTrialError(number, values, (err as Error).message);
    }
    this.running.set(number, trial);
    return trial;
  }

  /** A trial ended; `undefined` observation: interrupted, not recorded (a resume runs it again). */
  ended(trial: Trial, observation: Observation | undefined): void {
    this.running.delete(trial.number);
    this.retry.delete(trial.number);
    if (observation) this.finished.set(trial.number, observation);
  }
}
