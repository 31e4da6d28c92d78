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

/** Decimals a metric is written with (4 for `.4f`, 1 for `.1f`, 0 for whole numbers). */
function metricDecimals(metric: string): number {
  const m = /\.(\d+)f$/.exec(metricFormat(metric));
  return m ? Number(m[1]) : 0;
}

/** The most decimals a column is widened to; float64 noise lies beyond. */
const MAX_DECIMALS = 12;

/**
 * A column of a metric as text for the CSV: rounded to the decimals the report prints (4 for
 * accuracies and losses, 1 for seconds, none for counts), and to more only where two different
 * values would otherwise print alike, so that sorting the column by its text keeps the ranking
 * (rounding is monotonic; distinct texts keep distinct values apart). '' for a missing value.
 */
export function metricColumnTexts(metric: string, values: (number | null)[]): string[] {
  const present = [...new Set(values.filter((v): v is number => v !== null))];
  let decimals = metricDecimals(metric);
  while (decimals < MAX_DECIMALS && new Set(present.map((v) => v.toFixed(decimals))).size < present.length) decimals++;
  return values.map((v) => (v === null ? '' : v.toFixed(decimals)));
}
