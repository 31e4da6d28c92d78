/**
 * A pruner decides what to stop (a sampler decides what to try). Each epoch a running trial
 * reports the search metric; the pruner answers stop or go on. It learns only from what trials
 * report, so a resumed sweep rebuilds it by replaying the histories of the finished trials
 * (`finished`), in trial order, before any new epoch arrives. No I/O: a plain object, testable alone.
 */
export interface Pruner {
  /** For people: "ASHA", "median rule". */
  readonly name: string;
  /** Trial `number` finished `epoch` (1-based) with `value`; true when it should stop here. */
  shouldStop(number: number, epoch: number, value: number): boolean;
  /**
   * Trial `number` ended (or was found ended on disk) with these per-epoch values: values[epoch − 1],
   * a hole where an epoch was not reported (a coordinator that was down then; see valuesByEpoch).
   */
  finished(number: number, status: 'completed' | 'pruned' | 'failed', values: readonly (number | undefined)[]): void;
}

/** The metric of each reported epoch at its place (values[epoch − 1]), holes for epochs not reported. */
export function valuesByEpoch<R extends { epoch: number }>(history: readonly R[], valueOf: (row: R) => number): (number | undefined)[] {
  const values: (number | undefined)[] = [];
  for (const row of history) if (Number.isInteger(row.epoch) && row.epoch >= 1) values[row.epoch - 1] = valueOf(row);
  // Holes as undefined, so that every reader sees them.
  return Array.from(values);
}

/** No early stopping: every trial runs its epochs. */
export class NoPruner implements Pruner {
  readonly name = 'none';
  shouldStop(): boolean {
    return false;
  }
  finished(): void {}
}

/**
 * numpy's nanpercentile with linear interpolation (Ray Tune's cutoff): NaN values ignored;
 * undefined when none is left.
 */
export function percentile(values: Iterable<number>, p: number): number | undefined {
  const sorted = [...values].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}
