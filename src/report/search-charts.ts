/**
 * The charts of how a sweep searched: the optimization history (each trial's metric and the best so
 * far, against trial number and against time), every trial's per-epoch validation curve with
 * pruned trials marked, parameter importance (PED-ANOVA), and for each numeric setting of a space
 * its values against the metric (a log axis for log-distributed ones). Grid sweeps get them too.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { HistoryRow } from '../train/history.js';
import { IMPORTANCE_METHOD, parameterImportance, topCount } from './importance.js';
import type { LeaderboardRow, Ranking } from './leaderboard.js';
import { metricTitle } from './metric-format.js';
import type { NamedChart } from './sweep-charts.js';
import type { TrialTimes } from './sweep-timing.js';
import { chartConfig } from '../charts/theme.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const STATUS_COLORS = { completed: '#4c78a8', pruned: '#bab0ac' };
const BEST_COLOR = '#e45756';

export interface SearchChartInput {
  rows: LeaderboardRow[];
  ranking: Ranking;
  /** Per trial id, its per-epoch history. */
  histories: Map<string, HistoryRow[]>;
  timeline: Map<string, TrialTimes>;
  /** The per-epoch metric the search learned from (val_accuracy unless the sweep says). */
  epochMetric: 'val_accuracy' | 'val_loss' | 'accuracy' | 'loss';
  /** The sweep's settings, and which of them are numeric distributions, on a log scale or not. */
  keys: string[];
  numericKeys: Map<string, { log: boolean }>;
}

interface Point {
  number: number;
  trial: string;
  status: string;
  value: number;
  minutes: number | null;
}

function finishedPoints(input: SearchChartInput): Point[] {
  const { metric } = input.ranking;
  return input.rows
    .filter((r) => (r.status === 'completed' || r.status === 'pruned') && r.number !== null && r[metric] !== null)
    .map((r) => {
      const end = input.timeline.get(r.trial_id)?.endS;
      return { number: r.number!, trial: r.label, status: r.status, value: r[metric] as number, minutes: end === undefined ? null : end / 60 };
    })
    .sort((a, b) => a.number - b.number);
}

/** Best so far among completed trials, in the order of `by`. */
function bestSoFar(points: Point[], ranking: Ranking, by: 'number' | 'minutes'): { x: number; best: number }[] {
  const ordered = points.filter((p) => p.status === 'completed' && (by === 'number' || p.minutes !== null)).sort((a, b) => (a[by] as number) - (b[by] as number));
  const out: { x: number; best: number }[] = [];
  let best: number | undefined;
  for (const p of ordered) {
    if (best === undefined || (ranking.goal === 'maximize' ? p.value > best : p.value < best)) best = p.value;
    out.push({ x: p[by] as number, best });
  }
  return out;
}

function historySpec(input: SearchChartInput, by: 'number' | 'minutes'): TopLevelSpec | undefined {
  const points = finishedPoints(input).filter((p) => by === 'number' || p.minutes !== null);
  if (points.length === 0) return undefined;
  const title = metricTitle(input.ranking.metric);
  const xTitle = by === 'number' ? 'trial number (order asked for)' : 'minutes since the sweep started (trial end)';
  return {
    $schema: SCHEMA,
    title: { text: `Optimization history: ${title} by ${by === 'number' ? 'trial' : 'time'}`, subtitle: 'red line: best completed trial so far; grey: pruned trials', subtitleFontSize: 11, subtitleColor: '#555' },
    config: chartConfig,
    width: 460,
    height: 260,
    layer: [
      {
        data: { values: points.map((p) => ({ ...p, x: p[by] })) },
        mark: { type: 'point', filled: true, size: 45, opacity: 0.85 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: xTitle, scale: { zero: false, nice: false, padding: 10 }, axis: by === 'number' ? { format: 'd', tickMinStep: 1 } : {} },
          y: { field: 'value', type: 'quantitative', title, scale: { zero: false, padding: 10 } },
          color: { field: 'status', type: 'nominal', title: 'status', scale: { domain: ['completed', 'pruned'], range: [STATUS_COLORS.completed, STATUS_COLORS.pruned] }, legend: { orient: 'bottom' } },
          tooltip: [{ field: 'number' }, { field: 'trial' }, { field: 'value' }],
        },
      },
      {
        data: { values: bestSoFar(points, input.ranking, by) },
        mark: { type: 'line', interpolate: 'step-after', color: BEST_COLOR, strokeWidth: 2 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'best', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}

function epochCurvesSpec(input: SearchChartInput): TopLevelSpec | undefined {
  const field = input.epochMetric;
  const data = input.rows
    .filter((r) => r.status === 'completed' || r.status === 'pruned')
    .flatMap((r) =>
      (input.histories.get(r.trial_id) ?? [])
        .filter((h) => h[field] !== null && Number.isFinite(h[field]))
        .map((h) => ({ trial: r.trial_id, status: r.status, epoch: h.epoch, value: h[field] as number })),
    );
  if (data.length === 0) return undefined;
  return {
    $schema: SCHEMA,
    title: { text: `Every trial's ${field} by epoch`, subtitle: 'grey, dashed: pruned trials, stopped where their line ends', subtitleFontSize: 11, subtitleColor: '#555' },
    config: chartConfig,
    width: 460,
    height: 260,
    data: { values: data },
    mark: { type: 'line', point: { size: 14, filled: true }, strokeWidth: 1.4, opacity: 0.8 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { format: 'd', tickMinStep: 1 }, scale: { nice: false } },
      y: { field: 'value', type: 'quantitative', title: field.replace('_', ' '), scale: { zero: false, padding: 10 } },
      detail: { field: 'trial', type: 'nominal' },
      color: { field: 'status', type: 'nominal', title: 'status', scale: { domain: ['completed', 'pruned'], range: [STATUS_COLORS.completed, STATUS_COLORS.pruned] }, legend: { orient: 'bottom' } },
      strokeDash: { field: 'status', type: 'nominal', scale: { domain: ['completed', 'pruned'], range: [[1, 0], [4, 3]] }, legend: null },
      order: { field: 'epoch', type: 'quantitative' },
    },
  } as TopLevelSpec;
}

function importanceSpec(input: SearchChartInput): TopLevelSpec | undefined {
  if (input.keys.length < 2) return undefined;
  const { metric } = input.ranking;
  const trials = input.rows.filter((r) => r.status === 'completed' && r.values && r[metric] !== null).map((r) => ({ values: r.values!, score: r[metric] as number }));
  const logKeys = new Set([...input.numericKeys].filter(([, d]) => d.log).map(([k]) => k));
  const importances = parameterImportance({ trials, keys: input.keys, logKeys, goal: input.ranking.goal });
  if (importances.length === 0) return undefined;
  return {
    $schema: SCHEMA,
    title: { text: `Parameter importance (${IMPORTANCE_METHOD})`, subtitle: `how differently each setting is spread among the best ${topCount(trials.length)} of the ${trials.length} completed trials (by ${metricTitle(metric)}) than among all of them`, subtitleFontSize: 11, subtitleColor: '#555' },
    config: chartConfig,
    width: 400,
    height: { step: 26 },
    data: { values: importances.map((i) => ({ key: i.key, importance: i.importance, text: `${(100 * i.importance).toFixed(0)}%` })) },
    encoding: { y: { field: 'key', type: 'nominal', sort: null, title: null, axis: { labelLimit: 260 } } },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' }, encoding: { x: { field: 'importance', type: 'quantitative', title: 'importance (share of the total)', scale: { domain: [0, 1] }, axis: { format: '.0%' } } } },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 }, encoding: { x: { field: 'importance', type: 'quantitative' }, text: { field: 'text' } } },
    ],
  } as TopLevelSpec;
}

function scatterSpec(input: SearchChartInput, key: string, log: boolean): TopLevelSpec | undefined {
  const { metric } = input.ranking;
  const data = input.rows
    .filter((r) => (r.status === 'completed' || r.status === 'pruned') && r.values && typeof r.values[key] === 'number' && r[metric] !== null)
    .map((r) => ({ x: r.values![key] as number, value: r[metric] as number, status: r.status, trial: r.label }));
  if (data.length === 0) return undefined;
  return {
    $schema: SCHEMA,
    title: { text: `${metricTitle(metric)} by ${key}`, subtitle: log ? 'log axis: the setting was drawn on a log scale' : 'each point a trial', subtitleFontSize: 11, subtitleColor: '#555' },
    config: chartConfig,
    width: 400,
    height: 240,
    data: { values: data },
    mark: { type: 'point', filled: true, size: 50, opacity: 0.85 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: key, scale: log ? { type: 'log', nice: false } : { zero: false, nice: false, padding: 10 }, axis: log ? { format: '~g' } : {} },
      y: { field: 'value', type: 'quantitative', title: metricTitle(metric), scale: { zero: false, padding: 10 } },
      color: { field: 'status', type: 'nominal', title: 'status', scale: { domain: ['completed', 'pruned'], range: [STATUS_COLORS.completed, STATUS_COLORS.pruned] }, legend: { orient: 'bottom' } },
      tooltip: [{ field: 'trial' }, { field: 'x', title: key }, { field: 'value' }],
    },
  } as TopLevelSpec;
}

function fileSafe(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
}

/** The search charts, in the order the report shows them; a chart with nothing to show is left out. */
export function searchCharts(input: SearchChartInput): NamedChart[] {
  const charts: (NamedChart | undefined)[] = [
    wrap('search-history', 'Optimization history by trial', historySpec(input, 'number')),
    wrap('search-history-time', 'Optimization history by time', historySpec(input, 'minutes')),
    wrap('epoch-curves', 'Every trial by epoch', epochCurvesSpec(input)),
    wrap('importance', 'Parameter importance', importanceSpec(input)),
    ...[...input.numericKeys].map(([key, { log }]) => wrap(`value-${fileSafe(key)}`, `${metricTitle(input.ranking.metric)} by ${key}`, scatterSpec(input, key, log))),
  ];
  return charts.filter((c): c is NamedChart => c !== undefined);
}

function wrap(name: string, title: string, spec: TopLevelSpec | undefined): NamedChart | undefined {
  return spec ? { name, title, spec } : undefined;
}
