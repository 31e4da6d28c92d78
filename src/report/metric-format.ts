/** How a metric column is named and printed, alike in the charts, the HTML report and the CLI. */

/** `test_accuracy` → `test accuracy`, `duration_s` → `duration (s)`. */
export function metricTitle(metric: string): string {
  if (metric === 'duration_s') return 'duration (s)';
  if (metric === 'params') return 'parameters';
  return metric.replace(/_/g, ' ');
}

/** The d3-format string of a metric's values, which formatMetric follows. */
export function metricFormat(metric: string): string {
  if (metric === 'params' || metric === 'best_epoch' || metric === 'epochs_run') return ',d';
  if (metric === 'duration_s') return '.1f';
  return '.4f';
}

/** A metric's value as text, in its metricFormat; '' for a missing value. */
export function formatMetric(metric: string, v: number | null): string {
  if (v === null) return '';
  const format = metricFormat(metric);
  if (format === ',d') return Math.round(v).toLocaleString('en-US');
  if (format === '.1f') return v.toFixed(1);
  return v.toFixed(4);
}
