/**
 * A sweep from its file to its results folder: load, expand and validate every trial, set up or
 * resume the folder, hand the strategy's trials to the executor, record every ending, and write
 * the aggregate of the finished trials — also when interrupted, so nothing finished is lost.
 *
 *   results/<name>/sweep.json     the sweep as run (defaults and flags filled in) + the resolved base config
 *   results/<name>/sweep.log      JSON lines
 *   results/<name>/trials/<id>/   one folder a trial, written atomically
 */
import type { Redis } from 'ioredis';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { selectBackend } from '../backend/select.js';
import type { BackendChoice, BackendName } from '../backend/names.js';
import { toShared, type Dataset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { InputError, RunError } from '../errors.js';
import { isEmptyOrMissing, writeFileAtomic } from '../fs-atomic.js';
import { fileLogger, type Logger } from '../log.js';
import { connectRedis, redactUrl } from '../queue/connection.js';
import { sendDataset } from '../queue/dataset-transfer.js';
import { isQueueName, newQueueName } from '../queue/keys.js';
import { isAnnounced } from '../queue/registry.js';
import { removeSweepQueue } from '../queue/sweep-queue.js';
import { writeReport } from '../report/aggregate.js';
import type { HistoryRow } from '../train/history.js';
import type { BatchProgress } from '../train/trainer.js';
import type { TrialExecutor } from './executor/executor.js';
import { LocalExecutor } from './executor/local.js';
import { QueueExecutor } from './executor/queue.js';
import { defaultOutDir, QUEUE_FILE, SWEEP_FILE, SWEEP_LOG, TRIALS_DIR } from './folder-layout.js';
import { defaultWorkerCount, GpuSlots, machineShape } from './gpu-slots.js';
import { loadSweep, type Sweep, type SweepSettings } from './load.js';
import type { TrialEvent } from './events.js';
import { runLoop } from './loop.js';
import { planSearch, type SearchPlan } from './search-plan.js';
import { Search } from './search.js';
import { readRecordedTrials } from './recorded-trials.js';
import { finishedStatus, isFinished } from './status.js';
import { canonicalJson, readFinishedMetrics, removeStagingLeftovers, sampledTrialId, trialLabel, trialRecord, trialRecordJson, TrialStatus, writeFailedTrial, type Trial, type TrialOutcome } from './trial.js';
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
  /**
   * A Redis URL: the trials go to a BullMQ queue that `convsweep worker` processes serve, instead of
   * a local pool (workers, trialsPerGpu, isolation and backend are then the workers' business).
   */
  queue?: string;
  /** Aborting stops handing out trials and cancels the running ones. */
  signal?: AbortSignal;
  listener?: SweepListener;
  abortGraceMs?: number;
  /** See LocalExecutorOptions.threadHeapMb. */
  threadHeapMb?: number;
}

/** What a progress display or a benchmark hears while the sweep runs. */
export interface SweepListener {
  /** `runner`: where the trials run, for people ("2 workers (wasm, thread)", "queue … on redis://…"). */
  onStart?(info: { sweep: Sweep; total: number; finishedBefore: Map<string, number | null>; runner: string; outDir: string }): void;
  onTrialStart?(trial: Trial): void;
  onTrialBatch?(trial: Trial, progress: BatchProgress): void;
  onTrialEpoch?(trial: Trial, row: HistoryRow, epochs: number): void;
  onTrialEnd?(trial: Trial, outcome: TrialOutcome): void;
}

export interface SweepPlan {
  sweep: Sweep;
  /** The trials known before any result: a grid's and a random sweep's all, TPE's start-up ones. */
  trials: Trial[];
  search: SearchPlan;
  outDir: string;
  /** In SharedArrayBuffers (toShared), ready for the pool's threads. */
  data: Dataset;
}

export interface SweepSummary {
  outDir: string;
  total: number;
  /** Trials found finished on disk (--resume) and left untouched. */
  skipped: number;
  completed: number;
  /** Stopped early by the sweep's pruner (and saved). */
  pruned: number;
  failed: number;
  /** Trials cancelled (or never started) because the sweep was interrupted or ran out of time. */
  notRun: number;
  interrupted: boolean;
  /** max_time_s passed before every trial was asked for. */
  timeUp: boolean;
  /** Epochs this run trained, and the epochs its trials would have trained without early stopping. */
  epochsRun: number;
  epochsPlanned: number;
  /** ASHA, median rule; undefined without early stopping. */
  pruner?: string;
}

/** The sweep with flags applied, its dataset, and every trial validated: everything before a file is written. */
export async function planSweep(options: SweepOptions): Promise<SweepPlan> {
  const loaded = await loadSweep(options.sweepFile);
  const overrides = Object.fromEntries(Object.entries(options.overrides ?? {}).filter(([, v]) => v !== undefined)) as SweepSettings;
  const settingKeys = Object.keys(loaded.definition.grid ?? loaded.definition.space ?? {});
  if (overrides.epochs !== undefined && settingKeys.includes('epochs')) {
    const where = loaded.method === 'grid' ? 'grid' : 'space';
    throw new InputError({ file: '--epochs', path: '', message: `epochs is a ${where} key of this sweep`, hint: `drop --epochs, or remove epochs from the ${where}` });
  }
  const sweep: Sweep = { ...loaded, settings: { ...loaded.settings, ...overrides } };
  // Shared from the start: the pool's threads read these bytes without copies, and the sweep holds one copy, not two.
  const data = toShared(await loadDataset(sweep.base.dataset, sweep.baseFile));
  const search = planSearch(sweep, { imageShape: data.imageShape, classes: data.classes, trainCount: data.train.count });
  return { sweep, trials: search.fixedTrials, search, outDir: options.outDir ?? defaultOutDir(sweep.name), data };
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
    case TrialStatus.PRUNED:
      return { status: outcome.status, [metric]: outcome.metrics[metric as keyof typeof outcome.metrics], epochs_run: outcome.metrics.epochs_run, duration_s: outcome.metrics.duration_s };
    case TrialStatus.FAILED:
      return { status: outcome.status, kind: outcome.kind, message: outcome.message };
    case TrialStatus.STOPPED:
      return { status: outcome.status };
  }
}

export async function runSweep(options: SweepRunOptions): Promise<SweepSummary> {
  // Connecting to Redis overlaps the planning (reading the data, validating every trial), so that an
  // unreachable server is reported within seconds of the start.
  const connecting = options.queue !== undefined ? connectRedis(options.queue) : undefined;
  connecting?.catch(() => undefined);
  try {
    const plan = await planSweep(options);
    const { outDir } = plan;
    // Everything that can refuse comes before the first file is written.
    if (options.resume && options.queue === undefined && existsSync(join(outDir, QUEUE_FILE))) {
      throw new InputError({ file: join(outDir, QUEUE_FILE), path: '', message: 'this sweep runs on a queue: its unfinished trials may be running on workers', hint: 'resume it with --queue and the URL of its Redis (which then removes the queue); only if that Redis is gone for good, delete this file to finish the sweep on this machine' });
    }
    const redis = connecting ? await connecting : undefined;
    const backend = redis ? undefined : await selectBackend(options.backend ?? 'auto');
    if (backend) checkGpuRoom(backend, options);
    await prepareOutDir(plan, options.resume ?? false);
    return await runInFolder(plan, options, backend ? { kind: 'local', backend } : { kind: 'queue', redis: redis! });
  } finally {
    const redis = connecting ? await connecting.catch(() => undefined) : undefined;
    await redis?.quit().catch(() => undefined);
  }
}

type Runner = { kind: 'local'; backend: BackendName } | { kind: 'queue'; redis: Redis };

async function runInFolder(plan: SweepPlan, options: SweepRunOptions, runner: Runner): Promise<SweepSummary> {
  const { sweep, outDir } = plan;
  const trialsDir = resolve(outDir, TRIALS_DIR);
  const { logger, close } = fileLogger(join(outDir, SWEEP_LOG));
  try {
    const leftovers = await removeStagingLeftovers(trialsDir);
    if (leftovers.length > 0) logger.info({ event: 'cleanup', removed: leftovers }, 'removed staging folders of killed trials');

    const recorded = await readRecordedTrials(trialsDir, plan.search.makeTrial, sweep.searchObjective);
    const finishedRecords = recorded.filter((r) => isFinished(r.status));
    const finishedBefore = new Map<string, number | null>(finishedRecords.map((r) => [r.trial.id, (r.metrics?.[sweep.metric] as number | null | undefined) ?? null]));
    const search = new Search(plan.search.sampler, plan.search.makeTrial, recorded);
    const pruner = plan.search.newPruner();
    // The pruner learns from every finished trial before a new epoch arrives: ASHA's rungs are rebuilt, not lost.
    for (const r of [...recorded].sort((a, b) => a.number - b.number)) pruner.finished(r.number, r.status, r.history.map((row) => row[sweep.searchObjective.metric] ?? Number.NaN));
    const total = plan.search.sampler.maxTrials;
    const remaining = total - finishedBefore.size;
    const summary: SweepSummary = { outDir, total, skipped: finishedBefore.size, completed: 0, pruned: 0, failed: 0, notRun: 0, interrupted: false, timeUp: false, epochsRun: 0, epochsPlanned: 0, pruner: sweep.earlyStopping ? pruner.name : undefined };
    // The cleanup of a finished sweep waits for its report: for a queue it means talking to Redis
    // (removing the queue), which must not keep the user from the report of trials already saved.
    let cleanUp: () => Promise<void> = async () => {
      // A coordinator stopped after its last trial was recorded left its queue behind.
      if (runner.kind === 'queue') await removeFinishedQueue(plan, runner.redis, logger);
    };
    if (remaining > 0) {
      const { executor, description } = runner.kind === 'local' ? localExecutor(plan, options, runner.backend, remaining, logger) : await queueExecutor(plan, options, runner.redis, logger);
      logger.info({ event: 'start', sweep: sweep.file, method: sweep.method, early_stopping: summary.pruner ?? 'none', trials: total, finished_before: finishedBefore.size, runner: description }, 'sweep started');
      options.listener?.onStart?.({ sweep, total, finishedBefore, runner: description, outDir });
      let finished = false;
      try {
        await executeTrials({ plan, search, pruner, executor, trialsDir, logger, options, summary });
        finished = summary.skipped + summary.completed + summary.pruned + summary.failed === summary.total;
      } finally {
        // Unfinished (Ctrl-C, an error): stopped at once, so that no worker starts another trial.
        if (!finished) await executor.close(false);
      }
      cleanUp = finished
        ? async () => {
            await executor.close(true);
            // Its queue is gone: the sweep is an ordinary folder again, which a later --resume may run anywhere.
            await rm(join(outDir, QUEUE_FILE), { force: true });
          }
        : async () => undefined;
    } else {
      options.listener?.onStart?.({ sweep, total, finishedBefore, runner: 'nothing left to run', outDir });
    }
    summary.interrupted = options.signal?.aborted ?? false;
    summary.notRun = summary.total - summary.skipped - summary.completed - summary.pruned - summary.failed;
    logger.info({ event: 'end', ...summary }, 'sweep ended');
    try {
      await writeReport(outDir);
    } catch (err) {
      logger.error({ event: 'report-failed', message: (err as Error).message }, 'writing the report failed');
      await cleanUp().catch(() => undefined);
      throw new RunError(`the trials are saved in ${outDir}, but writing the report failed: ${(err as Error).message}`, { cause: err });
    }
    await cleanUp();
    return summary;
  } finally {
    close();
  }
}

/** A finished sweep's queue, left behind by a coordinator that stopped after the last trial was recorded. */
async function removeFinishedQueue(plan: SweepPlan, redis: Redis, logger: Logger): Promise<void> {
  const queueName = await unfinishedQueue(plan.outDir, redis);
  if (queueName !== undefined) {
    await removeSweepQueue(redis, queueName);
    logger.info({ event: 'queue-removed', queue: queueName }, `removed the queue ${queueName} of the finished sweep`);
  }
  await rm(join(plan.outDir, QUEUE_FILE), { force: true });
}

/** InputError when --workers asks for more trials at once than the GPUs have slots: a trial without one would see every GPU and crowd the first. */
function checkGpuRoom(backend: BackendName, options: SweepRunOptions): void {
  if (backend !== 'tensorflow-gpu' || options.workers === undefined) return;
  const { gpus } = machineShape(backend);
  const trialsPerGpu = options.trialsPerGpu ?? 1;
  const room = gpus * trialsPerGpu;
  if (room > 0 && options.workers > room) {
    throw new InputError({ file: '--workers', path: '', message: `${options.workers} workers, but ${gpus} GPU${gpus === 1 ? '' : 's'} × --trials-per-gpu ${trialsPerGpu} give room for ${room}`, hint: `use --workers ${room} or raise --trials-per-gpu` });
  }
}

function localExecutor(plan: SweepPlan, options: SweepRunOptions, backend: BackendName, remaining: number, logger: Logger): { executor: TrialExecutor; description: string } {
  const isolation: Isolation = options.isolation ?? (backend === 'tensorflow' || backend === 'tensorflow-gpu' ? 'process' : 'thread');
  const machine = machineShape(backend);
  const trialsPerGpu = options.trialsPerGpu ?? 1;
  // No more threads than trials left: an idle worker still costs its backend's memory.
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkerCount(backend, machine, trialsPerGpu), remaining));
  const executor = new LocalExecutor({
    workers,
    backend,
    isolation,
    data: isolation === 'thread' ? plan.data : undefined,
    gpuSlots: backend === 'tensorflow-gpu' ? new GpuSlots(machine.gpus, trialsPerGpu) : undefined,
    abortGraceMs: options.abortGraceMs,
    threadHeapMb: options.threadHeapMb,
    onThreadError: (err) => logger.warn({ event: 'thread-died', message: err.message }, 'a pool thread died and is replaced'),
  });
  return { executor, description: `${workers} worker${workers === 1 ? '' : 's'} (${backend}, ${isolation})` };
}

/** The queue a resumed sweep was using, when its coordinator stopped before the end (the queue is still announced). */
async function unfinishedQueue(outDir: string, redis: Redis): Promise<string | undefined> {
  let recorded: string | undefined;
  try {
    recorded = (JSON.parse(await readFile(join(outDir, QUEUE_FILE), 'utf8')) as { queue?: unknown }).queue as string | undefined;
  } catch {
    return undefined;
  }
  // A queue whose sweep ended was withdrawn and removed (workers may still be tidying it): never reused.
  return typeof recorded === 'string' && isQueueName(recorded) && (await isAnnounced(redis, recorded)) ? recorded : undefined;
}

/** The sweep's queue: the one it was using when resuming an unfinished sweep, else a new one (recorded before any job exists). */
async function queueExecutor(plan: SweepPlan, options: SweepRunOptions, redis: Redis, logger: Logger): Promise<{ executor: QueueExecutor; description: string }> {
  let queueName = options.resume ? await unfinishedQueue(plan.outDir, redis) : undefined;
  if (queueName === undefined) {
    queueName = newQueueName(plan.sweep.name);
    await writeFileAtomic(join(plan.outDir, QUEUE_FILE), `${JSON.stringify({ queue: queueName, redis: redactUrl(options.queue!) }, null, 2)}\n`);
  }
  const dataset = await sendDataset(redis, queueName, plan.sweep.base.dataset, plan.sweep.baseFile);
  const executor = await QueueExecutor.open({ redis, queueName, sweepName: plan.sweep.name, dataset, signal: options.signal, logger });
  return { executor, description: `queue ${queueName} on ${redactUrl(options.queue!)}` };
}

interface Execution {
  plan: SweepPlan;
  search: Search;
  pruner: ReturnType<SearchPlan['newPruner']>;
  executor: TrialExecutor;
  trialsDir: string;
  logger: Logger;
  options: SweepRunOptions;
  summary: SweepSummary;
}

/** The loop's events → sweep.log (JSON lines) and the caller's listener. */
function eventRecorder(run: Execution): (event: TrialEvent) => void {
  const { logger, options, plan } = run;
  return (event) => {
    const { trial } = event;
    switch (event.type) {
      case 'started':
        logger.info({ event: 'trial-start', id: trial.id, number: trial.number, label: trial.label, values: trial.values }, `trial ${trial.label} started`);
        options.listener?.onTrialStart?.(trial);
        break;
      case 'batch':
        options.listener?.onTrialBatch?.(trial, event.progress);
        break;
      case 'epoch':
        logger.info({ event: 'trial-epoch', id: trial.id, number: trial.number, ...event.row, ...(event.stop ? { verdict: 'stop' } : {}) }, `trial ${trial.label} epoch ${event.row.epoch}`);
        options.listener?.onTrialEpoch?.(trial, event.row, event.epochs);
        break;
      case 'ended':
        if (event.outcome.status !== TrialStatus.STOPPED) {
          run.summary.epochsRun += event.history.length;
          run.summary.epochsPlanned += trial.config.epochs;
        }
        logger.info({ event: 'trial-end', id: trial.id, number: trial.number, label: trial.label, ...describeOutcome(event.outcome, plan.sweep.metric) }, `trial ${trial.label} ${event.outcome.status}`);
        options.listener?.onTrialEnd?.(trial, event.outcome);
        break;
    }
  };
}

async function executeTrials(run: Execution): Promise<void> {
  const { plan, executor, options, logger, summary } = run;
  const prunable = plan.sweep.earlyStopping !== undefined;

  const execute = async (trial: Trial, hooks: { onBatch: (p: BatchProgress) => void; onEpoch: (row: HistoryRow, epochs: number) => boolean }): Promise<TrialOutcome> => {
    const outDir = join(run.trialsDir, trial.id);
    try {
      // A failed or half-written earlier attempt (only --resume can meet one) makes way for this one.
      await rm(outDir, { recursive: true, force: true });
      let outcome = await executor.run(
        { config: trial.config, configFile: resolve(plan.sweep.baseFile), outDir, trialJson: trialRecordJson(trial), timeoutS: plan.sweep.trialTimeoutS, prunable },
        { signal: options.signal, onBatch: hooks.onBatch, onEpoch: hooks.onEpoch },
      );
      if (outcome.status === TrialStatus.STOPPED || outcome.status === TrialStatus.FAILED) {
        // A trial stopped after its folder was complete (the grace period ended between the rename and
        // the report of its outcome) did finish: its folder is the record.
        const metrics = await readFinishedMetrics(outDir);
        if (metrics) outcome = { status: finishedStatus(metrics), metrics };
      }
      // A terminated thread or process leaves its staging folder behind.
      if (!isFinished(outcome.status)) await removeStagingLeftovers(run.trialsDir, trial.id);
      if (outcome.status === TrialStatus.FAILED) await writeFailedTrial(outDir, trial, outcome);
      return outcome;
    } catch (err) {
      // One trial's bookkeeping failing (a full disk, say) fails that trial, not the sweep and its report.
      logger.error({ event: 'trial-error', id: trial.id, message: (err as Error).message }, `recording trial ${trial.label} failed`);
      return { status: TrialStatus.FAILED, kind: 'error', message: `recording the trial failed: ${(err as Error).message}` };
    }
  };

  const loop = await runLoop({
    search: run.search,
    pruner: run.pruner,
    objective: plan.sweep.searchObjective,
    execute,
    capacity: executor.capacity,
    listeners: [eventRecorder(run)],
    signal: options.signal,
    maxTimeS: plan.sweep.maxTimeS,
    onRefused: async (err) => {
      const message = `never ran: ${err.message}`;
      logger.warn({ event: 'trial-refused', number: err.number, values: err.values, message }, `trial ${err.number} refused`);
      const trial = { id: sampledTrialId(err.number, err.values), label: trialLabel(err.values), number: err.number, index: err.number - 1, values: err.values, seed: plan.sweep.seed };
      await writeFailedTrial(join(run.trialsDir, trial.id), trial, { kind: 'invalid', message });
    },
  });
  summary.completed += loop.completed;
  summary.pruned += loop.pruned;
  summary.failed += loop.failed;
  summary.timeUp = loop.timeUp;
}
