/**
 * The scale and axis of a metric in the sweep's charts: zoomed to the trials' values (bars from zero
 * made accuracies of 0.957 and 0.973 look alike), never past what the metric can take (an accuracy
 * stays within 0..1), never of zero width (one completed trial), and labelled as the tables print
 * it, with ticks no closer than that print can tell apart.
 */
import { metricFormat } from './metric-format.js';

/** The values a metric can take: accuracies are fractions; losses, times, sizes and epochs are not negative. */
function bounds(metric: string): [number, number] {
  return metric.endsWith('_accuracy') ? [0, 1] : [0, Number.POSITIVE_INFINITY];
}

/** The smallest step the metric's format shows: 0.0001 for `.4f`, 0.1 for `.1f`, 1 for whole numbers. */
function printStep(metric: string): number {
  const decimals = /\.(\d+)f$/.exec(metricFormat(metric));
  return decimals ? 10 ** -Number(decimals[1]) : 1;
}

/** [lo, hi] around `values` with `margin` (a fraction of their span) on each side, inside the metric's bounds. */
export function metricDomain(metric: string, values: number[], margin = 0.1): [number, number] {
  const [min, max] = bounds(metric);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  // A single value (or equal ones) still gets a span: a few printed steps, or 1% of the value.
  const pad = hi > lo ? (hi - lo) * margin : Math.max(printStep(metric) * 10, Math.abs(hi) * 0.01);
  let a = Math.max(min, lo - pad);
  let b = Math.min(max, hi + pad);
  // Clamped on one side (an accuracy of 1): keep the span on the other.
  if (b - a < 2 * pad) {
    if (a === min) b = Math.min(max, a + 2 * pad);
    else a = Math.max(min, b - 2 * pad);
  }
  return [a, b];
}

/**
 * Vega-Lite scale and axis properties for a metric on a position channel; `ticks` is about how many
 * labels fit along it (fewer on a horizontal axis, whose labels are wide), and labels that would
 * still overlap are dropped.
 */
export function metricScaleAxis(metric: string, values: number[], options: { margin?: number; ticks?: number } = {}) {
  return {
    scale: { domain: metricDomain(metric, values, options.margin), zero: false, nice: false },
    axis: { format: metricFormat(metric), tickMinStep: printStep(metric), tickCount: options.ticks ?? 8, labelOverlap: true, grid: true },
  };
}
