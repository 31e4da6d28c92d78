/**
 * The sweep's charts as Vega-Lite specs (rendered by render.ts): the ranking metric against each grid
 * key, the validation-accuracy curves of the top trials, a parallel-coordinates view of parameters
 * vs metric, and the leaderboard as bars. Data is prepared here in plain code (normalised axes,
 * means), so the specs stay simple and their output is the same for the same rows.
 */
import type { TopLevelSpec } from 'vega-lite';
import { epochTicks } from '../charts/curves-chart.js';
import type { HistoryRow } from '../train/history.js';
import { valueText, type LeaderboardRow, type MetricColumn, type Ranking } from './leaderboard.js';
import { metricScaleAxis } from './metric-axis.js';
import { formatMetric, metricTitle } from './metric-format.js';
import { chartConfig } from '../charts/theme.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const POINT_COLOR = '#4c78a8';
const MEAN_COLOR = '#f58518';
const BEST_COLOR = '#e45756';
/** Parallel coordinates: the best and the worst trial's line colours. */
const BEST_LINE = '#2d004b';
const WORST_LINE = '#c2410c';
/** Width of the white outline under parallel-coordinate labels, in pixels. */
export const LABEL_HALO = 9;

export interface NamedChart {
  /** File name without extension, under charts/. */
  name: string;
  title: string;
  spec: TopLevelSpec;
}

/** Completed rows with a value for the ranking metric. */
function scored(rows: LeaderboardRow[], metric: MetricColumn): (LeaderboardRow & { score: number })[] {
  return rows.filter((r) => r.status === 'completed' && r[metric] !== null).map((r) => ({ ...r, score: r[metric] as number }));
}

/** A chart with no data: a framed message instead of empty axes. */
function messageSpec(title: string, message: string): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: { text: title },
    config: chartConfig,
    width: 360,
    height: 120,
    data: { values: [{ message }] },
    mark: { type: 'text', fontSize: 13, color: '#555' },
    encoding: { text: { field: 'message', type: 'nominal' } },
  };
}

/** The distinct values of one grid key, in the order the sweep lists them (values not listed after, by text). */
function distinctValues(key: string, rows: LeaderboardRow[], grid: Record<string, unknown>): unknown[] {
  const listed = Array.isArray(grid[key]) ? (grid[key] as unknown[]) : [];
  const seen = new Map<string, unknown>();
  for (const v of listed) seen.set(valueText(v), v);
  const extra = new Map<string, unknown>();
  for (const r of rows) {
    if (!r.values || !Object.hasOwn(r.values, key)) continue;
    const text = valueText(r.values[key]);
    if (!seen.has(text)) extra.set(text, r.values[key]);
  }
  return [...seen.values(), ...[...extra.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v)];
}

type Axis = { kind: 'numeric'; log: boolean; values: number[] } | { kind: 'categorical'; values: string[] };

/**
 * An axis labelExpr that writes each of `values` as the tables do (valueText): vega's own number
 * format picks its precision from the tick spacing, which turned a dropout of 0.25 into "0.3".
 */
function exactLabels(values: number[]): string {
  return values.reduceRight((rest, v) => `datum.value === ${JSON.stringify(v)} ? ${JSON.stringify(valueText(v))} : ${rest}`, 'datum.label');
}

/** The x domain of a numeric grid axis: its values' extent, widened around a single value (a zero-width domain piles every label on one spot). */
function numericDomain(values: number[], log: boolean): [number, number] {
  const lo = values[0];
  const hi = values[values.length - 1];
  if (hi > lo) return [lo, hi];
  if (log || lo > 0) return [lo * 0.5, lo * 1.5];
  return lo === 0 ? [-1, 1] : [lo * 1.5, lo * 0.5];
}

/** Numbers get a numeric axis (log when they span a factor of 10 or more and are all positive); anything else is categorical. */
function axisFor(values: unknown[]): Axis {
  if (values.length > 0 && values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const nums = [...(values as number[])].sort((a, b) => a - b);
    const log = nums[0] > 0 && nums[nums.length - 1] / nums[0] >= 10;
    return { kind: 'numeric', log, values: nums };
  }
  return { kind: 'categorical', values: values.map(valueText) };
}

/** Metric vs one grid key: every trial as a point, the mean per value as a line. */
export function paramSpec(key: string, rows: LeaderboardRow[], ranking: Ranking, grid: Record<string, unknown>): TopLevelSpec {
  const metric = ranking.metric;
  const title = `${metricTitle(metric)} by ${key}`;
  const points = scored(rows, metric).filter((r) => r.values && Object.hasOwn(r.values, key));
  if (points.length === 0) return messageSpec(title, `no completed trial has a ${metricTitle(metric)}`);
  const axis = axisFor(distinctValues(key, points, grid));
  const xOf = (v: unknown) => (axis.kind === 'numeric' ? (v as number) : valueText(v));

  const groups = new Map<string, { x: number | string; sum: number; n: number }>();
  for (const p of points) {
    const x = xOf(p.values![key]);
    const g = groups.get(String(x)) ?? { x, sum: 0, n: 0 };
    g.sum += p.score;
    g.n++;
    groups.set(String(x), g);
  }
  const order = axis.kind === 'numeric' ? axis.values.map(String) : axis.values;
  const means = [...groups.values()].sort((a, b) => order.indexOf(String(a.x)) - order.indexOf(String(b.x)));
  const SERIES = ['trial', 'mean of trials'];
  // A line between categories would read as a trend along an order they do not have.
  const meanLine = axis.kind === 'numeric';
  const data = [
    ...points.map((p) => ({ x: xOf(p.values![key]), value: p.score, series: SERIES[0] })),
    ...means.map((g) => ({ x: g.x, value: g.sum / g.n, series: SERIES[1] })),
  ];

  const longest = Math.max(...order.map((t) => t.length));
  const x =
    axis.kind === 'numeric'
      ? {
          field: 'x',
          type: 'quantitative' as const,
          title: key,
          scale: { type: axis.log ? ('log' as const) : ('linear' as const), domain: numericDomain(axis.values, axis.log), zero: false, nice: false, padding: 24 },
          axis: { values: axis.values, labelExpr: exactLabels(axis.values), grid: false, labelFlush: false },
        }
      : {
          field: 'x',
          type: 'ordinal' as const,
          title: key,
          sort: axis.values,
          scale: { domain: axis.values, padding: 0.5 },
          axis: { labelAngle: longest > 12 && axis.values.length > 3 ? -30 : 0, labelLimit: 220 },
        };
  const width = axis.kind === 'numeric' ? 360 : Math.max(300, axis.values.length * Math.max(60, longest * 7 + 16));
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: SERIES, range: [POINT_COLOR, MEAN_COLOR] },
    legend: { orient: 'bottom' as const, direction: 'horizontal' as const },
  };
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: `each point one trial; ${meanLine ? 'line' : 'diamond'}: mean per value (${points.length} completed trial${points.length === 1 ? '' : 's'})`, subtitleFontSize: 11, subtitleColor: '#555' },
    config: chartConfig,
    width,
    height: 260,
    data: { values: data },
    encoding: {
      x,
      y: { field: 'value', type: 'quantitative', title: metricTitle(metric), ...metricScaleAxis(metric, points.map((p) => p.score)) },
      color,
      shape: { field: 'series', type: 'nominal', title: null, scale: { domain: SERIES, range: ['circle', 'diamond'] } },
    },
    layer: [
      { transform: [{ filter: `datum.series === '${SERIES[0]}'` }], mark: { type: 'point', filled: true, size: 70, opacity: 0.75 } },
      {
        transform: [{ filter: `datum.series === '${SERIES[1]}'` }],
        mark: meanLine ? { type: 'line', strokeWidth: 2.5, point: { filled: true, size: 90, shape: 'diamond' } } : { type: 'point', filled: true, size: 130, opacity: 1 },
      },
    ],
  } as TopLevelSpec;
}

export interface TrialCurves {
  rank: number;
  label: string;
  history: HistoryRow[];
}

/** Validation accuracy per epoch of the top trials, one line each, legend in rank order. */
export function topCurvesSpec(curves: TrialCurves[]): TopLevelSpec {
  const hasValidation = curves.some((c) => c.history.some((h) => h.val_accuracy !== null && Number.isFinite(h.val_accuracy)));
  const field = hasValidation ? 'val_accuracy' : 'accuracy';
  const title = `${hasValidation ? 'Validation' : 'Training'} accuracy of the top ${curves.length} trial${curves.length === 1 ? '' : 's'}`;
  if (curves.length === 0) return messageSpec('Validation accuracy of the top trials', 'no completed trial');
  const names = curves.map((c) => `#${c.rank} ${c.label}`);
  const data = curves.flatMap((c, i) =>
    c.history.filter((h) => h[field] !== null && Number.isFinite(h[field])).map((h) => ({ trial: names[i], rank: c.rank, epoch: h.epoch, value: h[field] as number })),
  );
  if (data.length === 0) return messageSpec(title, 'the top trials have no history');
  const epochs = data.map((d) => d.epoch);
  const first = Math.min(...epochs);
  const last = Math.max(...epochs);
  const palette = ['#e45756', '#4c78a8', '#54a24b', '#b279a2', '#f58518'];
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: hasValidation ? 'best trial drawn thickest' : 'these trials have no validation split', subtitleFontSize: 11, subtitleColor: '#555' },
    config: chartConfig,
    // Not wider: at 421px and more vega drops the middle label of a 3-epoch axis (values [1, 2, 3]).
    width: 400,
    height: 260,
    data: { values: data },
    mark: { type: 'line', point: { filled: true, size: 40 } },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', scale: { domain: last > first ? [first, last] : [first - 0.5, first + 0.5], nice: false, padding: 12 }, axis: { format: 'd', values: epochTicks(first, last), grid: true } },
      y: { field: 'value', type: 'quantitative', title: hasValidation ? 'validation accuracy' : 'training accuracy', scale: { zero: false, padding: 12 }, axis: { grid: true } },
      color: {
        field: 'trial',
        type: 'nominal',
        title: 'rank, trial',
        sort: names,
        scale: { domain: names, range: names.map((_, i) => palette[i % palette.length]) },
        legend: { orient: 'bottom', direction: 'vertical', labelLimit: 520, symbolType: 'stroke', symbolStrokeWidth: 3 },
      },
      strokeWidth: { condition: { test: 'datum.rank === 1', value: 3.5 }, value: 1.8 },
      order: { field: 'epoch', type: 'quantitative' },
    },
  } as TopLevelSpec;
}

/** A 0..1 position for each value of one dimension, and the labelled ticks of its axis. */
interface Dimension {
  name: string;
  position: (v: unknown) => number | null;
  ticks: { pos: number; text: string }[];
}

function linear(lo: number, hi: number, log: boolean): (v: number) => number {
  const f = (v: number) => (log ? Math.log(v) : v);
  const a = f(lo);
  const b = f(hi);
  return (v) => (b === a ? 0.5 : (f(v) - a) / (b - a));
}

function gridDimension(key: string, rows: LeaderboardRow[], grid: Record<string, unknown>): Dimension {
  const axis = axisFor(distinctValues(key, rows, grid));
  if (axis.kind === 'numeric') {
    const scale = linear(axis.values[0], axis.values[axis.values.length - 1], axis.log);
    return {
      name: key,
      position: (v) => (typeof v === 'number' ? scale(v) : null),
      ticks: axis.values.map((v) => ({ pos: scale(v), text: valueText(v) })),
    };
  }
  const n = axis.values.length;
  const pos = (i: number) => (n === 1 ? 0.5 : i / (n - 1));
  return {
    name: key,
    position: (v) => {
      const i = axis.values.indexOf(valueText(v));
      return i < 0 ? null : pos(i);
    },
    ticks: axis.values.map((text, i) => ({ pos: pos(i), text })),
  };
}

/** Parallel coordinates: one vertical axis a grid key plus the metric, one line a completed trial. */
export function parallelSpec(rows: LeaderboardRow[], gridKeys: string[], ranking: Ranking, grid: Record<string, unknown>): TopLevelSpec {
  const metric = ranking.metric;
  const mTitle = metricTitle(metric);
  const title = `Hyperparameters and ${mTitle}`;
  const trials = scored(rows, metric).filter((r) => r.values);
  if (trials.length === 0) return messageSpec(title, `no completed trial has a ${mTitle}`);
  const scores = trials.map((t) => t.score);
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  const mScale = linear(lo, hi, false);
  const metricDim: Dimension = {
    name: mTitle,
    position: (v) => mScale(v as number),
    ticks: (hi > lo ? [lo, (lo + hi) / 2, hi] : [lo]).map((v) => ({ pos: mScale(v), text: formatMetric(metric, v) })),
  };
  const dims = [...gridKeys.map((k) => gridDimension(k, trials, grid)), metricDim];
  const dimNames = dims.map((d) => d.name);

  // Best trial last, so its line is drawn on top.
  const ordered = [...trials].sort((a, b) => (b.rank ?? 0) - (a.rank ?? 0));
  const lines = ordered.flatMap((t) =>
    dims.flatMap((d, i) => {
      const value = i < gridKeys.length ? t.values![gridKeys[i]] : t.score;
      const pos = d.position(value);
      return pos === null ? [] : [{ trial: t.trial_id, rank: t.rank, dim: d.name, di: i, pos, score: t.score }];
    }),
  );
  const ticks = dims.flatMap((d) => d.ticks.map((t) => ({ dim: d.name, pos: t.pos, text: t.text })));
  // Layers must agree on the axis, or a null one wins and the dimension names disappear.
  const x = {
    field: 'dim',
    type: 'nominal' as const,
    sort: dimNames,
    scale: { domain: dimNames, type: 'point' as const, padding: 0.3 },
    title: null,
    axis: { orient: 'bottom' as const, labelAngle: 0, labelFontSize: 12, labelFontWeight: 'bold' as const, domain: false, ticks: false, labelPadding: 8, labelLimit: 200 },
  };
  const y = { field: 'pos', type: 'quantitative' as const, scale: { domain: [0, 1], nice: false, padding: 10 }, axis: null };
  const best = ranking.goal === 'maximize' ? 'best: high' : 'best: low';
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: `one line a trial, coloured by ${mTitle} (${best}); best trial thickest`, subtitleFontSize: 11, subtitleColor: '#555' },
    config: { ...chartConfig, view: { stroke: null } },
    width: Math.max(520, dims.length * 180),
    height: 300,
    layer: [
      {
        data: { values: dimNames.map((dim) => ({ dim, lo: 0, hi: 1 })) },
        mark: { type: 'rule', color: '#888', strokeWidth: 1 },
        encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' } },
      },
      {
        data: { values: lines },
        mark: { type: 'line', opacity: 0.85 },
        encoding: {
          x,
          y,
          detail: { field: 'trial', type: 'nominal' },
          order: { field: 'di', type: 'quantitative' },
          color: {
            field: 'score',
            type: 'quantitative',
            title: mTitle,
            // Best trial darkest; the worst end is a dark orange, not a scheme's light end (viridis'
            // yellow hardly showed on white): every line keeps a contrast of 3:1 or more against the page.
            scale: { range: ranking.goal === 'maximize' ? [WORST_LINE, BEST_LINE] : [BEST_LINE, WORST_LINE], interpolate: 'lab' },
            legend: { orient: 'right', gradientLength: 200 },
          },
          strokeWidth: { condition: { test: 'datum.rank === 1', value: 4 }, value: 1.8 },
        },
      },
      // The same labels twice: a wide white outline first, so that a line crossing a label neither
      // hides it nor shows through the gaps between its glyphs (at 4 px, a line through "16,32" read "16;32").
      {
        data: { values: ticks },
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 6, fontSize: 11, stroke: 'white', strokeWidth: LABEL_HALO, strokeOpacity: 1, strokeJoin: 'round', color: 'white' },
        encoding: { x, y, text: { field: 'text', type: 'nominal' } },
      },
      {
        data: { values: ticks },
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 6, fontSize: 11, color: '#222' },
        encoding: { x, y, text: { field: 'text', type: 'nominal' } },
      },
      {
        data: { values: ticks },
        mark: { type: 'tick', orient: 'horizontal', size: 8, color: '#888', thickness: 1 },
        encoding: { x, y },
      },
    ],
  } as TopLevelSpec;
}

/** At most this many bars; the report's table lists the rest. */
export const MAX_BARS = 40;

/**
 * The leaderboard as a dot plot, rank 1 on top and highlighted, the value written beside each dot.
 * Dots, not bars: the axis is zoomed to the trials' values so that close ones stay apart, and a bar
 * from a baseline other than zero would misstate its value by its length.
 */
export function leaderboardBarSpec(rows: LeaderboardRow[], ranking: Ranking): TopLevelSpec {
  const metric = ranking.metric;
  const mTitle = metricTitle(metric);
  const all = scored(rows, metric);
  const title = `Leaderboard by ${mTitle}`;
  if (all.length === 0) return messageSpec(title, `no completed trial has a ${mTitle}`);
  const shown = all.slice(0, MAX_BARS);
  const data = shown.map((r) => ({ name: `#${r.rank} ${r.label}`, rank: r.rank, value: r.score, text: formatMetric(metric, r.score) }));
  const names = data.map((d) => d.name);
  const subtitle = [
    `${ranking.goal === 'maximize' ? 'higher' : 'lower'} is better; best trial highlighted`,
    ...(all.length > shown.length ? [`top ${shown.length} of ${all.length} completed trials`] : []),
  ].join('; ');
  const color = { condition: { test: 'datum.rank === 1', value: BEST_COLOR }, value: POINT_COLOR };
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle, subtitleFontSize: 11, subtitleColor: '#555' },
    config: chartConfig,
    width: 360,
    height: { step: 22 },
    data: { values: data },
    encoding: {
      y: { field: 'name', type: 'nominal', sort: names, title: null, axis: { labelLimit: 420, labelFontSize: 11, ticks: false, grid: true } },
      // The right margin leaves room for the value written beside the last dot.
      x: { field: 'value', type: 'quantitative', title: mTitle, ...metricScaleAxis(metric, data.map((d) => d.value), { margin: 0.15, ticks: 5 }) },
    },
    layer: [
      { mark: { type: 'point', filled: true, opacity: 1 }, encoding: { color, size: { condition: { test: 'datum.rank === 1', value: 120 }, value: 70 } } },
      {
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 8, fontSize: 11 },
        encoding: { text: { field: 'text', type: 'nominal' }, fontWeight: { condition: { test: 'datum.rank === 1', value: 'bold' }, value: 'normal' } },
      },
    ],
  } as TopLevelSpec;
}

/** `layers[0].kernel_size` → `layers_0_.kernel_size`, safe in a file name. */
function fileSafe(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
}

export interface SweepChartInput {
  rows: LeaderboardRow[];
  gridKeys: string[];
  grid: Record<string, unknown>;
  ranking: Ranking;
  /** History of the top trials, best first (at most 5). */
  topCurves: TrialCurves[];
}

/** Every chart of charts/, in the order the report shows them. */
export function sweepCharts(input: SweepChartInput): NamedChart[] {
  const { rows, gridKeys, grid, ranking } = input;
  const charts: NamedChart[] = [
    { name: 'leaderboard', title: 'Leaderboard', spec: leaderboardBarSpec(rows, ranking) },
    ...gridKeys.map((key, i) => ({ name: `param-${i + 1}-${fileSafe(key)}`, title: `${metricTitle(ranking.metric)} by ${key}`, spec: paramSpec(key, rows, ranking, grid) })),
    { name: 'parallel-coordinates', title: 'Parallel coordinates', spec: parallelSpec(rows, gridKeys, ranking, grid) },
    { name: 'top-curves', title: 'Validation accuracy of the top trials', spec: topCurvesSpec(input.topCurves) },
  ];
  return charts;
}
