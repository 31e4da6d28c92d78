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
import { JOB_FORMAT, LOST_PREFIX, REFUSED_PREFIX, TRIAL_JOB_NAME, type DatasetRef, type TrialJobData, type TrialJobResult } from '../../queue/job.js';
import { BULL_PREFIX, dataKeyPrefix, verdictKey } from '../../queue/keys.js';
import { announceSweep } from '../../queue/registry.js';
import { removeSweepQueue } from '../../queue/sweep-queue.js';
import { receiveTrialFiles } from '../../queue/trial-files.js';
import { CONFIG_FILE, METRICS_FILE } from '../../train/run-folder.js';
import { isFinished } from '../status.js';
import type { ProgressMessage } from '../worker-entry.js';
import { readFinishedMetrics, TRIAL_FILE, TrialStatus, type FailureKind, type TrialOutcome, type TrialRecord } from '../trial.js';
import type { TrialExecutor, TrialRunHooks, TrialSpec } from './executor.js';

export interface QueueExecutorOptions {
  redis: Redis;
  queueName: string;
  sweepName: string;
  dataset: DatasetRef;
  /** How often a trial whose worker vanished runs again (the sweep's max_retries); the workers enforce it. */
  maxRetries: number;
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
  if (reason.startsWith(LOST_PREFIX) || /stalled/i.test(reason)) return 'lost';
  return 'error';
}

const ABORTED = Symbol('aborted');

/**
 * How long to wait for a job's "finished" event before asking Redis for the job's state: events can
 * be missed (the stream is trimmed while a coordinator is frozen or cut off, or Redis restarted).
 */
const STATE_CHECK_MS = 30_000;
/** How often the sweep is announced again, in case Redis lost the registry (a restart without persistence). */
const ANNOUNCE_MS = 30_000;
/** How long an unread verdict stays in Redis. */
const VERDICT_TTL_S = 3600;
/** The most a worker may send for one trial's files. */
const MAX_TRIAL_BYTES = 1024 * 1024 * 1024;

/** Resolves ABORTED when `signal` aborts; `release` removes its listener. */
function untilAborted(signal: AbortSignal | undefined): { promise: Promise<typeof ABORTED>; release: () => void } {
  let release = () => undefined as void;
  const promise = new Promise<typeof ABORTED>((resolve) => {
    if (!signal) return;
    if (signal.aborted) return resolve(ABORTED);
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    release = () => signal.removeEventListener('abort', onAbort);
  });
  return { promise, release };
}

/** A job that ended in BullMQ's failed state, with BullMQ's reason. */
class JobFailed extends Error {}

export class QueueExecutor implements TrialExecutor {
  /** Every trial is queued at once; the workers' slots pace them. */
  readonly capacity = Number.POSITIVE_INFINITY;
  private readonly hooks = new Map<string, TrialRunHooks & { prunable: boolean; trialId: string }>();
  private announcer: NodeJS.Timeout | undefined;

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
    // One waiter a queued trial listens on both: the default limit of 10 listeners is not a leak here.
    queue.setMaxListeners(0);
    events.setMaxListeners(0);
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    // A resumed sweep's queue may have been paused by the Ctrl-C that stopped it.
    await queue.resume();
    const executor = new QueueExecutor(options, queue, events);
    events.on('progress', ({ jobId, data }) => executor.onProgress(jobId, data));
    events.on('stalled', ({ jobId }) => options.logger.warn({ event: 'stalled', id: jobId }, `trial job ${jobId} lost its worker and went back to the queue`));
    options.signal?.addEventListener('abort', () => {
      queue.pause().catch((err: Error) => options.logger.warn({ event: 'queue-error', message: err.message }, 'pausing the queue failed'));
    }, { once: true });
    const announcement = { queue: queueName, sweep: options.sweepName, since: new Date().toISOString(), maxRetries: options.maxRetries };
    await announceSweep(redis, announcement);
    executor.announcer = setInterval(() => {
      announceSweep(redis, announcement).catch((err: Error) => options.logger.warn({ event: 'queue-error', message: err.message }, 'announcing the sweep failed'));
    }, ANNOUNCE_MS);
    return executor;
  }

  async run(job: TrialSpec, hooks: TrialRunHooks = {}): Promise<TrialOutcome> {
    const trial = JSON.parse(job.trialJson) as TrialRecord;
    const id = jobIdOf(trial.id);
    const data: TrialJobData = {
      format: JOB_FORMAT,
      sweep: this.options.sweepName,
      trial,
      config: job.config,
      ...(job.timeoutS !== undefined ? { timeoutS: job.timeoutS } : {}),
      ...(job.prunable ? { prunable: true } : {}),
      dataset: this.options.dataset,
    };
    this.hooks.set(id, { ...hooks, prunable: job.prunable === true, trialId: trial.id });
    const aborted = untilAborted(hooks.signal);
    try {
      let queued = await this.enqueue(id, data);
      let result: TrialJobResult;
      for (;;) {
        try {
          const finished = await Promise.race([this.finished(queued), aborted.promise]);
          // Stopped here, not on the workers: the job stays queued (or running) for --resume.
          if (finished === ABORTED) return { status: TrialStatus.STOPPED };
          if (finished === 'gone') {
            // Redis lost the job (a restart without persistence): queue it again.
            this.options.logger.warn({ event: 'job-lost', id }, `trial job ${id} vanished from Redis; queued again`);
            queued = await this.enqueue(id, data);
            continue;
          }
          if (finished === 'pending') continue;
          result = finished;
          break;
        } catch (err) {
          if (!(err instanceof JobFailed)) throw err;
          const reason = err.message;
          const kind = failureKind(reason);
          const message = kind === 'lost' ? await this.lostMessage(id) : reason.startsWith(REFUSED_PREFIX) ? reason.slice(REFUSED_PREFIX.length) : reason;
          await this.forget(queued);
          return { status: TrialStatus.FAILED, kind, message };
        }
      }
      const outcome = await this.collect(result, job, trial);
      await this.forget(queued);
      return outcome;
    } finally {
      aborted.release();
      this.hooks.delete(id);
    }
  }

  /**
   * The job's result once it has one; 'pending' when STATE_CHECK_MS pass without its event and it is
   * still waiting or running; 'gone' when Redis no longer has it. JobFailed for a failed job.
   */
  private async finished(job: Job<TrialJobData, TrialJobResult>): Promise<TrialJobResult | 'pending' | 'gone'> {
    try {
      return await job.waitUntilFinished(this.events, STATE_CHECK_MS);
    } catch (err) {
      // A timeout and a failure both land here; Redis says which.
      const current = await Job.fromId<TrialJobData, TrialJobResult>(this.queue, job.id!);
      if (!current) return 'gone';
      const state = await current.getState();
      if (state === 'completed') return current.returnvalue;
      if (state === 'failed') throw new JobFailed(current.failedReason || (err as Error).message);
      return 'pending';
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
      const failedResult = state === 'completed' && !isFinished(existing.returnvalue?.outcome.status ?? '');
      if (state !== 'failed' && !failedResult) {
        this.options.logger.info({ event: 'job-found', id, state }, `trial job ${id} already ${state}`);
        return existing;
      }
      await existing.remove();
    }
    return this.queue.add(TRIAL_JOB_NAME, data, { jobId: id, attempts: 1, removeOnComplete: false, removeOnFail: false });
  }

  /**
   * A worker's result → the outcome; a completed trial's files are written to its folder first. A
   * worker is trusted with its measurements, not with where files come from or what the trial was:
   * the files must be this trial's, within a size limit, and trial.json and config.json are the
   * coordinator's own.
   */
  private async collect(result: TrialJobResult, job: TrialSpec, trial: TrialRecord): Promise<TrialOutcome> {
    const { outcome } = result;
    const worker = String(result.worker);
    this.options.logger.info({ event: 'result', outDir: job.outDir, worker, status: outcome.status }, `result from worker ${worker}`);
    if (!isFinished(outcome.status)) return outcome;
    // Only one attempt of a trial can complete in BullMQ; the check keeps it so if one ever did twice.
    if (await readFinishedMetrics(job.outDir)) {
      this.options.logger.warn({ event: 'duplicate-result', outDir: job.outDir, worker }, 'a second result for a finished trial was ignored');
      return outcome;
    }
    const files = result.files;
    const ownKey = `${dataKeyPrefix(this.options.queueName)}files:${trial.id}:`;
    const failed = (why: string): TrialOutcome => ({ status: TrialStatus.FAILED, kind: 'error', message: `the result of worker ${worker} was not accepted: ${why}` });
    if (!files?.manifest[METRICS_FILE]) return failed(`no ${METRICS_FILE}`);
    if (typeof files.key !== 'string' || !files.key.startsWith(ownKey)) return failed('its files are not this trial\'s');
    const bytes = Object.values(files.manifest).reduce((sum, f) => sum + (Number.isFinite(f.bytes) ? f.bytes : Infinity), 0);
    if (!(bytes <= MAX_TRIAL_BYTES)) return failed(`${bytes} bytes of files, more than the limit of ${MAX_TRIAL_BYTES}`);
    try {
      await receiveTrialFiles(this.options.redis, files.key, files.manifest, job.outDir, {
        [TRIAL_FILE]: job.trialJson,
        [CONFIG_FILE]: `${JSON.stringify(job.config, null, 2)}\n`,
      });
    } catch (err) {
      return failed((err as Error).message);
    }
    return outcome;
  }

  /** `its worker stopped answering 3 times (last: worker w1 on host-a)`, from the job's stall count and the log its workers wrote on taking it. */
  private async lostMessage(id: string): Promise<string> {
    const [job, { logs }] = await Promise.all([Job.fromId(this.queue, id), this.queue.getJobLogs(id, -1, -1)]);
    const times = job?.stalledCounter ?? this.options.maxRetries + 1;
    const last = logs.at(-1);
    return `its worker stopped answering ${times} time${times === 1 ? '' : 's'}${last ? ` (last: ${last})` : ''}`;
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
    else if (message.type === 'epoch') {
      const verdict = hooks.onEpoch?.(message.row, message.epochs);
      if (hooks.prunable && message.row.epoch < message.epochs) void this.sendVerdict(hooks.trialId, message.row.epoch, verdict);
    }
  }

  /** The pruner's answer on one epoch, for the worker waiting on it; kept an hour at most. */
  private async sendVerdict(trialId: string, epoch: number, verdict: ReturnType<NonNullable<TrialRunHooks['onEpoch']>>): Promise<void> {
    const key = verdictKey(this.options.queueName, trialId, epoch);
    try {
      const stop = (await verdict) === true;
      await this.options.redis.multi().del(key).lpush(key, stop ? '1' : '0').expire(key, VERDICT_TTL_S).exec();
    } catch (err) {
      this.options.logger.warn({ event: 'queue-error', id: trialId, message: (err as Error).message }, 'sending a verdict failed');
    }
  }

  /**
   * `finished`: every trial of the sweep is recorded, so the queue, its registry entry and
   * everything kept beside it are removed. Otherwise (interrupted) they stay for --resume.
   */
  async close(finished = false): Promise<void> {
    clearInterval(this.announcer);
    await this.events.close();
    await this.queue.close();
    if (finished) await removeSweepQueue(this.options.redis, this.options.queueName);
  }
}
