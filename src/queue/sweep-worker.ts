/**
 * `convsweep worker`: serves every announced sweep queue with a local pool (the same LocalExecutor
 * as `convsweep run`). A job is data only: it is checked (shape, config schema, dataset, limits)
 * before anything runs, and refused otherwise. A finished trial's files go back through Redis.
 *
 * The worker takes a trial only when one of its slots is free, round-robin over the sweeps it
 * serves, so several sweeps share its slots exactly (BullMQ's own processing loop would take up to
 * `concurrency` jobs from every queue). Locks and stalls are BullMQ's: while a trial runs its lock
 * is renewed every lockDuration/2; a worker that dies stops renewing, and after lockDuration the
 * stalled check of any live worker (every stalledInterval, busy or not) puts the trial back in the
 * queue, up to the sweep's max_retries times. One more stall, and the next worker to take the
 * trial fails it as lost instead of running it: a trial that kills the process running it (a
 * poison trial: OOM-kill, a native crash) costs at most max_retries + 1 workers, never all of
 * them. A worker whose lock lapsed takes the trial back if no other worker has it (reclaim.ts),
 * and stops it if one has. Stopping (SIGINT/SIGTERM) hands the running
 * trials back to the queue at once, which is no stall and uses up no retry.
 *
 * A trial's own failure (an exception, a NaN loss, its time limit) is recorded as it is and not
 * retried, unlike Ray Tune's max_failures: training is seeded and deterministic here, so a second
 * run fails the same way and only costs a slot (Optuna, too, retries nothing by default).
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendName } from '../backend/names.js';
import { checkAgainstDataset } from '../config/load.js';
import { InputError } from '../errors.js';
import type { Logger } from '../log.js';
import type { LocalExecutor } from '../sweep/executor/local.js';
import type { GpuSlots } from '../sweep/gpu-slots.js';
import { TrialStatus, type TrialOutcome } from '../sweep/trial.js';
import type { Isolation, ProgressMessage } from '../sweep/worker-entry.js';
import { checkRunnable } from '../train/runnable.js';
import { DatasetCache, type WorkerDataset } from './dataset-transfer.js';
import { checkJobData, JobRefused, LOST_PREFIX, REFUSED_PREFIX, type TrialJobData, type TrialJobResult } from './job.js';
import { BULL_PREFIX, trialFilesKey, verdictKey } from './keys.js';
import { announcedSweeps, DEFAULT_MAX_RETRIES, isAnnounced, type SweepAnnouncement } from './registry.js';
import { reclaimJob } from './reclaim.js';
import { sendTrialFiles } from './trial-files.js';

/** How often the list of announced sweeps is read (one small HGETALL). */
const REGISTRY_POLL_MS = 1000;
/** How long an idle worker waits before asking the queues for work again (one small script a queue). */
const IDLE_POLL_MS = 200;
/** After a trial could not start for a reason of this machine's (not the trial's), before taking another. */
const TROUBLE_BACKOFF_MS = 10_000;
/** Batch progress sent at most this often (epochs always): each update is a Redis write and an event. */
const BATCH_PROGRESS_MS = 2000;
/** How long a prunable trial waits for the coordinator's verdict on an epoch before it goes on. */
const VERDICT_WAIT_S = 60;
/**
 * While waiting, the epoch is reported again this often: a coordinator restarted with --resume
 * reads the event stream from its end and never heard the first report, so it answers the repeat.
 */
const VERDICT_ASK_AGAIN_S = 5;

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
  /** Called when the worker cannot run trials at all any more (its pool threads fail to start). */
  onBroken?: (reason: string) => void;
  /**
   * What runs the admitted trials instead of a local pool (a benchmark plays recorded curves
   * through the real queue); backend, isolation and gpuSlots are then unused.
   */
  executor?: TrialRunner;
}

/** The part of LocalExecutor the worker uses. */
export type TrialRunner = Pick<LocalExecutor, 'run' | 'close' | 'brokenReason'>;

type Taken = { queue: string; job: Job<TrialJobData, TrialJobResult>; token: string };

/** What became of a job this worker took: it goes back to the queue, or it is finished with a result. */
type Ending = { kind: 'hand-back'; why: string } | { kind: 'complete'; result: TrialJobResult } | { kind: 'refuse'; reason: string } | { kind: 'lost'; reason: string } | { kind: 'lock-lost' };

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export class SweepWorker {
  /** One BullMQ worker a served queue, in manual mode: it fetches on request and runs the stalled checks. */
  private readonly joined = new Map<string, Worker<TrialJobData, TrialJobResult>>();
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly datasets: DatasetCache;
  private registryTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private fetching: Promise<void> = Promise.resolve();
  /** Where the next round-robin look for work starts. */
  private turn = 0;
  /** Resolves the fetch loop's current wait (a slot freed, a sweep announced). */
  private wake: () => void = () => undefined;
  private notBefore = 0;

  private constructor(
    private readonly options: SweepWorkerOptions,
    private readonly executor: TrialRunner,
  ) {
    this.datasets = new DatasetCache(options.redis, join(options.workDir, 'datasets'));
    // Most sweeps train on the embedded MNIST: read it now, not when the first trial is waiting.
    this.datasets.get('', { kind: 'mnist' }).catch(() => undefined);
  }

  static async start(options: SweepWorkerOptions): Promise<SweepWorker> {
    // Loaded only when used: a worker given its own executor never loads the pool.
    const executor =
      options.executor ??
      new (await import('../sweep/executor/local.js')).LocalExecutor({
        workers: options.slots,
        backend: options.backend,
        isolation: options.isolation,
        gpuSlots: options.gpuSlots,
        onThreadError: (err) => options.logger.warn({ event: 'thread-died', message: err.message }, 'a pool thread died and is replaced'),
      });
    const worker = new SweepWorker(options, executor);
    await worker.refresh();
    worker.registryTimer = setInterval(() => {
      worker.refreshing = worker.refreshing.then(() => worker.refresh());
    }, REGISTRY_POLL_MS);
    worker.fetching = worker.fetchLoop();
    return worker;
  }

  /** Joins newly announced sweeps and leaves withdrawn ones; never throws. */
  private async refresh(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const { redis, logger } = this.options;
    let sweeps: SweepAnnouncement[];
    try {
      sweeps = await announcedSweeps(redis);
    } catch (err) {
      logger.warn({ event: 'registry-error', message: (err as Error).message }, 'reading the announced sweeps failed');
      return;
    }
    if (this.stopping.signal.aborted) return;
    const announced = sweeps.map((s) => s.queue);
    for (const { queue, maxRetries } of sweeps) {
      if (this.joined.has(queue)) continue;
      try {
        this.join(queue, maxRetries ?? DEFAULT_MAX_RETRIES);
        this.wake();
      } catch (err) {
        logger.warn({ event: 'join-failed', queue, message: (err as Error).message }, `cannot serve ${queue}`);
      }
    }
    for (const [queue, worker] of [...this.joined]) {
      if (announced.includes(queue)) continue;
      this.joined.delete(queue);
      void this.leave(queue, worker);
    }
  }

  private join(queue: string, maxRetries: number): void {
    const { redis, name, lockDurationMs, stalledIntervalMs, logger } = this.options;
    const worker = new Worker<TrialJobData, TrialJobResult>(queue, null, {
      connection: redis,
      prefix: BULL_PREFIX,
      name,
      autorun: false,
      lockDuration: lockDurationMs,
      stalledInterval: stalledIntervalMs,
      maxStalledCount: maxRetries,
    });
    worker.on('error', (err) => logger.warn({ event: 'queue-error', queue, message: err.message }, 'queue error'));
    void worker.startStalledCheckTimer().catch((err: Error) => logger.warn({ event: 'queue-error', queue, message: err.message }, 'stalled checks did not start'));
    this.joined.set(queue, worker);
    logger.info({ event: 'join', queue }, `serving ${queue}`);
  }

  /**
   * Stops serving a withdrawn sweep. Its coordinator removed the queue; this worker's stalled checks
   * may have written its `meta` and `stalled-check` keys again since, which go unless the sweep has
   * been announced again meanwhile.
   */
  private async leave(queue: string, worker: Worker): Promise<void> {
    const { redis, logger } = this.options;
    try {
      await worker.close();
      if (!(await isAnnounced(redis, queue))) await redis.del(`${BULL_PREFIX}:${queue}:meta`, `${BULL_PREFIX}:${queue}:stalled-check`);
    } catch (err) {
      logger.warn({ event: 'queue-error', queue, message: (err as Error).message }, 'leaving the queue failed');
    }
    logger.info({ event: 'leave', queue }, `left ${queue}`);
  }

  /** Takes a trial whenever a slot is free and some sweep has one waiting. */
  private async fetchLoop(): Promise<void> {
    const stop = this.stopping.signal;
    while (!stop.aborted) {
      const wait = (ms: number) =>
        new Promise<void>((resolve) => {
          this.wake = resolve;
          void sleep(ms, stop).then(resolve);
        });
      if (this.running.size >= this.options.slots) {
        await wait(60_000);
        continue;
      }
      if (Date.now() < this.notBefore) {
        await wait(this.notBefore - Date.now());
        continue;
      }
      const taken = await this.takeNext();
      if (!taken) {
        await wait(IDLE_POLL_MS);
        continue;
      }
      const trial: Promise<void> = this.serve(taken).finally(() => {
        this.running.delete(trial);
        this.wake();
      });
      this.running.add(trial);
    }
  }

  /** The next waiting job of the served queues, round-robin, moved to active under a fresh lock token. */
  private async takeNext(): Promise<Taken | undefined> {
    const queues = [...this.joined.entries()];
    for (let i = 0; i < queues.length; i++) {
      const [queue, worker] = queues[(this.turn + i) % queues.length];
      const token = randomUUID();
      try {
        const job = await worker.getNextJob(token, { block: false });
        if (job) {
          this.turn = (this.turn + i + 1) % queues.length;
          return { queue, job, token };
        }
      } catch (err) {
        this.options.logger.warn({ event: 'queue-error', queue, message: (err as Error).message }, 'fetching a job failed');
      }
    }
    return undefined;
  }

  /** One taken job from start to its ending in the queue, its lock renewed meanwhile. */
  private async serve({ queue, job, token }: Taken): Promise<void> {
    const { logger, lockDurationMs } = this.options;
    const lockLost = new AbortController();
    let renewing = false;
    const renew = setInterval(() => {
      // Commands wait while Redis is away: one renewal at a time, not a pile of them on its return.
      if (renewing) return;
      renewing = true;
      this.keepLock(queue, job, token)
        .then(
          (kept) => {
            if (kept || lockLost.signal.aborted) return;
            logger.warn({ event: 'lock-lost', queue, id: job.id }, `lost the lock of job ${job.id} to another worker; stopping it here`);
            lockLost.abort();
          },
          // Redis unreachable for a moment: the next renewal tries again.
          (err: Error) => logger.warn({ event: 'queue-error', queue, id: job.id, message: err.message }, 'renewing a lock failed'),
        )
        .finally(() => (renewing = false));
    }, lockDurationMs / 2);
    let ending: Ending;
    try {
      ending = await this.attempt(queue, job, lockLost.signal);
    } catch (err) {
      ending = { kind: 'hand-back', why: `this worker failed: ${(err as Error).message}` };
    } finally {
      clearInterval(renew);
    }
    await this.finish(queue, job, token, lockLost.signal.aborted ? { kind: 'lock-lost' } : ending);
  }

  /**
   * Renews the job's lock; when it lapsed (Redis was out of reach for longer than the lock lasts),
   * takes the job back if no other worker has it. False: another worker has it now.
   */
  private async keepLock(queue: string, job: Job<TrialJobData, TrialJobResult>, token: string): Promise<boolean> {
    if (await job.extendLock(token, this.options.lockDurationMs)) return true;
    const reclaimed = await reclaimJob(this.options.redis, queue, job.id!, token, this.options.lockDurationMs);
    if (reclaimed === 'ours') this.options.logger.info({ event: 'lock-reclaimed', queue, id: job.id }, `the lock of job ${job.id} lapsed while Redis was out of reach; no other worker had it, so it goes on here`);
    return reclaimed === 'ours';
  }

  private async finish(queue: string, job: Job<TrialJobData, TrialJobResult>, token: string, ending: Ending): Promise<void> {
    const { logger } = this.options;
    if (ending.kind === 'complete' && !(await this.keepLock(queue, job, token).catch(() => false))) {
      // Another worker runs the trial now (or Redis lost the job): that attempt ends it, not this one.
      logger.warn({ event: 'result-dropped', queue, id: job.id }, `job ${job.id} went to another worker while Redis was out of reach; this attempt's result is dropped`);
      if (ending.result.files) await this.options.redis.del(ending.result.files.key).catch(() => undefined);
      return;
    }
    try {
      switch (ending.kind) {
        case 'lock-lost':
          // Another worker has it, or soon will: nothing of this attempt goes to the queue.
          return;
        case 'hand-back':
          logger.info({ event: 'hand-back', queue, id: job.id, why: ending.why }, `handed job ${job.id} back: ${ending.why}`);
          await job.moveToWait(token);
          return;
        case 'refuse':
          await job.moveToFailed(new UnrecoverableError(`${REFUSED_PREFIX}${ending.reason}`), token, false);
          return;
        case 'lost':
          await job.moveToFailed(new UnrecoverableError(`${LOST_PREFIX}${ending.reason}`), token, false);
          return;
        case 'complete':
          await job.moveToCompleted(ending.result, token, false);
      }
    } catch (err) {
      // Typically the lock was lost at the last moment; the queue's own record stands.
      logger.warn({ event: 'queue-error', queue, id: job.id, message: (err as Error).message }, `recording job ${job.id} failed`);
    }
  }

  /** Runs the job's trial if this worker may; says how the job ends. */
  private async attempt(queue: string, job: Job<TrialJobData, TrialJobResult>, lockLost: AbortSignal): Promise<Ending> {
    const { logger, name } = this.options;
    const source = `job ${job.id} of ${queue}`;
    // The stalled check marked it: its workers vanished once more than the sweep allows. Running it
    // again could kill this worker too.
    if (job.deferredFailure) {
      logger.warn({ event: 'lost', queue, id: job.id, stalls: job.stalledCounter }, `job ${job.id} lost its worker ${job.stalledCounter} times: failed, not run again`);
      return { kind: 'lost', reason: job.deferredFailure };
    }
    // Who ran each attempt, for the failure message should this worker vanish too.
    await job.log(`worker ${name} on ${hostname()}`);
    const admitted = await this.admit(queue, job, source);
    if ('refuse' in admitted) return { kind: 'refuse', reason: admitted.refuse };
    const { data, dataset } = admitted;
    const trial = data.trial;
    const outDir = join(this.options.workDir, 'trials', queue, trial.id);
    await rm(outDir, { recursive: true, force: true });
    logger.info({ event: 'trial-start', queue, id: trial.id, label: trial.label }, `trial ${trial.label} started`);
    let lastBatch = -Infinity;
    const report = (message: ProgressMessage) => void job.updateProgress(message).catch(() => undefined);
    let outcome: TrialOutcome;
    // BLPOP blocks its connection: each prunable trial waits for verdicts on a connection of its own.
    const verdicts = data.prunable ? this.options.redis.duplicate() : undefined;
    verdicts?.on('error', () => undefined);
    try {
      outcome = await this.executor.run(
        { config: data.config, configFile: source, outDir, trialJson: `${JSON.stringify(trial, null, 2)}\n`, timeoutS: data.timeoutS, dataset: dataset.spec, prunable: data.prunable },
        {
          signal: AbortSignal.any([this.stopping.signal, lockLost]),
          onEpoch: (row, epochs) => {
            report({ type: 'epoch', row, epochs });
            if (!verdicts || row.epoch >= epochs) return false;
            return this.verdict(verdicts, queue, trial.id, row.epoch, () => report({ type: 'epoch', row, epochs }));
          },
          onBatch: (progress) => {
            const now = performance.now();
            if (now - lastBatch < BATCH_PROGRESS_MS) return;
            lastBatch = now;
            report({ type: 'batch', ...progress });
          },
        },
        dataset.data,
      );
      const why = outcome.status === TrialStatus.FAILED ? { kind: outcome.kind, message: outcome.message } : {};
      logger.info({ event: 'trial-end', queue, id: trial.id, status: outcome.status, ...why }, `trial ${trial.label} ${outcome.status}${outcome.status === TrialStatus.FAILED ? `: ${outcome.message}` : ''}`);
      if (outcome.status === TrialStatus.STOPPED) return { kind: 'hand-back', why: this.stopping.signal.aborted ? 'the worker is stopping' : 'stopped' };
      const broken = this.executor.brokenReason;
      if (outcome.status === TrialStatus.FAILED && broken !== undefined) {
        // The trial did not fail; this machine can run no trial. Another worker takes it.
        this.options.onBroken?.(broken);
        return { kind: 'hand-back', why: broken };
      }
      if (outcome.status === TrialStatus.FAILED) return { kind: 'complete', result: { outcome, worker: name } };
      const key = trialFilesKey(queue, trial.id, randomBytes(6).toString('hex'));
      const manifest = await sendTrialFiles(this.options.redis, key, outDir);
      return { kind: 'complete', result: { outcome, files: { key, manifest }, worker: name } };
    } finally {
      verdicts?.disconnect();
      await rm(outDir, { recursive: true, force: true });
    }
  }

  /**
   * The coordinator's verdict on an epoch (true: stop, the trial is pruned), asking again every
   * VERDICT_ASK_AGAIN_S. A coordinator that does not answer within VERDICT_WAIT_S (stopped, or cut
   * off) lets the trial go on.
   */
  private async verdict(connection: Redis, queue: string, trialId: string, epoch: number, askAgain: () => void): Promise<boolean> {
    try {
      for (let waited = 0; waited < VERDICT_WAIT_S; waited += VERDICT_ASK_AGAIN_S) {
        if (waited > 0) askAgain();
        const answer = await connection.blpop(verdictKey(queue, trialId, epoch), Math.min(VERDICT_ASK_AGAIN_S, VERDICT_WAIT_S - waited));
        if (answer) return answer[1] === '1';
      }
      this.options.logger.warn({ event: 'no-verdict', queue, id: trialId, epoch }, `no verdict on epoch ${epoch} within ${VERDICT_WAIT_S} s; the trial goes on`);
    } catch (err) {
      this.options.logger.warn({ event: 'queue-error', queue, id: trialId, message: (err as Error).message }, 'waiting for a verdict failed; the trial goes on');
    }
    return false;
  }

  /**
   * The job's data if this worker may run it: shape and config checked, the dataset at hand, and
   * the config fitting it; else why the job is refused (it is the job's fault, and no worker would
   * run it). A failure of this machine (Redis or disk trouble fetching the dataset) throws instead,
   * and the job goes back to the queue while this worker waits a little.
   */
  private async admit(queue: string, job: Job<TrialJobData, TrialJobResult>, source: string): Promise<{ data: TrialJobData; dataset: WorkerDataset } | { refuse: string }> {
    try {
      const data = checkJobData(job.data, source);
      const dataset = await this.datasets.get(queue, data.dataset);
      checkAgainstDataset(data.config, source, { imageShape: dataset.data.imageShape, classes: dataset.data.classes });
      checkRunnable(data.config, source, dataset.data.train.count);
      return { data, dataset };
    } catch (err) {
      if (!(err instanceof JobRefused) && !(err instanceof InputError)) {
        this.notBefore = Date.now() + TROUBLE_BACKOFF_MS;
        throw err;
      }
      const reason = err instanceof InputError ? err.problems.map((p) => `${p.path}: ${p.message}`).join('; ') : err.message;
      this.options.logger.warn({ event: 'refused', queue, id: job.id, reason }, `refused job ${job.id}: ${reason}`);
      return { refuse: reason };
    }
  }

  /** Stops taking trials, hands the running ones back to their queues, and closes everything. */
  async stop(): Promise<void> {
    clearInterval(this.registryTimer);
    this.stopping.abort();
    this.wake();
    await this.fetching;
    await this.refreshing;
    await Promise.allSettled([...this.running]);
    await Promise.allSettled([...this.joined.values()].map((w) => w.close()));
    this.joined.clear();
    await this.executor.close();
  }
}
