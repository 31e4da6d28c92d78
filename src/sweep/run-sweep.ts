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
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
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
import { CoordinatorLease, leaseHolder } from '../queue/coordinator-lease.js';
import { isAnnounced } from '../queue/registry.js';
import { removeSweepQueue } from '../queue/sweep-queue.js';
import type { HistoryRow } from '../train/history.js';
import type { BatchProgress } from '../train/trainer.js';
import type { TrialExecutor } from './executor/executor.js';
import { LocalExecutor } from './executor/local.js';
import { answeredKey, QueueExecutor } from './executor/queue.js';
import { defaultOutDir, LOCK_FILE, QUEUE_FILE, SWEEP_FILE, SWEEP_LOG, TRIALS_DIR } from './folder-layout.js';
import { FolderInUse, FolderLock, liveOwner, type ForeignOwnerCheck, type LockOwner } from './folder-lock.js';
import { defaultWorkerCount, GpuSlots, machineShape } from './gpu-slots.js';
import { gridChange, renumberTrialFolders, type GridChange } from './grid-growth.js';
import { loadSweep, type Sweep, type SweepSettings } from './load.js';
import type { TrialEvent } from './events.js';
import { loggedEpochs } from './logged-epochs.js';
import { runLoop } from './loop.js';
import { valuesByEpoch } from './pruner/pruner.js';
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
  /**
   * Writes the report of the finished trials (the CLI passes report/'s writeReport: the sweep does
   * not import the report). Called at the end of every run, also an interrupted one, and before a
   * queue's cleanup, so that talking to Redis never keeps the user from the trials' report.
   */
  writeReport?: (outDir: string) => Promise<unknown>;
}

/** What a progress display or a benchmark hears while the sweep runs. */
export interface SweepListener {
  /** `runner`: where the trials run, for people ("2 workers (wasm, thread)", "queue … on redis://…"). */
  onStart?(info: { sweep: Sweep; total: number; finishedBefore: Map<string, number | null>; runner: string; outDir: string; grown?: { kept: number; added: number } }): void;
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
  /** --resume of a grid that gained values: the trials it had planned before, and the new ones. */
  grown?: { kept: number; added: number };
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

/** Whether the folder holds nothing but this run's lock. */
async function isEmptyBesidesLock(dir: string): Promise<boolean> {
  return (await readdir(dir)).every((name) => name === LOCK_FILE);
}

/**
 * Refuses a folder another live run owns, and a used folder without --resume: before anything is
 * written, the lock included. A lock from another host is judged by the queue sweep's coordinator
 * lease when there is one (its queue.json names the queue); a local sweep cannot tell, and says how
 * to free the folder if that run is gone.
 */
async function refuseUsedFolder(outDir: string, resume: boolean, foreignOwner: ForeignOwnerCheck | undefined): Promise<void> {
  const owner = await liveOwner(outDir, foreignOwner);
  if (owner) {
    const elsewhere = owner.host !== hostname() && !foreignOwner ? `; if it is gone with its machine, remove ${join(outDir, LOCK_FILE)}` : '';
    throw new FolderInUse(outDir, owner, `wait for it to end, or choose another --out${elsewhere}`);
  }
  if (!resume && !(await isEmptyOrMissing(outDir))) {
    throw new InputError({ file: outDir, path: '', message: 'output folder exists and is not empty', hint: 'add --resume to continue this sweep, choose another --out, or remove the folder' });
  }
}

/** A lock of another host on a queue sweep: alive while the queue's coordinator lease is held. */
function queueLeaseCheck(outDir: string, redis: Redis): ForeignOwnerCheck | undefined {
  return async () => {
    const queue = await recordedQueue(outDir);
    if (queue === undefined) return 'alive';
    return (await leaseHolder(redis, queue)) ? 'alive' : 'gone';
  };
}

/**
 * Refuses a used folder without --resume, and a --resume of a different sweep (a grid that only
 * gained values is the same sweep, grown); writes sweep.json.
 */
async function prepareOutDir(plan: SweepPlan, resume: boolean): Promise<GridChange | undefined> {
  const { outDir } = plan;
  const record = JSON.parse(JSON.stringify(sweepRecord(plan)));
  const stored = join(outDir, SWEEP_FILE);
  if (resume) {
    let previous: Record<string, unknown> | undefined;
    try {
      previous = JSON.parse(await readFile(stored, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError({ file: stored, path: '', message: `cannot read: ${(err as Error).message}` });
      if (!(await isEmptyBesidesLock(outDir))) throw new InputError({ file: outDir, path: '', message: `has no ${SWEEP_FILE}, so it is not a sweep's folder`, hint: 'choose another --out' });
    }
    if (previous) {
      const differing = [...new Set([...Object.keys(previous), ...Object.keys(record)])].filter((key) => canonicalJson(previous![key]) !== canonicalJson(record[key]));
      const change = gridChange(previous, record, differing);
      if (differing.length > 0 && change?.kind !== 'grown') {
        const hint =
          change?.kind === 'shrunk'
            ? `a grid can gain values on --resume, not lose them: ${listed(change.lost)} ran in this folder; put their values back, or choose another --out`
            : 'resume with the same sweep file, base config and --epochs/--train-limit/--test-limit, or choose another --out';
        throw new InputError({ file: plan.sweep.file, path: '', message: `does not match the sweep in ${stored} (${differing.join(', ')} differ)`, hint });
      }
      if (change?.kind === 'grown') {
        // Renumbered before sweep.json says the grid grew: a crash in between is mended by the next --resume.
        await renumberTrialFolders(join(outDir, TRIALS_DIR), plan.trials);
        await writeFileAtomic(stored, `${JSON.stringify(record, null, 2)}\n`);
      }
      return change;
    }
  }
  await mkdir(join(outDir, TRIALS_DIR), { recursive: true });
  await writeFileAtomic(stored, `${JSON.stringify(record, null, 2)}\n`);
  return undefined;
}

/** The first few labels, for a one-line message. */
function listed(labels: readonly string[]): string {
  return labels.length <= 3 ? labels.join(', ') : `${labels.slice(0, 3).join(', ')} and ${labels.length - 3} more`;
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
  let lock: FolderLock | undefined;
  const leases: CoordinatorLease[] = [];
  try {
    const plan = await planSweep(options);
    const { outDir } = plan;
    const resume = options.resume ?? false;
    // Everything that can refuse comes before the first file is written.
    if (resume && options.queue === undefined && existsSync(join(outDir, QUEUE_FILE))) {
      throw new InputError({ file: join(outDir, QUEUE_FILE), path: '', message: 'this sweep runs on a queue: its unfinished trials may be running on workers', hint: 'resume it with --queue and the URL of its Redis (which then removes the queue); only if that Redis is gone for good, delete this file to finish the sweep on this machine' });
    }
    const redis = connecting ? await connecting : undefined;
    const backend = redis ? undefined : await selectBackend(options.backend ?? 'auto');
    if (backend) checkGpuRoom(backend, options);
    const foreignOwner = redis ? queueLeaseCheck(outDir, redis) : undefined;
    await refuseUsedFolder(outDir, resume, foreignOwner);
    // A stale lock (its owner is dead) can only be met here with --resume: without, the folder was refused as not empty.
    lock = await FolderLock.take(outDir, { command: 'convsweep run', takeOverStale: true, foreignOwner });
    const resumedQueue = resume && redis ? await unfinishedQueue(outDir, redis) : undefined;
    if (resumedQueue !== undefined) leases.push(await CoordinatorLease.take(redis!, resumedQueue, lock.owner));
    const change = await prepareOutDir(plan, resume);
    const grown = change?.kind === 'grown' ? { kept: change.kept, added: change.added } : undefined;
    const runner: Runner = backend ? { kind: 'local', backend } : { kind: 'queue', redis: redis!, resumedQueue, leases, owner: lock.owner };
    return await runInFolder(plan, options, runner, grown);
  } finally {
    const redis = connecting ? await connecting.catch(() => undefined) : undefined;
    for (const lease of leases) await lease.release().catch(() => undefined);
    await lock?.release().catch(() => undefined);
    await redis?.quit().catch(() => undefined);
  }
}

type Runner =
  | { kind: 'local'; backend: BackendName }
  /** resumedQueue: the unfinished sweep's queue, its lease already taken; leases: where a new queue's lease goes. */
  | { kind: 'queue'; redis: Redis; resumedQueue: string | undefined; leases: CoordinatorLease[]; owner: LockOwner };

async function runInFolder(plan: SweepPlan, options: SweepRunOptions, runner: Runner, grown: SweepSummary['grown']): Promise<SweepSummary> {
  const { sweep, outDir } = plan;
  const trialsDir = resolve(outDir, TRIALS_DIR);
  const { logger, close } = fileLogger(join(outDir, SWEEP_LOG));
  try {
    const leftovers = await removeStagingLeftovers(trialsDir);
    if (leftovers.length > 0) logger.info({ event: 'cleanup', removed: leftovers }, 'removed staging folders of killed trials');

    if (grown) logger.info({ event: 'grid-grown', ...grown }, `the grid grew: ${grown.kept} trials kept, ${grown.added} new`);
    const gridNumbers = sweep.method === 'grid' ? new Map(plan.trials.map((t) => [t.id, t.number])) : undefined;
    const recorded = await readRecordedTrials(trialsDir, plan.search.makeTrial, sweep.searchObjective, gridNumbers);
    const finishedRecords = recorded.filter((r) => isFinished(r.status));
    const finishedBefore = new Map<string, number | null>(finishedRecords.map((r) => [r.trial.id, (r.metrics?.[sweep.metric] as number | null | undefined) ?? null]));
    const search = new Search(plan.search.sampler, plan.search.makeTrial, recorded);
    const pruner = plan.search.newPruner();
    // The pruner learns from every finished trial before a new epoch arrives: ASHA's rungs are rebuilt, not lost.
    for (const r of [...recorded].sort((a, b) => a.number - b.number)) pruner.finished(r.number, r.status, valuesByEpoch(r.history, (row) => row[sweep.searchObjective.metric] ?? Number.NaN));
    // …and from what the unfinished ones reported before the stop, as it did then.
    const unfinished = new Map(plan.trials.filter((t) => !finishedBefore.has(t.id)).map((t) => [t.number, t.id]));
    // The verdicts given then, for a worker that asks again because the stopped coordinator never sent one.
    const answered = new Map<string, boolean>();
    if (options.resume && unfinished.size > 0) {
      for (const e of await loggedEpochs(join(outDir, SWEEP_LOG), unfinished, sweep.searchObjective.metric)) {
        pruner.shouldStop(e.number, e.epoch, e.value);
        answered.set(answeredKey(e.id, e.epoch), e.stop);
      }
    }
    const total = plan.search.sampler.maxTrials;
    const remaining = total - finishedBefore.size;
    const summary: SweepSummary = { ...(grown ? { grown } : {}), outDir, total, skipped: finishedBefore.size, completed: 0, pruned: 0, failed: 0, notRun: 0, interrupted: false, timeUp: false, epochsRun: 0, epochsPlanned: 0, pruner: sweep.earlyStopping ? pruner.name : undefined };
    // The cleanup of a finished sweep waits for its report: for a queue it means talking to Redis
    // (removing the queue), which must not keep the user from the report of trials already saved.
    let cleanUp: () => Promise<void> = async () => {
      // A coordinator stopped after its last trial was recorded left its queue behind.
      if (runner.kind === 'queue') await removeFinishedQueue(plan, runner.redis, logger);
    };
    if (remaining > 0) {
      const { executor, description } = runner.kind === 'local' ? localExecutor(plan, options, runner.backend, remaining, logger) : await queueExecutor(plan, options, runner, logger, answered);
      logger.info({ event: 'start', sweep: sweep.file, method: sweep.method, early_stopping: summary.pruner ?? 'none', trials: total, finished_before: finishedBefore.size, runner: description }, 'sweep started');
      options.listener?.onStart?.({ sweep, total, finishedBefore, runner: description, outDir, grown });
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
      options.listener?.onStart?.({ sweep, total, finishedBefore, runner: 'nothing left to run', outDir, grown });
    }
    summary.interrupted = options.signal?.aborted ?? false;
    summary.notRun = summary.total - summary.skipped - summary.completed - summary.pruned - summary.failed;
    logger.info({ event: 'end', ...summary }, 'sweep ended');
    try {
      await options.writeReport?.(outDir);
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
  const recorded = await recordedQueue(outDir);
  // A queue whose sweep ended was withdrawn and removed (workers may still be tidying it): never reused.
  return recorded !== undefined && (await isAnnounced(redis, recorded)) ? recorded : undefined;
}

/** The queue queue.json names, if it is one this program would make. */
async function recordedQueue(outDir: string): Promise<string | undefined> {
  try {
    const recorded = (JSON.parse(await readFile(join(outDir, QUEUE_FILE), 'utf8')) as { queue?: unknown }).queue;
    return typeof recorded === 'string' && isQueueName(recorded) ? recorded : undefined;
  } catch {
    return undefined;
  }
}

/** The sweep's queue: the one it was using when resuming an unfinished sweep, else a new one (recorded before any job exists, its lease taken first). */
async function queueExecutor(plan: SweepPlan, options: SweepRunOptions, runner: Extract<Runner, { kind: 'queue' }>, logger: Logger, answered: ReadonlyMap<string, boolean>): Promise<{ executor: QueueExecutor; description: string }> {
  const { redis } = runner;
  let queueName = runner.resumedQueue;
  if (queueName === undefined) {
    queueName = newQueueName(plan.sweep.name);
    runner.leases.push(await CoordinatorLease.take(redis, queueName, runner.owner, { logger }));
    await writeFileAtomic(join(plan.outDir, QUEUE_FILE), `${JSON.stringify({ queue: queueName, redis: redactUrl(options.queue!) }, null, 2)}\n`);
  }
  const dataset = await sendDataset(redis, queueName, plan.sweep.base.dataset, plan.sweep.baseFile);
  const executor = await QueueExecutor.open({ redis, queueName, sweepName: plan.sweep.name, dataset, maxRetries: plan.sweep.maxRetries, answered, signal: options.signal, logger });
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
