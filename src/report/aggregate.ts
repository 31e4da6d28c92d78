/**
 * A sweep folder's trials → its report: leaderboard.csv and .json, charts/, best/ and report.html,
 * rebuilt from trials/ alone (the aggregator reads only trial folders). Every output is written
 * atomically: files through a temporary sibling, charts/ and best/ staged and swapped in whole.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import type { RunMetrics } from '../train/metrics.js';
import { BEST_DIR, removeDeadLeftovers, stageFolder, writeBestFolder } from './best.js';
import { reportHtml, type BestTrialDetails, type ReportChart } from './html.js';
import { leaderboardCsv, leaderboardJson, leaderboardSummary, type LeaderboardRow, type Ranking } from './leaderboard.js';
import { OPTUNA_JOURNAL, optunaJournal } from './optuna-journal.js';
import { rankSweep, type RankOptions } from './rank-sweep.js';
import { configurationsCsv, REPLICATE_KEY, type Configuration } from './replicates.js';
import { readConfusionCsv, readHistory, type TrialEntry } from './read-trials.js';
import { renderVegaLite } from '../charts/render.js';
import { searchCharts } from './search-charts.js';
import { sweepCharts, type NamedChart, type TrialCurves } from './sweep-charts.js';
import { readTimeline, sweepWallSeconds } from './sweep-timing.js';

export const LEADERBOARD_CSV = 'leaderboard.csv';
export const LEADERBOARD_JSON = 'leaderboard.json';
export const CHARTS_DIR = 'charts';
export const REPORT_HTML = 'report.html';
/** Seeds as replicates: one row a configuration (report/replicates.ts). */
export const CONFIGURATIONS_CSV = 'configurations.csv';
/** How many of the best trials the curves chart overlays. */
export const TOP_CURVES = 5;

/** What `convsweep report` and the sweep runner may change about the report. */
export type ReportOptions = RankOptions;

export interface ReportResult {
  /** Ranked rows: completed by rank, then failed, then unreadable. */
  rows: LeaderboardRow[];
  /** The trial named best (best/ holds it), null when none completed. */
  bestTrialId: string | null;
  best?: LeaderboardRow;
  /** Seeds as replicates: configurations ranked by their mean. */
  configurations?: Configuration[];
  ranking: Ranking;
  /** False when there was nothing to report (empty trials/ with ifEmpty 'skip'). */
  written: boolean;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function renderCharts(sweepDir: string, charts: NamedChart[]): Promise<ReportChart[]> {
  const staged = await stageFolder(join(sweepDir, CHARTS_DIR));
  try {
    const rendered: ReportChart[] = [];
    for (const chart of charts) {
      const { svg, png } = await renderVegaLite(chart.spec);
      await writeFile(join(staged.path, `${chart.name}.svg`), svg);
      await writeFile(join(staged.path, `${chart.name}.png`), png);
      await writeFile(join(staged.path, `${chart.name}.vl.json`), `${JSON.stringify(chart.spec, null, 2)}\n`);
      rendered.push({ name: chart.name, title: chart.title, svg });
    }
    await staged.commit();
    return rendered;
  } catch (err) {
    await staged.discard();
    throw err;
  }
}

async function bestDetails(best: TrialEntry | undefined, row: LeaderboardRow | undefined): Promise<BestTrialDetails | undefined> {
  if (!best || !row || !best.metrics) return undefined;
  return {
    row,
    metrics: best.metrics,
    curvesSvg: await readOptional(join(best.dir, 'curves.svg')),
    confusionTestSvg: await readOptional(join(best.dir, 'confusion-test.svg')),
    confusionTrainSvg: await readOptional(join(best.dir, 'confusion-train.svg')),
    confusion: await readConfusionCsv(join(best.dir, 'confusion-test.csv')),
  };
}

/**
 * Rebuilds the whole report of `sweepDir` from its trials/. Called by the sweep runner at the end of
 * a sweep (also an interrupted one) and by `convsweep report`.
 */
export async function writeReport(sweepDir: string, options: ReportOptions = {}): Promise<ReportResult> {
  const { sweep, trials, ranking, rows, configurations, best: bestRow } = await rankSweep(sweepDir, options);
  if (trials.length === 0) return { rows: [], bestTrialId: null, ranking, written: false };
  await removeDeadLeftovers(sweepDir, [CHARTS_DIR, BEST_DIR, LEADERBOARD_CSV, LEADERBOARD_JSON, CONFIGURATIONS_CSV, REPORT_HTML, OPTUNA_JOURNAL]);

  const summary = leaderboardSummary(rows, sweep, ranking, { best: bestRow, configurations });
  await writeFileAtomic(join(sweepDir, LEADERBOARD_CSV), leaderboardCsv(rows, sweep.gridKeys));
  await writeFileAtomic(join(sweepDir, LEADERBOARD_JSON), leaderboardJson(summary));
  if (configurations) await writeFileAtomic(join(sweepDir, CONFIGURATIONS_CSV), configurationsCsv(configurations, ranking));
  else await rm(join(sweepDir, CONFIGURATIONS_CSV), { force: true });
  const byId = new Map(trials.map((t) => [t.id, t]));
  // Each finished trial's history.csv, read once for the journal and every chart.
  const finished = rows.filter((r) => r.status === 'completed' || r.status === 'pruned');
  const histories = new Map(await Promise.all(finished.map(async (r) => [r.trial_id, await readHistory(byId.get(r.trial_id)!.dir)] as const)));
  await writeFileAtomic(join(sweepDir, OPTUNA_JOURNAL), await optunaJournal(sweep, trials, histories));

  const top = rows.filter((r) => r.rank !== null && r[ranking.metric] !== null).slice(0, TOP_CURVES);
  const topCurves: TrialCurves[] = top.map((r) => ({ rank: r.rank!, label: r.label, history: histories.get(r.trial_id)! }));
  const space = (sweep.definition.space ?? {}) as Record<string, unknown>;
  const isDistribution = (entry: unknown) => typeof entry === 'object' && entry !== null && !Array.isArray(entry);
  // A space's distributions get scatters (search charts), not a chart a distinct value.
  const grid = (sweep.definition.grid ?? Object.fromEntries(Object.entries(space).filter(([, e]) => !isDistribution(e)))) as Record<string, unknown>;
  // Seeds are replicates, not a setting whose effect is charted.
  const listedKeys = sweep.gridKeys.filter((k) => !isDistribution(space[k]) && !(configurations && k === REPLICATE_KEY));
  const numericKeys = new Map(Object.entries(space).filter(([, e]) => isDistribution(e)).map(([k, e]) => [k, { log: String((e as { distribution?: unknown }).distribution).endsWith('log_uniform') }]));
  const early = sweep.definition.early_stopping as { metric?: 'val_accuracy' | 'val_loss' | 'accuracy' | 'loss' } | undefined;
  const charts = await renderCharts(sweepDir, [
    ...sweepCharts({ rows, gridKeys: listedKeys, grid, ranking, topCurves }),
    ...searchCharts({ rows, ranking, histories, timeline: await readTimeline(sweepDir), epochMetric: early?.metric ?? 'val_accuracy', keys: sweep.gridKeys, numericKeys }),
  ]);

  await writeBestFolder(sweepDir, bestRow, configurations?.[0]);

  const metrics = new Map<string, RunMetrics>(trials.filter((t) => t.metrics).map((t) => [t.id, t.metrics!]));
  const best = await bestDetails(bestRow && byId.get(bestRow.trial_id), bestRow);
  await writeFileAtomic(join(sweepDir, REPORT_HTML), reportHtml({ sweep, ranking, summary, charts, best, metrics, wallSeconds: await sweepWallSeconds(sweepDir) }));
  return { rows, bestTrialId: bestRow?.trial_id ?? null, ...(bestRow ? { best: bestRow } : {}), ...(configurations ? { configurations } : {}), ranking, written: true };
}
