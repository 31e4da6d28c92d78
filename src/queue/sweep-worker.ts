/**
 * `convsweep worker`: serves every announced sweep queue with a local pool (the same LocalExecutor
 * as `convsweep run`). A job is data only: it is checked (shape, config schema, dataset, limits)
 * before anything runs, and refused otherwise. A finished trial's files go back through Redis.
 *
 * Locks and stalls are BullMQ's: while a trial runs, its lock is renewed every lockDuration/2; a
 * worker that dies stops renewing, and after lockDuration another worker's stalled check (every
 * stalledInterval) puts the trial back in the queue, up to MAX_STALLED_COUNT times.
 * Stopping (SIGINT/SIGTERM) hands the running trials back to the queue at once.
 */
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendName } from '../backend/select.js';
import { checkAgainstDataset } from '../config/load.js';
import { InputError } from '../errors.js';
import type { Logger } from '../log.js';
import { LocalExecutor } from '../sweep/executor/local.js';
import type { GpuSlots } from '../sweep/gpu-slots.js';
import { TrialStatus } from '../sweep/trial.js';
import type { Isolation, ProgressMessage } from '../sweep/worker-entry.js';
import { checkRunnable, limitData } from '../train/run.js';
import { DatasetCache, type WorkerDataset } from './dataset-transfer.js';
import { checkJobData, JobRefused, REFUSED_PREFIX, type TrialJobData, type TrialJobResult } from './job.js';
import { BULL_PREFIX, deleteMatching, trialFilesKey } from './keys.js';
import { announcedSweeps } from './registry.js';
import { sendTrialFiles } from './trial-files.js';

/** How often a trial may be put back after its worker stopped answering before it counts as failed. */
export const MAX_STALLED_COUNT = 2;
/** How often the list of announced sweeps is read. */
const POLL_MS = 2000;
/** Batch progress sent at most this often (epochs always): each update is a Redis write and an event. */
const BATCH_PROGRESS_MS = 2000;

export interface SweepWorkerOptions {
  redis: Redis;
  name: string;
  /** Trials at once. */
  slots: number;
  backend: BackendName;
  isolation: Isolation;
  gpuSlots?: GpuSlots;
  /** Trials are written here, then sent and removed; received datasets are kept here. */
  workDir: string;
  lockDurationMs: number;
  stalledIntervalMs: number;
  logger: Logger;
}

export class SweepWorker {
  private readonly joined = new Map<string, Worker<TrialJobData, TrialJobResult>>();
  private readonly stopping = new AbortController();
  private readonly executor: LocalExecutor;
  private readonly datasets: DatasetCache;
  private poller: NodeJS.Timeout | undefined;
  /** Trials this worker holds now, across all queues. */
  private busy = 0;
  private refreshing: Promise<void> = Promise.resolve();

  private constructor(private readonly options: SweepWorkerOptions) {
    this.executor = new LocalExecutor({
      workers: options.slots,
      backend: options.backend,
      isolation: options.isolation,
      gpuSlots: options.gpuSlots,
      onThreadError: (err) => options.logger.warn({ event: 'thread-died', message: err.message }, 'a pool thread died and is replaced'),
    });
    this.datasets = new DatasetCache(options.redis, join(options.workDir, 'datasets'));
  }

  static async start(options: SweepWorkerOptions): Promise<SweepWorker> {
    const worker = new SweepWorker(options);
    await worker.refresh();
    worker.poller = setInterval(() => {
      worker.refreshing = worker.refreshing.then(() => worker.refresh());
    }, POLL_MS);
    return worker;
  }

  /** The queues served now. */
  get queues(): string[] {
    return [...this.joined.keys()];
  }

  /** Joins newly announced sweeps and leaves withdrawn ones. */
  private async refresh(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    let announced: string[];
    try {
      announced = (await announcedSweeps(this.options.redis)).map((s) => s.queue);
    } catch (err) {
      this.options.logger.warn({ event: 'registry-error', message: (err as Error).message }, 'reading the announced sweeps failed');
      return;
    }
    for (const queue of announced) if (!this.joined.has(queue)) this.join(queue);
    for (const [queue, worker] of this.joined) {
      if (announced.includes(queue)) continue;
      this.joined.delete(queue);
      await worker.close();
      // The coordinator removed the queue when its sweep ended, but this worker's stalled checks may
      // have written a few keys again since; it removes them once it is gone from the queue.
      await deleteMatching(this.options.redis, `${BULL_PREFIX}:${queue}:*`).catch(() => undefined);
      this.options.logger.info({ event: 'leave', queue }, `left ${queue}`);
    }
  }

  private join(queue: string): void {
    const { redis, name, slots, lockDurationMs, stalledIntervalMs, logger } = this.options;
    const worker = new Worker<TrialJobData, TrialJobResult>(queue, (job, token, signal) => this.process(queue, job, token, signal), {
      connection: redis,
      prefix: BULL_PREFIX,
      name,
      concurrency: slots,
      lockDuration: lockDurationMs,
      stalledInterval: stalledIntervalMs,
      maxStalledCount: MAX_STALLED_COUNT,
    });
    worker.on('error', (err) => logger.warn({ event: 'queue-error', queue, message: err.message }, 'queue error'));
    worker.on('failed', (job, err) => logger.warn({ event: 'job-failed', queue, id: job?.id, message: err.message }, `job ${job?.id} failed`));
    // A trial whose lock could not be renewed (this process was frozen, or cut off from Redis) is
    // back in the queue for another worker: stop working on it here.
    worker.on('lockRenewalFailed', (ids) => {
      for (const id of ids) {
        logger.warn({ event: 'lock-lost', queue, id }, `lost the lock of job ${id}; stopping it here`);
        worker.cancelJob(id, 'lock lost');
      }
    });
    this.joined.set(queue, worker);
    if (this.busy >= slots) void worker.pause(true).catch(() => undefined);
    logger.info({ event: 'join', queue }, `serving ${queue}`);
  }

  /**
   * Each queue's BullMQ worker takes up to `slots` trials; with several sweeps announced at once
   * that would be `slots` per sweep. So while all slots are busy every queue stops fetching, and
   * starts again when one frees up (two queues fetching at the same instant can still overshoot
   * by one; that trial waits for a pool thread, its lock renewed).
   */
  private async process(queue: string, job: Job<TrialJobData, TrialJobResult>, token: string | undefined, cancelled: AbortSignal | undefined): Promise<TrialJobResult> {
    this.busy++;
    if (this.busy >= this.options.slots) for (const worker of this.joined.values()) void worker.pause(true).catch(() => undefined);
    try {
      return await this.processJob(queue, job, token, cancelled);
    } finally {
      this.busy--;
      if (this.busy < this.options.slots && !this.stopping.signal.aborted) for (const worker of this.joined.values()) if (worker.isPaused()) worker.resume();
    }
  }

  private async processJob(queue: string, job: Job<TrialJobData, TrialJobResult>, token: string | undefined, cancelled: AbortSignal | undefined): Promise<TrialJobResult> {
    const { logger, name } = this.options;
    const source = `job ${job.id} of ${queue}`;
    const { data, dataset } = await this.admit(queue, job, source);
    const trial = data.trial;
    const outDir = join(this.options.workDir, 'trials', queue, trial.id);
    await rm(outDir, { recursive: true, force: true });
    logger.info({ event: 'trial-start', queue, id: trial.id, label: trial.label }, `trial ${trial.label} started`);
    const signals = [this.stopping.signal, cancelled].filter((s): s is AbortSignal => s !== undefined);
    let lastBatch = -Infinity;
    const report = (message: ProgressMessage) => void job.updateProgress(message).catch(() => undefined);
    const outcome = await this.executor.run(
      {
        config: data.config,
        configFile: source,
        outDir,
        trialJson: `${JSON.stringify(trial, null, 2)}\n`,
        limits: data.limits,
        timeoutS: data.timeoutS,
        dataset: dataset.spec,
      },
      {
        signal: AbortSignal.any(signals),
        onEpoch: (row, epochs) => report({ type: 'epoch', row, epochs }),
        onBatch: (progress) => {
          const now = performance.now();
          if (now - lastBatch < BATCH_PROGRESS_MS) return;
          lastBatch = now;
          report({ type: 'batch', ...progress });
        },
      },
      dataset.data,
    );
    logger.info({ event: 'trial-end', queue, id: trial.id, status: outcome.status }, `trial ${trial.label} ${outcome.status}`);
    try {
      if (outcome.status === TrialStatus.STOPPED) {
        if (this.stopping.signal.aborted && token !== undefined) {
          // Handed back: another worker (or this one, restarted) runs it from the start.
          await job.moveToWait(token);
          throw new WaitingError();
        }
        throw new Error('trial cancelled');
      }
      if (outcome.status === TrialStatus.FAILED) return { outcome, worker: name };
      const key = trialFilesKey(queue, trial.id, randomBytes(6).toString('hex'));
      const manifest = await sendTrialFiles(this.options.redis, key, outDir);
      return { outcome, files: { key, manifest }, worker: name };
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }

  /**
   * The job's data if this worker may run it: shape and config checked, the dataset at hand, and
   * the config fitting it. Otherwise an UnrecoverableError (the job fails at once, never retried)
   * whose message says why.
   */
  private async admit(queue: string, job: Job<TrialJobData, TrialJobResult>, source: string): Promise<{ data: TrialJobData; dataset: WorkerDataset }> {
    try {
      const data = checkJobData(job.data, source);
      const dataset = await this.datasets.get(queue, data.dataset);
      const limited = limitData(dataset.data, data.limits);
      checkAgainstDataset(data.config, source, { imageShape: dataset.data.imageShape, classes: dataset.data.classes });
      checkRunnable(data.config, source, limited.train.count);
      return { data, dataset };
    } catch (err) {
      if (!(err instanceof JobRefused) && !(err instanceof InputError)) throw err;
      const reason = err instanceof InputError ? err.problems.map((p) => `${p.path}: ${p.message}`).join('; ') : err.message;
      this.options.logger.warn({ event: 'refused', queue, id: job.id, reason }, `refused job ${job.id}: ${reason}`);
      throw new UnrecoverableError(`${REFUSED_PREFIX}${reason}`);
    }
  }

  /** Stops taking trials, hands the running ones back to their queues, and closes everything. */
  async stop(): Promise<void> {
    clearInterval(this.poller);
    const closing = [...this.joined.values()].map((w) => w.close());
    this.stopping.abort();
    await this.refreshing;
    await Promise.all(closing);
    this.joined.clear();
    await this.executor.close();
  }
}
