/**
 * Runs trials on other machines: each trial becomes a job of the sweep's own BullMQ queue, workers
 * (`convsweep worker`) anywhere pull and train them, and their files come back through Redis and
 * are written here atomically, so the sweep folder looks exactly like a local run's.
 *
 * A job's id is its trial's id, so enqueueing again (a resumed coordinator) never duplicates a trial:
 * a job still queued or running is waited for, a result that arrived while the coordinator was away
 * is collected. Stopping the sweep (Ctrl-C) pauses the queue: workers take no new trials and finish
 * the running ones, whose results wait in Redis for `--resume`. A sweep that ends normally removes
 * its queue and everything kept beside it.
 */
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import { JOB_FORMAT, REFUSED_PREFIX, TRIAL_JOB_NAME, type DatasetRef, type TrialJobData, type TrialJobResult } from '../../queue/job.js';
import { BULL_PREFIX, dataKeyPrefix, deleteMatching } from '../../queue/keys.js';
import { announceSweep, withdrawSweep } from '../../queue/registry.js';
import { receiveTrialFiles } from '../../queue/trial-files.js';
import type { ProgressMessage } from '../worker-entry.js';
import { METRICS_FILE, readFinishedMetrics, TrialStatus, type FailureKind, type TrialOutcome, type TrialRecord } from '../trial.js';
import type { TrialExecutor, TrialRunHooks, TrialSpec } from './executor.js';

export interface QueueExecutorOptions {
  redis: Redis;
  queueName: string;
  sweepName: string;
  dataset: DatasetRef;
  /** The sweep's interrupt: pauses the queue. */
  signal?: AbortSignal;
  logger: Logger;
}

/** BullMQ job ids may not look like integers; trial ids can. */
export function jobIdOf(trialId: string): string {
  return `trial-${trialId}`;
}

function failureKind(reason: string): FailureKind {
  if (reason.startsWith(REFUSED_PREFIX)) return 'refused';
  if (/stalled/i.test(reason)) return 'crashed';
  return 'error';
}

const ABORTED = Symbol('aborted');

function untilAborted(signal: AbortSignal | undefined): Promise<typeof ABORTED> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve(ABORTED);
    signal.addEventListener('abort', () => resolve(ABORTED), { once: true });
  });
}

export class QueueExecutor implements TrialExecutor {
  /** Every trial is queued at once; the workers' slots pace them. */
  readonly capacity = Number.POSITIVE_INFINITY;
  private readonly hooks = new Map<string, TrialRunHooks>();

  private constructor(
    private readonly options: QueueExecutorOptions,
    private readonly queue: Queue<TrialJobData, TrialJobResult>,
    private readonly events: QueueEvents,
  ) {}

  static async open(options: QueueExecutorOptions): Promise<QueueExecutor> {
    const { redis, queueName } = options;
    const queue = new Queue<TrialJobData, TrialJobResult>(queueName, { connection: redis, prefix: BULL_PREFIX });
    const events = new QueueEvents(queueName, { connection: redis, prefix: BULL_PREFIX });
    queue.on('error', (err) => options.logger.warn({ event: 'queue-error', message: err.message }, 'queue connection error'));
    events.on('error', (err) => options.logger.warn({ event: 'queue-error', message: err.message }, 'queue events connection error'));
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    // A resumed sweep's queue may have been paused by the Ctrl-C that stopped it.
    await queue.resume();
    const executor = new QueueExecutor(options, queue, events);
    events.on('progress', ({ jobId, data }) => executor.onProgress(jobId, data));
    options.signal?.addEventListener('abort', () => {
      queue.pause().catch((err: Error) => options.logger.warn({ event: 'queue-error', message: err.message }, 'pausing the queue failed'));
    }, { once: true });
    await announceSweep(redis, { queue: queueName, sweep: options.sweepName, since: new Date().toISOString() });
    return executor;
  }

  async run(job: TrialSpec, hooks: TrialRunHooks = {}): Promise<TrialOutcome> {
    const trial = JSON.parse(job.trialJson) as TrialRecord;
    const id = jobIdOf(trial.id);
    this.hooks.set(id, hooks);
    try {
      const queued = await this.enqueue(id, {
        format: JOB_FORMAT,
        sweep: this.options.sweepName,
        trial,
        config: job.config,
        limits: job.limits,
        ...(job.timeoutS !== undefined ? { timeoutS: job.timeoutS } : {}),
        dataset: this.options.dataset,
      });
      let result: TrialJobResult | typeof ABORTED;
      try {
        result = await Promise.race([queued.waitUntilFinished(this.events), untilAborted(hooks.signal)]);
      } catch (err) {
        const reason = (err as Error).message;
        await this.forget(queued);
        return { status: TrialStatus.FAILED, kind: failureKind(reason), message: reason.startsWith(REFUSED_PREFIX) ? reason.slice(REFUSED_PREFIX.length) : reason };
      }
      // Stopped here, not on the workers: the job stays queued (or running) for --resume.
      if (result === ABORTED) return { status: TrialStatus.STOPPED };
      const outcome = await this.collect(result, job.outDir);
      await this.forget(queued);
      return outcome;
    } finally {
      this.hooks.delete(id);
    }
  }

  /**
   * The trial's job: the existing one while it is waiting, running or completed with a result (a
   * resumed coordinator collects it); a new one when there is none, or the last attempt failed
   * (resume reruns failed trials, as a local sweep does).
   */
  private async enqueue(id: string, data: TrialJobData): Promise<Job<TrialJobData, TrialJobResult>> {
    const existing = await Job.fromId<TrialJobData, TrialJobResult>(this.queue, id);
    if (existing) {
      const state = await existing.getState();
      const failedResult = state === 'completed' && existing.returnvalue?.outcome.status !== TrialStatus.COMPLETED;
      if (state !== 'failed' && !failedResult) {
        this.options.logger.info({ event: 'job-found', id, state }, `trial job ${id} already ${state}`);
        return existing;
      }
      await existing.remove();
    }
    return this.queue.add(TRIAL_JOB_NAME, data, { jobId: id, attempts: 1, removeOnComplete: false, removeOnFail: false });
  }

  /** A worker's result → the outcome; a completed trial's files are written to outDir first. */
  private async collect(result: TrialJobResult, outDir: string): Promise<TrialOutcome> {
    const { outcome } = result;
    this.options.logger.info({ event: 'result', outDir, worker: result.worker, status: outcome.status }, `result from worker ${result.worker}`);
    if (outcome.status !== TrialStatus.COMPLETED) return outcome;
    // Only one attempt of a trial can complete in BullMQ; the check keeps it so if one ever did twice.
    if (await readFinishedMetrics(outDir)) {
      this.options.logger.warn({ event: 'duplicate-result', outDir, worker: result.worker }, 'a second result for a finished trial was ignored');
      return outcome;
    }
    if (!result.files?.manifest[METRICS_FILE]) return { status: TrialStatus.FAILED, kind: 'error', message: `worker ${result.worker} reported completion without ${METRICS_FILE}` };
    try {
      await receiveTrialFiles(this.options.redis, result.files.key, result.files.manifest, outDir);
    } catch (err) {
      return { status: TrialStatus.FAILED, kind: 'error', message: `the files from worker ${result.worker} could not be written: ${(err as Error).message}` };
    }
    return outcome;
  }

  /** A recorded trial's job goes; Redis keeps nothing of it. */
  private async forget(job: Job): Promise<void> {
    await job.remove().catch((err: Error) => this.options.logger.warn({ event: 'queue-error', id: job.id, message: err.message }, 'removing a finished job failed'));
  }

  private onProgress(jobId: string, data: unknown): void {
    const hooks = this.hooks.get(jobId);
    const message = data as ProgressMessage;
    if (!hooks || typeof message !== 'object' || message === null) return;
    if (message.type === 'batch') hooks.onBatch?.(message);
    else if (message.type === 'epoch') hooks.onEpoch?.(message.row, message.epochs);
  }

  /**
   * After a sweep that ran to its end, the queue, its registry entry and everything kept beside it
   * are removed; after an interrupted one they stay for --resume.
   */
  async close(): Promise<void> {
    const { redis, queueName, signal } = this.options;
    try {
      if (!signal?.aborted) {
        await withdrawSweep(redis, queueName);
        await this.queue.obliterate({ force: true });
        await deleteMatching(redis, `${dataKeyPrefix(queueName)}*`);
      }
    } finally {
      await this.events.close();
      await this.queue.close();
    }
  }
}
