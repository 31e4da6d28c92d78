/**
 * A sweep from its file to its results folder: load, expand and validate every trial, set up or
 * resume the folder, hand the strategy's trials to the executor, record every ending, and write
 * the aggregate of the finished trials — also when interrupted, so nothing finished is lost.
 *
 *   results/<name>/sweep.json     the sweep as run (defaults and flags filled in) + the resolved base config
 *   results/<name>/sweep.log      JSON lines
 *   results/<name>/trials/<id>/   one folder a trial, written atomically
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { selectBackend, type BackendChoice, type BackendName } from '../backend/select.js';
import { toShared, type Dataset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { InputError, RunError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { fileLogger, type Logger } from '../log.js';
import { writeReport } from '../report/aggregate.js';
import type { HistoryRow } from '../report/history.js';
import type { BatchProgress } from '../train/trainer.js';
import { limitData } from '../train/run.js';
import { LocalExecutor } from './executor/local.js';
import { expandSweep } from './expand.js';
import { defaultWorkerCount, GpuSlots, machineShape } from './gpu-slots.js';
import { loadSweep, type Sweep, type SweepSettings } from './load.js';
import { GridStrategy, type Strategy } from './strategy/grid.js';
import { canonicalJson, readFinishedMetrics, removeStagingLeftovers, trialRecord, trialRecordJson, TrialStatus, writeFailedTrial, type Trial, type TrialOutcome } from './trial.js';
import type { Isolation } from './worker-entry.js';

export interface SweepOptions {
  sweepFile: string;
  /** Replace the sweep file's epochs, train_limit and test_limit (the CLI flags). */
  overrides?: SweepSettings;
  /** Default results/<sweep name>. */
  outDir?: string;
}

export interface SweepRunOptions extends SweepOptions {
  backend?: BackendChoice;
  /** Default: one a core (wasm, cpu), one a GPU times trialsPerGpu (tensorflow-gpu). */
  workers?: number;
  trialsPerGpu?: number;
  /** Default: process for the native backends, thread otherwise. */
  isolation?: Isolation;
  resume?: boolean;
  /** Aborting stops handing out trials and cancels the running ones. */
  signal?: AbortSignal;
  listener?: SweepListener;
  abortGraceMs?: number;
}

/** What a progress display or a benchmark hears while the sweep runs. */
export interface SweepListener {
  onStart?(info: { sweep: Sweep; total: number; finishedBefore: Map<string, number | null>; workers: number; backend: BackendName; isolation: Isolation; outDir: string }): void;
  onTrialStart?(trial: Trial): void;
  onTrialBatch?(trial: Trial, progress: BatchProgress): void;
  onTrialEpoch?(trial: Trial, row: HistoryRow, epochs: number): void;
  onTrialEnd?(trial: Trial, outcome: TrialOutcome): void;
}

export interface SweepPlan {
  sweep: Sweep;
  trials: Trial[];
  outDir: string;
  data: Dataset;
}

export interface SweepSummary {
  outDir: string;
  total: number;
  /** Trials found finished on disk (--resume) and left untouched. */
  skipped: number;
  completed: number;
  failed: number;
  /** Trials cancelled (or never started) because the sweep was interrupted. */
  notRun: number;
  interrupted: boolean;
}

export const SWEEP_FILE = 'sweep.json';
export const SWEEP_LOG = 'sweep.log';
export const TRIALS_DIR = 'trials';

/** The sweep with flags applied, its dataset, and every trial validated: everything before a file is written. */
export async function planSweep(options: SweepOptions): Promise<SweepPlan> {
  const loaded = await loadSweep(options.sweepFile);
  const overrides = Object.fromEntries(Object.entries(options.overrides ?? {}).filter(([, v]) => v !== undefined)) as SweepSettings;
  if (overrides.epochs !== undefined && 'epochs' in loaded.definition.grid) {
    throw new InputError({ file: '--epochs', path: '', message: 'epochs is a grid key of this sweep', hint: 'drop --epochs, or remove epochs from the grid' });
  }
  const sweep: Sweep = { ...loaded, settings: { ...loaded.settings, ...overrides } };
  const data = await loadDataset(sweep.base.dataset, sweep.baseFile);
  const limited = limitData(data, sweep.settings);
  const trials = expandSweep(sweep, { imageShape: data.imageShape, classes: data.classes, trainCount: limited.train.count });
  return { sweep, trials, outDir: options.outDir ?? join('results', sweep.name), data };
}

/** sweep.json: the sweep file with defaults and flags filled in, the resolved base config, and the trials. */
function sweepRecord(plan: SweepPlan): Record<string, unknown> {
  const { sweep } = plan;
  return {
    ...sweep.definition,
    name: sweep.name,
    metric: sweep.metric,
    goal: sweep.goal,
    seed: sweep.seed,
    epochs: sweep.settings.epochs,
    train_limit: sweep.settings.trainLimit,
    test_limit: sweep.settings.testLimit,
    resolved_base: sweep.base,
    trials: plan.trials.map(trialRecord),
  };
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/** Refuses a used folder without --resume, and a --resume of a different sweep; writes sweep.json. */
async function prepareOutDir(plan: SweepPlan, resume: boolean): Promise<void> {
  const { outDir } = plan;
  const record = JSON.parse(JSON.stringify(sweepRecord(plan)));
  const stored = join(outDir, SWEEP_FILE);
  if (!resume && !(await isEmptyOrMissing(outDir))) {
    throw new InputError({ file: outDir, path: '', message: 'output folder exists and is not empty', hint: 'add --resume to continue this sweep, choose another --out, or remove the folder' });
  }
  if (resume) {
    let previous: Record<string, unknown> | undefined;
    try {
      previous = JSON.parse(await readFile(stored, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError({ file: stored, path: '', message: `cannot read: ${(err as Error).message}` });
      if (!(await isEmptyOrMissing(outDir))) throw new InputError({ file: outDir, path: '', message: `has no ${SWEEP_FILE}, so it is not a sweep's folder`, hint: 'choose another --out' });
    }
    if (previous) {
      const differing = [...new Set([...Object.keys(previous), ...Object.keys(record)])].filter((key) => canonicalJson(previous![key]) !== canonicalJson(record[key]));
      if (differing.length > 0) {
        throw new InputError({ file: plan.sweep.file, path: '', message: `does not match the sweep in ${stored} (${differing.join(', ')} differ)`, hint: 'resume with the same sweep file, base config and --epochs/--train-limit/--test-limit, or choose another --out' });
      }
      return;
    }
  }
  await mkdir(join(outDir, TRIALS_DIR), { recursive: true });
  await writeFileAtomic(stored, `${JSON.stringify(record, null, 2)}\n`);
}

function describeOutcome(outcome: TrialOutcome, metric: string): Record<string, unknown> {
  switch (outcome.status) {
    case TrialStatus.COMPLETED:
      return { status: outcome.status, [metric]: outcome.metrics[metric as keyof typeof outcome.metrics], duration_s: outcome.metrics.duration_s };
    case TrialStatus.FAILED:
      return { status: outcome.status, kind: outcome.kind, message: outcome.message };
    case TrialStatus.STOPPED:
      return { status: outcome.status };
  }
}

export async function runSweep(options: SweepRunOptions): Promise<SweepSummary> {
  const plan = await planSweep(options);
  const { sweep, trials, outDir } = plan;
  const backend = await selectBackend(options.backend ?? 'auto');
  await prepareOutDir(plan, options.resume ?? false);

  const trialsDir = resolve(outDir, TRIALS_DIR);
  const { logger, close } = fileLogger(join(outDir, SWEEP_LOG));
  try {
    const leftovers = await removeStagingLeftovers(trialsDir);
    if (leftovers.length > 0) logger.info({ event: 'cleanup', removed: leftovers }, 'removed staging folders of killed trials');

    const strategy = new GridStrategy(trials);
    const finishedBefore = new Map<string, number | null>();
    for (const trial of trials) {
      const metrics = await readFinishedMetrics(join(trialsDir, trial.id));
      if (!metrics) continue;
      strategy.report(trial, { status: TrialStatus.COMPLETED, metrics });
      finishedBefore.set(trial.id, metrics[sweep.metric]);
    }
    const remaining = trials.length - finishedBefore.size;
    const isolation: Isolation = options.isolation ?? (backend === 'tensorflow' || backend === 'tensorflow-gpu' ? 'process' : 'thread');
    const machine = machineShape(backend);
    const trialsPerGpu = options.trialsPerGpu ?? 1;
    // No more threads than trials left: an idle worker still costs its backend's memory.
    const workers = Math.max(1, Math.min(options.workers ?? defaultWorkerCount(backend, machine, trialsPerGpu), remaining));
    logger.info({ event: 'start', sweep: sweep.file, trials: trials.length, finished_before: finishedBefore.size, workers, backend, isolation }, 'sweep started');
    options.listener?.onStart?.({ sweep, total: trials.length, finishedBefore, workers, backend, isolation, outDir });

    const summary: SweepSummary = { outDir, total: trials.length, skipped: finishedBefore.size, completed: 0, failed: 0, notRun: 0, interrupted: false };
    if (remaining > 0) {
      await executeTrials({ plan, strategy, backend, isolation, workers, gpuSlots: backend === 'tensorflow-gpu' ? new GpuSlots(machine.gpus, trialsPerGpu) : undefined, trialsDir, logger, options, summary });
    }
    summary.interrupted = options.signal?.aborted ?? false;
    summary.notRun = summary.total - summary.skipped - summary.completed - summary.failed;
    logger.info({ event: 'end', ...summary }, 'sweep ended');
    try {
      await writeReport(outDir);
    } catch (err) {
      logger.error({ event: 'report-failed', message: (err as Error).message }, 'writing the report failed');
      throw new RunError(`the trials are saved in ${outDir}, but writing the report failed: ${(err as Error).message}`, { cause: err });
    }
    return summary;
  } finally {
    close();
  }
}

interface Execution {
  plan: SweepPlan;
  strategy: Strategy;
  backend: BackendName;
  isolation: Isolation;
  workers: number;
  gpuSlots?: GpuSlots;
  trialsDir: string;
  logger: Logger;
  options: SweepRunOptions;
  summary: SweepSummary;
}

async function executeTrials(run: Execution): Promise<void> {
  const { plan, strategy, options, logger } = run;
  const executor = new LocalExecutor({
    workers: run.workers,
    backend: run.backend,
    isolation: run.isolation,
    data: run.isolation === 'thread' ? toShared(plan.data) : undefined,
    gpuSlots: run.gpuSlots,
    abortGraceMs: options.abortGraceMs,
  });
  const timeoutS = plan.sweep.trialTimeoutS;

  const runOne = async (trial: Trial): Promise<void> => {
    const outDir = join(run.trialsDir, trial.id);
    // A failed or half-written earlier attempt (only --resume can meet one) makes way for this one.
    await rm(outDir, { recursive: true, force: true });
    logger.info({ event: 'trial-start', id: trial.id, label: trial.label }, `trial ${trial.label} started`);
    options.listener?.onTrialStart?.(trial);
    const timeout = timeoutS !== undefined ? AbortSignal.timeout(timeoutS * 1000) : undefined;
    const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    let outcome = await executor.run(
      {
        config: trial.config,
        configFile: resolve(plan.sweep.baseFile),
        outDir,
        trialJson: trialRecordJson(trial),
        backend: run.backend,
        limits: { trainLimit: plan.sweep.settings.trainLimit, testLimit: plan.sweep.settings.testLimit },
      },
      {
        signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
        onBatch: (progress) => options.listener?.onTrialBatch?.(trial, progress),
        onEpoch: (row, epochs) => options.listener?.onTrialEpoch?.(trial, row, epochs),
      },
    );
    if (outcome.status === TrialStatus.STOPPED && timeout?.aborted && !options.signal?.aborted) {
      outcome = { status: TrialStatus.FAILED, kind: 'timeout', message: `ran longer than trial_timeout_s ${timeoutS}` };
    }
    // A terminated thread or process leaves its staging folder behind.
    if (outcome.status !== TrialStatus.COMPLETED) await removeStagingLeftovers(run.trialsDir, trial.id);
    if (outcome.status === TrialStatus.FAILED) await writeFailedTrial(outDir, trial, outcome);
    if (outcome.status === TrialStatus.COMPLETED) run.summary.completed++;
    if (outcome.status === TrialStatus.FAILED) run.summary.failed++;
    strategy.report(trial, outcome);
    logger.info({ event: 'trial-end', id: trial.id, label: trial.label, ...describeOutcome(outcome, plan.sweep.metric) }, `trial ${trial.label} ${outcome.status}`);
    options.listener?.onTrialEnd?.(trial, outcome);
  };

  const running = new Set<Promise<void>>();
  try {
    for (;;) {
      while (running.size >= run.workers) await Promise.race(running);
      if (options.signal?.aborted) break;
      const trial = strategy.next();
      if (!trial) {
        if (running.size === 0) break;
        await Promise.race(running);
        continue;
      }
      const pending: Promise<void> = runOne(trial).finally(() => running.delete(pending));
      running.add(pending);
    }
    await Promise.all(running);
  } finally {
    await executor.close();
  }
}
