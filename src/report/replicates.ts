/**
 * Seeds as replicates. A sweep with `seed` among its grid (or space) keys runs each configuration
 * several times; the seed is not a hyperparameter to pick, so the report groups a configuration's
 * completed trials, ranks configurations by their mean, and names as the winner the configuration,
 * not its luckiest seed. best/ ships the model of the replicate nearest the configuration's mean:
 * what a user retraining that config should expect, rather than the top of the noise.
 */
import { stringify } from 'csv-stringify/sync';
import { valueText, type LeaderboardRow, type Ranking } from './leaderboard.js';
import { formatMetric, metricColumnTexts } from './metric-format.js';

/** The grid key whose values are replicates rather than settings. */
export const REPLICATE_KEY = 'seed';

export interface Configuration {
  /** 1 = best mean. */
  rank: number;
  /** The label without the seed: `filters=16,32 lr=0.003`. */
  label: string;
  /** The configuration's values, the seed left out. */
  values: Record<string, unknown>;
  /** Completed replicates, best first. */
  trialIds: string[];
  seeds: unknown[];
  n: number;
  /** Of the ranking metric over the replicates that have it; sd is the sample standard deviation (null for n < 2). */
  mean: number | null;
  sd: number | null;
  /** The replicate nearest the mean: the one best/ ships. */
  representative: string;
}

function withoutSeed(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => key !== REPLICATE_KEY));
}

function labelOf(values: Record<string, unknown>): string {
  const entries = Object.entries(values);
  // A grid of seeds alone replicates the base config itself.
  if (entries.length === 0) return 'the base config';
  return entries.map(([key, value]) => `${key}=${valueText(value)}`).join(' ');
}

function meanAndSd(values: number[]): { mean: number | null; sd: number | null } {
  if (values.length === 0) return { mean: null, sd: null };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return { mean, sd: null };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, sd: Math.sqrt(variance) };
}

/**
 * The completed trials grouped by configuration and ranked by mean, or undefined when the sweep
 * has no seed key or no configuration ran with two seeds (then trials are ranked as they are).
 * `rows` are in leaderboard order, so each group's replicates come best first.
 */
export function groupReplicates(rows: readonly LeaderboardRow[], ranking: Ranking, gridKeys: readonly string[]): Configuration[] | undefined {
  if (!gridKeys.includes(REPLICATE_KEY)) return undefined;
  const groups = new Map<string, LeaderboardRow[]>();
  for (const row of rows) {
    if (row.status !== 'completed' || !row.values) continue;
    const key = JSON.stringify(withoutSeed(row.values));
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  if (![...groups.values()].some((g) => g.length >= 2)) return undefined;
  const sign = ranking.goal === 'maximize' ? -1 : 1;
  const configurations = [...groups.values()].map((group) => {
    const values = withoutSeed(group[0].values!);
    const scores = group.flatMap((r) => (r[ranking.metric] === null ? [] : [r[ranking.metric] as number]));
    const { mean, sd } = meanAndSd(scores);
    // Nearest the mean; among equals, the better-ranked replicate (rows are in leaderboard order).
    const representative = mean === null ? group[0] : group.reduce((a, r) => (Math.abs((r[ranking.metric] ?? Infinity) - mean) < Math.abs((a[ranking.metric] ?? Infinity) - mean) ? r : a));
    return { rank: 0, label: labelOf(values), values, trialIds: group.map((r) => r.trial_id), seeds: group.map((r) => r.values![REPLICATE_KEY]), n: group.length, mean, sd, representative: representative.trial_id };
  });
  configurations.sort((a, b) => {
    if (a.mean === null || b.mean === null) return a.mean === b.mean ? 0 : a.mean === null ? 1 : -1;
    // More replicates first among equal means: the better-supported estimate.
    return sign * (a.mean - b.mean) || b.n - a.n || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
  });
  configurations.forEach((c, i) => (c.rank = i + 1));
  return configurations;
}

/** The trial the report names best and best/ ships: the best configuration's representative, else rank 1. */
export function winningRow(rows: readonly LeaderboardRow[], configurations: readonly Configuration[] | undefined): LeaderboardRow | undefined {
  const id = configurations?.[0]?.representative;
  return id === undefined ? rows.find((r) => r.rank === 1) : rows.find((r) => r.trial_id === id);
}

/** configurations.csv: one row a configuration, ranked by mean, with its seeds and the replicate best/ ships. */
export function configurationsCsv(configurations: readonly Configuration[], ranking: Ranking): string {
  const means = metricColumnTexts(ranking.metric, configurations.map((c) => c.mean));
  const sds = metricColumnTexts(ranking.metric, configurations.map((c) => c.sd));
  const records = configurations.map((c, i) => [c.rank, c.label, c.n, means[i], sds[i], c.seeds.map(valueText).join(' '), c.trialIds.join(' '), c.representative]);
  return stringify(records, { header: true, columns: ['rank', 'configuration', 'n', `mean_${ranking.metric}`, `sd_${ranking.metric}`, 'seeds', 'trial_ids', 'best_ships'], eof: true });
}

/** `0.9712 ± 0.0021 over 3 seeds` (a single replicate: `0.9712, 1 seed`). */
export function meanText(configuration: Configuration, metric: string): string {
  const seeds = `${configuration.n} seed${configuration.n === 1 ? '' : 's'}`;
  if (configuration.mean === null) return `no ${metric} (${seeds})`;
  return configuration.sd === null ? `${formatMetric(metric, configuration.mean)}, ${seeds}` : `${formatMetric(metric, configuration.mean)} ± ${formatMetric(metric, configuration.sd)} over ${seeds}`;
}

/** Which replicate's model best/ holds, for people: `seed 2's model, the replicate nearest the mean`. */
export function shippedText(configuration: Configuration): string {
  const index = configuration.trialIds.indexOf(configuration.representative);
  return `seed ${valueText(configuration.seeds[index])}'s model (trial ${configuration.representative}), the replicate nearest the mean`;
}
