/**
 * Parameter importance by PED-ANOVA (Watanabe, Bansal and Hutter, IJCAI 2023; Optuna's
 * PedAnovaImportanceEvaluator): a setting matters as much as the distribution of its values among
 * the best trials (the top `topQuantile`) differs from its distribution over all trials, measured as
 * the Pearson χ² divergence ∫ p_all (p_top / p_all − 1)². A setting whose good values are spread like
 * all its values scores 0. Numeric settings are compared as kernel densities on their (log) scale,
 * categorical ones as smoothed frequencies. Works on any set of finished trials, grid or sampled,
 * with no model to fit; importances are normalised to sum to 1.
 */
import type { Goal } from './read-trials.js';

export interface ImportanceInput {
  /** Each trial's settings and its score (the ranking metric). */
  trials: { values: Record<string, unknown>; score: number }[];
  keys: string[];
  /** Keys drawn on a log scale (log_uniform, int_log_uniform). */
  logKeys?: ReadonlySet<string>;
  goal: Goal;
  topQuantile?: number;
}

export interface Importance {
  key: string;
  /** Share of the total divergence, 0..1. */
  importance: number;
  divergence: number;
}

export const IMPORTANCE_METHOD = 'PED-ANOVA';
const GRID_POINTS = 64;
const MIN_TOP = 2;

function keyText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Gaussian kernel density on [0, 1] at GRID_POINTS points, Scott's bandwidth, as probabilities. */
function density(points: number[], bandwidth: number): number[] {
  const grid = Array.from({ length: GRID_POINTS }, (_, i) => (i + 0.5) / GRID_POINTS);
  const raw = grid.map((x) => points.reduce((s, p) => s + Math.exp(-0.5 * ((x - p) / bandwidth) ** 2), 0));
  const total = raw.reduce((s, v) => s + v, 0);
  return raw.map((v) => v / total);
}

function pearson(top: number[], all: number[]): number {
  return all.reduce((s, p, i) => (p > 0 ? s + p * (top[i] / p - 1) ** 2 : s), 0);
}

/** How many of `n` trials count as the best ones. */
export function topCount(n: number, topQuantile = 0.1): number {
  return Math.max(MIN_TOP, Math.ceil(topQuantile * n));
}

/** Importances, most important first; [] when there are too few trials to tell. */
export function parameterImportance(input: ImportanceInput): Importance[] {
  const trials = input.trials.filter((t) => Number.isFinite(t.score));
  const best = topCount(trials.length, input.topQuantile);
  if (trials.length < 2 * MIN_TOP || best >= trials.length) return [];
  const sign = input.goal === 'maximize' ? -1 : 1;
  const top = [...trials].sort((a, b) => sign * (a.score - b.score)).slice(0, best);
  const divergences = input.keys.map((key) => {
    const values = trials.map((t) => t.values[key]);
    const numeric = values.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (numeric && new Set(values).size > 4) {
      const log = input.logKeys?.has(key) === true && values.every((v) => (v as number) > 0);
      const f = (v: unknown) => (log ? Math.log(v as number) : (v as number));
      const lo = Math.min(...values.map(f));
      const hi = Math.max(...values.map(f));
      const scale = (v: unknown) => (hi > lo ? (f(v) - lo) / (hi - lo) : 0.5);
      const bandwidth = (n: number) => Math.max(0.05, 1.06 * 0.3 * n ** -0.2);
      return pearson(density(top.map((t) => scale(t.values[key])), bandwidth(top.length)), density(values.map(scale), bandwidth(values.length)));
    }
    // Categorical (or few distinct numbers): frequencies, each smoothed by one pseudo-count.
    const categories = [...new Set(values.map(keyText))];
    const frequencies = (of: unknown[]) => {
      const counts = categories.map((c) => of.filter((v) => keyText(v) === c).length + 1);
      const total = counts.reduce((s, c) => s + c, 0);
      return counts.map((c) => c / total);
    };
    return pearson(frequencies(top.map((t) => t.values[key])), frequencies(values));
  });
  const total = divergences.reduce((s, d) => s + d, 0);
  return input.keys
    .map((key, i) => ({ key, divergence: divergences[i], importance: total > 0 ? divergences[i] / total : 0 }))
    .sort((a, b) => b.importance - a.importance || (a.key < b.key ? -1 : 1));
}
