/**
 * A whole search on a table of recorded curves, without training: the real loop, sampler and
 * pruner, with the replay executor and its simulated clock. What the search benchmark and the
 * search tests run. The space is the table's own: each varying setting, one of its recorded values.
 */
import type { RunnableConfig } from '../train/run.js';
import type { TrialEventListener } from './events.js';
import { ReplayExecutor, type CurveTable } from './executor/replay.js';
import { runLoop, type LoopSummary } from './loop.js';
import type { EpochMetric, Goal } from './objective.js';
import { AshaPruner } from './pruner/asha.js';
import { MedianPruner } from './pruner/median.js';
import { NoPruner, valuesByEpoch, type Pruner } from './pruner/pruner.js';
import { GridSampler } from './sampler/grid.js';
import { RandomSampler } from './sampler/random.js';
import type { Sampler } from './sampler/sampler.js';
import { TPE_DEFAULTS, TpeSampler, type TpeSettings } from './sampler/tpe.js';
import { Search, type RecordedTrial } from './search.js';
import type { Dimension } from './space.js';
import { sampledTrialId, trialLabel, type Trial, type TrialValues } from './trial.js';

export type ReplayPruning = { type: 'none' } | { type: 'asha'; minEpochs?: number; reductionFactor?: number } | { type: 'median'; startupTrials?: number; warmupEpochs?: number };

export interface ReplaySearchOptions {
  table: CurveTable;
  method: 'grid' | 'random' | 'tpe';
  seed: number;
  maxTrials: number;
  pruning?: ReplayPruning;
  metric?: EpochMetric;
  goal?: Goal;
  capacity?: number;
  /** Stop asking for trials once this many epochs are trained (the benchmark's budget). */
  epochBudget?: number;
  /** No trial starts after this many simulated seconds (a sweep's max_time_s). */
  maxTimeS?: number;
  tpe?: TpeSettings;
  /** Trials found "on disk": a resumed search. */
  recorded?: RecordedTrial[];
  listeners?: TrialEventListener[];
  signal?: AbortSignal;
}

export interface ReplayResult extends LoopSummary {
  /** Every trial that ended, in the order they ended. */
  trials: { number: number; values: TrialValues; status: string; best: number; epochs: number }[];
  /** The best value of the metric any trial reached (each trial's model is its best epoch's). */
  best: number;
  seconds: number;
}

export function tableSpace(table: CurveTable): Dimension[] {
  return table.keys.map((key) => ({ key, kind: 'categorical', choices: table.values[key] }));
}

export function pruner(pruning: ReplayPruning | undefined, maxEpochs: number, goal: Goal): Pruner {
  if (pruning?.type === 'asha') return new AshaPruner({ minEpochs: pruning.minEpochs ?? 1, reductionFactor: pruning.reductionFactor ?? 3, maxEpochs, goal });
  if (pruning?.type === 'median') return new MedianPruner({ startupTrials: pruning.startupTrials ?? 5, warmupEpochs: pruning.warmupEpochs ?? 1, goal });
  return new NoPruner();
}

function cartesian(lists: readonly unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((combos, list) => combos.flatMap((combo) => list.map((value) => [...combo, value])), [[]]);
}

export function sampler(options: ReplaySearchOptions): Sampler {
  const { table, seed, maxTrials } = options;
  const goal = options.goal ?? table.goal;
  if (options.method === 'grid') return new GridSampler(cartesian(table.keys.map((k) => table.values[k])).map((combo) => Object.fromEntries(table.keys.map((k, i) => [k, combo[i]]))));
  if (options.method === 'random') return new RandomSampler(tableSpace(table), seed, maxTrials);
  return new TpeSampler(tableSpace(table), seed, maxTrials, goal, options.tpe ?? TPE_DEFAULTS);
}

export async function replaySearch(options: ReplaySearchOptions): Promise<ReplayResult> {
  const { table } = options;
  const metric = options.metric ?? 'val_accuracy';
  const goal = options.goal ?? table.goal;
  const executor = new ReplayExecutor(table);
  const makeTrial = (number: number, values: TrialValues): Trial => {
    executor.row(values);
    return { id: sampledTrialId(number, values), label: trialLabel(values), number, index: number - 1, values, seed: options.seed, config: { epochs: table.epochs } as RunnableConfig };
  };
  const search = new Search(sampler(options), makeTrial, options.recorded ?? []);
  const prune = pruner(options.pruning, table.epochs, goal);
  for (const r of options.recorded ?? []) prune.finished(r.number, r.status, valuesByEpoch(r.history, (row) => row[metric] ?? Number.NaN));
  const trials: ReplayResult['trials'] = [];
  let epochs = 0;
  const summary = await runLoop({
    search,
    pruner: prune,
    objective: { metric, goal },
    execute: (trial, hooks) =>
      executor.run(trial, {
        onBatch: hooks.onBatch,
        onEpoch: (row, total) => {
          epochs++;
          return hooks.onEpoch(row, total);
        },
      }),
    capacity: options.capacity ?? 1,
    clock: executor.clock,
    beforeWait: executor.beforeWait,
    maxTimeS: options.maxTimeS,
    canStart: options.epochBudget === undefined ? undefined : () => epochs < options.epochBudget!,
    signal: options.signal,
    listeners: [
      (event) => {
        if (event.type !== 'ended') return;
        const values = event.history.map((row) => row[metric] ?? Number.NaN);
        const best = values.reduce((a, b) => (Number.isNaN(a) || (goal === 'maximize' ? b > a : b < a) ? b : a), Number.NaN);
        trials.push({ number: event.trial.number, values: event.trial.values, status: event.outcome.status, best, epochs: event.history.length });
      },
      ...(options.listeners ?? []),
    ],
  });
  const bests = trials.map((t) => t.best).filter(Number.isFinite);
  const best = bests.length === 0 ? Number.NaN : goal === 'maximize' ? Math.max(...bests) : Math.min(...bests);
  return { ...summary, trials, best, seconds: executor.clock() };
}
