/**
 * The sweep loop: executor × search (sampler) × pruner × listeners, and nothing else. Whenever the
 * executor has room it asks the search for a trial; each epoch a running trial reports is answered
 * by the pruner (stop or go on) before the trial starts its next one; each ending is told to the
 * sampler and the pruner. Planning, resume and backend choice happen before; files are the
 * executor's and the listeners' business.
 */
import type { HistoryRow } from '../train/history.js';
import type { BatchProgress } from '../train/trainer.js';
import type { TrialEvent, TrialEventListener } from './events.js';
import { bestOf, type EpochMetric, type Goal } from './objective.js';
import { valuesByEpoch, type Pruner } from './pruner/pruner.js';
import type { Observation } from './sampler/sampler.js';
import { InvalidTrialError, type Search } from './search.js';
import { TrialStatus } from './status.js';
import type { Trial, TrialOutcome } from './trial.js';

export interface TrialHooks {
  onBatch(progress: BatchProgress): void;
  /** The trial finished an epoch; true: stop it now (pruned), before its next epoch. */
  onEpoch(row: HistoryRow, epochs: number): boolean;
}

export interface LoopOptions {
  search: Search;
  pruner: Pruner;
  /** What the pruner and the sampler learn from, and which way is better. */
  objective: { metric: EpochMetric; goal: Goal };
  /** Runs one trial to its end; resolves (never rejects) with how it ended. */
  execute(trial: Trial, hooks: TrialHooks): Promise<TrialOutcome>;
  /** Trials at once. */
  capacity: number;
  listeners?: readonly TrialEventListener[];
  /** Aborting stops asking for trials; the executor stops the running ones. */
  signal?: AbortSignal;
  /** Seconds; the replay executor's simulated clock, or real time. */
  clock?: () => number;
  /** No trial starts once the loop has run this long. */
  maxTimeS?: number;
  /** Asked before each start: false ends the asking (a benchmark's epoch budget). */
  canStart?: () => boolean;
  /** Called whenever the loop waits for a trial to end: the replay executor plays its next events then. */
  beforeWait?: () => void;
  /** A trial whose values make an invalid config: recorded as failed, never run. */
  onRefused?: (error: InvalidTrialError) => Promise<void> | void;
}

export interface LoopSummary {
  completed: number;
  pruned: number;
  failed: number;
  /** Interrupted before they ended: not recorded. */
  stopped: number;
  /** Epochs the trials of this loop trained. */
  epochs: number;
  /** Trials the loop did not start because max_time_s had passed. */
  timeUp: boolean;
}

const realClock = () => performance.now() / 1000;

/** The observation a sampler learns from: the best value of the metric over the epochs run. */
export function observe(trial: Trial, status: Observation['status'], history: readonly HistoryRow[], objective: LoopOptions['objective']): Observation {
  const values = history.map((row) => row[objective.metric] ?? Number.NaN);
  return { number: trial.number, values: trial.values, status, value: bestOf(objective.goal, values) ?? Number.NaN, epochsRun: history.length };
}

export async function runLoop(options: LoopOptions): Promise<LoopSummary> {
  const { search, pruner, objective } = options;
  const clock = options.clock ?? realClock;
  const started = clock();
  const summary: LoopSummary = { completed: 0, pruned: 0, failed: 0, stopped: 0, epochs: 0, timeUp: false };
  const emit = (event: TrialEvent) => options.listeners?.forEach((listen) => listen(event));

  const runOne = async (trial: Trial): Promise<void> => {
    const history: HistoryRow[] = [];
    emit({ type: 'started', trial, at: clock() });
    const outcome = await options.execute(trial, {
      onBatch: (progress) => emit({ type: 'batch', trial, progress }),
      onEpoch: (row, epochs) => {
        history.push(row);
        summary.epochs++;
        const value = row[objective.metric] ?? Number.NaN;
        // The last epoch needs no verdict: the trial ends anyway.
        const stop = row.epoch < epochs && pruner.shouldStop(trial.number, row.epoch, value);
        emit({ type: 'epoch', trial, row, epochs, stop, at: clock() });
        return stop;
      },
    });
    if (outcome.status === TrialStatus.STOPPED) {
      summary.stopped++;
      search.ended(trial, undefined);
    } else {
      const status = outcome.status;
      if (status === TrialStatus.COMPLETED) summary.completed++;
      else if (status === TrialStatus.PRUNED) summary.pruned++;
      else summary.failed++;
      const observation = observe(trial, status, history, objective);
      pruner.finished(trial.number, status, valuesByEpoch(history, (row) => row[objective.metric] ?? Number.NaN));
      search.ended(trial, observation);
    }
    emit({ type: 'ended', trial, outcome, history, at: clock() });
  };

  const running = new Set<Promise<void>>();
  const waitForOne = async () => {
    options.beforeWait?.();
    await Promise.race(running);
  };
  for (;;) {
    while (running.size >= options.capacity) await waitForOne();
    if (options.signal?.aborted) break;
    const timeUp = options.maxTimeS !== undefined && clock() - started >= options.maxTimeS;
    if (timeUp) summary.timeUp = true;
    let trial: Trial | undefined;
    if (!timeUp && (options.canStart?.() ?? true)) {
      try {
        trial = search.next();
      } catch (err) {
        if (!(err instanceof InvalidTrialError)) throw err;
        summary.failed++;
        await options.onRefused?.(err);
        continue;
      }
    }
    if (!trial) {
      if (running.size === 0) break;
      await waitForOne();
      continue;
    }
    const pending: Promise<void> = runOne(trial).finally(() => running.delete(pending));
    running.add(pending);
  }
  await Promise.all(running);
  return summary;
}
