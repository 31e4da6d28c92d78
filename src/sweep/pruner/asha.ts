/**
 * Asynchronous successive halving (Li et al., MLSys 2020), as Ray Tune's ASHAScheduler stops
 * trials: rungs at min_epochs × rfᵏ below the trials' epochs; a trial reaching a rung is recorded
 * there and goes on only if its value is not below the (1 − 1/rf) quantile of the values recorded
 * at that rung before it — the top 1/rf. The first trial at a rung always goes on. Rung records
 * are never lost: a resumed sweep replays each finished trial's values at the rungs it reached.
 */
import type { Goal } from '../objective.js';
import { percentile, type Pruner } from './pruner.js';

export interface AshaSettings {
  minEpochs: number;
  reductionFactor: number;
  /** The most epochs any trial trains: rungs lie below it. */
  maxEpochs: number;
  goal: Goal;
}

export class AshaPruner implements Pruner {
  readonly name = 'ASHA';
  /** Rung epochs, ascending. */
  readonly rungs: number[];
  /** Per rung: trial number → the (sign-adjusted, higher is better) value recorded there. */
  private readonly records: Map<number, number>[];
  private readonly sign: number;

  constructor(private readonly settings: AshaSettings) {
    this.rungs = [];
    for (let epoch = settings.minEpochs; epoch < settings.maxEpochs; epoch *= settings.reductionFactor) this.rungs.push(Math.round(epoch));
    this.rungs = [...new Set(this.rungs)];
    this.records = this.rungs.map(() => new Map());
    this.sign = settings.goal === 'maximize' ? 1 : -1;
  }

  shouldStop(number: number, epoch: number, value: number): boolean {
    const r = this.rungs.indexOf(epoch);
    if (r < 0) return false;
    const recorded = this.records[r];
    if (recorded.has(number)) return false;
    const cutoff = percentile(recorded.values(), (1 - 1 / this.settings.reductionFactor) * 100);
    // A NaN value (a diverged trial) is below every cutoff.
    const score = Number.isNaN(value) ? -Infinity : this.sign * value;
    recorded.set(number, score);
    return cutoff !== undefined && score < cutoff;
  }

  finished(number: number, _status: string, values: readonly (number | undefined)[]): void {
    this.rungs.forEach((epoch, r) => {
      const value = values[epoch - 1];
      if (value !== undefined && !this.records[r].has(number)) {
        this.records[r].set(number, Number.isNaN(value) ? -Infinity : this.sign * value);
      }
    });
  }

  /** How many trials each rung has recorded (for tests and the summary). */
  recordedAt(): number[] {
    return this.records.map((r) => r.size);
  }
}
