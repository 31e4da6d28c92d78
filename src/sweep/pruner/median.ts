/**
 * The median stopping rule (Golovin et al., Google Vizier, KDD 2017), as Optuna's MedianPruner:
 * once `startupTrials` trials have completed, a trial past its first `warmupEpochs` epochs stops
 * when its best value so far is worse than the median of the completed trials' values at the same
 * epoch. Only completed trials set the median (pruned ones would drag it down).
 */
import { better, type Goal } from '../objective.js';
import type { Pruner } from './pruner.js';
import { percentile } from './pruner.js';

export interface MedianSettings {
  startupTrials: number;
  warmupEpochs: number;
  goal: Goal;
}

export class MedianPruner implements Pruner {
  readonly name = 'median rule';
  /** Completed trials' per-epoch values. */
  private readonly completed = new Map<number, readonly (number | undefined)[]>();
  /** Running trials' best value so far. */
  private readonly bestSoFar = new Map<number, number>();

  constructor(private readonly settings: MedianSettings) {}

  shouldStop(number: number, epoch: number, value: number): boolean {
    const previous = this.bestSoFar.get(number);
    const best = previous === undefined || Number.isNaN(previous) || better(this.settings.goal, value, previous) ? value : previous;
    this.bestSoFar.set(number, best);
    if (this.completed.size < this.settings.startupTrials || epoch <= this.settings.warmupEpochs) return false;
    const median = percentile([...this.completed.values()].flatMap((v) => (v[epoch - 1] === undefined ? [] : [v[epoch - 1]!])), 50);
    if (median === undefined) return false;
    if (Number.isNaN(best)) return true;
    return better(this.settings.goal, median, best);
  }

  finished(number: number, status: string, values: readonly (number | undefined)[]): void {
    this.bestSoFar.delete(number);
    if (status === 'completed') this.completed.set(number, values);
  }
}
