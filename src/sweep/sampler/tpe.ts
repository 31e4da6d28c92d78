/**
 * Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011), multivariate, after Optuna's
 * TPESampler: the trials so far are split into a good share (the best ceil(γ·n), at most 25) and
 * the rest; each share becomes a Parzen density over the whole space (one kernel per trial plus a
 * wide prior); candidates drawn from the good density are scored by log l(x) − log g(x) and the
 * best is tried. Until `startupTrials` trials have finished it draws at random (RandomSampler's
 * values, so both methods share their first trials).
 *
 * Ordering (Optuna's): completed trials by value, then pruned ones — more epochs first, then by
 * value — then trials still running (the constant liar: counted as bad, so that parallel workers
 * spread out instead of piling onto one point) and failed ones (bad: their region diverged).
 */
import type { Goal } from '../objective.js';
import { choiceIndex, drawValues, fromInternal, internalBounds, toInternal, type Dimension } from '../space.js';
import type { TrialValues } from '../trial.js';
import type { Observation, Sampler, SearchState } from './sampler.js';
import { trialRng } from './seeded.js';

export interface TpeSettings {
  startupTrials: number;
  eiCandidates: number;
  /** The good share: ceil(gamma × n), at most MAX_GOOD. */
  gamma: number;
}

export const TPE_DEFAULTS: TpeSettings = { startupTrials: 10, eiCandidates: 24, gamma: 0.1 };
const MAX_GOOD = 25;
const PRIOR_WEIGHT = 1;
/** Optuna's multivariate bandwidth: 0.2 · n^(−1/(d+4)) of the range (Scott's rule). */
const SIGMA0 = 0.2;
const CANDIDATE_STREAM = 1;

/** A trial as a point: the internal value of each numeric dimension, the index of each categorical one. */
type Point = number[];

interface Kernel {
  weight: number;
  /** Per dimension: the mean (numeric) or the probabilities of each choice (categorical). */
  centers: (number | number[])[];
}

interface Density {
  kernels: Kernel[];
  /** Per numeric dimension, the kernels' shared bandwidth; the prior kernel's is the whole range. */
  sigmas: number[];
}

/** erf, Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): enough for a ratio of densities. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

const normalCdf = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));

function logTruncatedNormal(x: number, mu: number, sigma: number, low: number, high: number): number {
  const z = (x - mu) / sigma;
  const mass = Math.max(normalCdf((high - mu) / sigma) - normalCdf((low - mu) / sigma), 1e-300);
  return -0.5 * z * z - Math.log(sigma * Math.sqrt(2 * Math.PI)) - Math.log(mass);
}

function logSumExp(xs: number[]): number {
  const max = Math.max(...xs);
  if (!Number.isFinite(max)) return max;
  return max + Math.log(xs.reduce((s, x) => s + Math.exp(x - max), 0));
}

function standardNormal(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

export class TpeSampler implements Sampler {
  readonly method = 'tpe';
  private readonly bounds: ({ low: number; high: number } | undefined)[];

  constructor(
    private readonly dims: readonly Dimension[],
    private readonly seed: number,
    readonly maxTrials: number,
    private readonly goal: Goal,
    private readonly settings: TpeSettings = TPE_DEFAULTS,
  ) {
    this.bounds = dims.map((d) => (d.kind === 'numeric' ? internalBounds(d) : undefined));
  }

  isFixed(number: number): boolean {
    return number <= this.settings.startupTrials;
  }

  propose(number: number, state: SearchState): TrialValues {
    const scored = state.finished.filter((o) => o.status !== 'failed' && Number.isFinite(o.value));
    if (number <= this.settings.startupTrials || scored.length < this.settings.startupTrials) return drawValues(this.dims, trialRng(this.seed, number));
    const { good, bad } = this.split(state);
    const l = this.density(good.map((o) => this.encode(o.values)));
    const g = this.density(bad.map((v) => this.encode(v)));
    const rng = trialRng(this.seed, number, CANDIDATE_STREAM);
    let best: { point: Point; score: number } | undefined;
    for (let c = 0; c < this.settings.eiCandidates; c++) {
      const point = this.sample(l, rng);
      const score = this.logDensity(l, point) - this.logDensity(g, point);
      if (!best || score > best.score) best = { point, score };
    }
    return this.decode(best!.point);
  }

  /** The good share and the rest (as values), in Optuna's order. */
  private split(state: SearchState): { good: Observation[]; bad: TrialValues[] } {
    const sign = this.goal === 'maximize' ? -1 : 1;
    const byValue = (a: Observation, b: Observation) => sign * (a.value - b.value) || a.number - b.number;
    const completed = state.finished.filter((o) => o.status === 'completed' && Number.isFinite(o.value)).sort(byValue);
    const pruned = state.finished.filter((o) => o.status === 'pruned' && Number.isFinite(o.value)).sort((a, b) => b.epochsRun - a.epochsRun || byValue(a, b));
    const ranked = [...completed, ...pruned];
    const rest = state.finished.filter((o) => !Number.isFinite(o.value) || o.status === 'failed');
    const total = ranked.length + state.running.length + rest.length;
    const goodCount = Math.min(Math.max(1, Math.ceil(this.settings.gamma * total)), MAX_GOOD, ranked.length);
    return {
      good: ranked.slice(0, goodCount),
      bad: [...ranked.slice(goodCount), ...state.running, ...rest].map((o) => o.values),
    };
  }

  private encode(values: TrialValues): Point {
    return this.dims.map((dim) => (dim.kind === 'numeric' ? toInternal(dim, values[dim.key] as number) : choiceIndex(dim, values[dim.key])));
  }

  private decode(point: Point): TrialValues {
    return Object.fromEntries(this.dims.map((dim, d) => [dim.key, dim.kind === 'numeric' ? fromInternal(dim, point[d]) : dim.choices[point[d]]]));
  }

  /** One kernel per point plus the prior (the range's middle, the whole range wide; a uniform choice). */
  private density(points: Point[]): Density {
    const n = points.length;
    const numericCount = this.dims.filter((d) => d.kind === 'numeric').length;
    const bandwidth = SIGMA0 * Math.max(n, 1) ** (-1 / (numericCount + 4));
    const weights = points.length < MAX_GOOD ? points.map(() => 1) : points.map((_, i) => (i < points.length - MAX_GOOD ? (i + 1) / points.length : 1));
    const total = weights.reduce((s, w) => s + w, 0) + PRIOR_WEIGHT;
    const centersOf = (point: Point | undefined) =>
      this.dims.map((dim, d) => {
        if (dim.kind === 'numeric') {
          const { low, high } = this.bounds[d]!;
          return point ? point[d] : (low + high) / 2;
        }
        const k = dim.choices.length;
        const probabilities = new Array<number>(k).fill(PRIOR_WEIGHT / (n + 1));
        if (point && point[d] >= 0) probabilities[point[d]] += 1;
        const sum = probabilities.reduce((s, p) => s + p, 0);
        return probabilities.map((p) => p / sum);
      });
    const kernels: Kernel[] = points.map((point, i) => ({ weight: weights[i] / total, centers: centersOf(point) }));
    kernels.push({ weight: PRIOR_WEIGHT / total, centers: centersOf(undefined) });
    const sigmas = this.dims.map((_, d) => {
      const b = this.bounds[d];
      return b ? bandwidth * (b.high - b.low) : 0;
    });
    return { kernels, sigmas };
  }

  private isPrior(density: Density, k: number): boolean {
    return k === density.kernels.length - 1;
  }

  private sigmaOf(density: Density, k: number, d: number): number {
    const b = this.bounds[d]!;
    return this.isPrior(density, k) ? b.high - b.low : Math.max(density.sigmas[d], 1e-12);
  }

  private sample(density: Density, rng: () => number): Point {
    let r = rng();
    let k = 0;
    while (k < density.kernels.length - 1 && r >= density.kernels[k].weight) r -= density.kernels[k++].weight;
    const kernel = density.kernels[k];
    return this.dims.map((dim, d) => {
      const center = kernel.centers[d];
      if (dim.kind === 'categorical') {
        let u = rng();
        const probabilities = center as number[];
        let j = 0;
        while (j < probabilities.length - 1 && u >= probabilities[j]) u -= probabilities[j++];
        return j;
      }
      const { low, high } = this.bounds[d]!;
      const sigma = this.sigmaOf(density, k, d);
      // Rejection from the normal: the truncation keeps at least a few percent of its mass here.
      for (let attempt = 0; attempt < 100; attempt++) {
        const x = (center as number) + sigma * standardNormal(rng);
        if (x >= low && x <= high) return toInternal(dim, fromInternal(dim, x));
      }
      return toInternal(dim, fromInternal(dim, Math.min(high, Math.max(low, center as number))));
    });
  }

  private logDensity(density: Density, point: Point): number {
    return logSumExp(
      density.kernels.map((kernel, k) => {
        let log = Math.log(kernel.weight);
        this.dims.forEach((dim, d) => {
          if (dim.kind === 'categorical') log += Math.log((kernel.centers[d] as number[])[point[d]] ?? 1e-300);
          else {
            const { low, high } = this.bounds[d]!;
            log += logTruncatedNormal(point[d], kernel.centers[d] as number, this.sigmaOf(density, k, d), low, high);
          }
        });
        return log;
      }),
    );
  }
}
