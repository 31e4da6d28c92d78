/**
 * Runs trials on this machine: a Piscina pool of worker threads, one trial a worker at a time.
 * It only moves work: a TrialJob in, a TrialOutcome out, progress in between. Cancellation goes
 * through the caller's AbortSignal: first an abort message the trial checks between batches, then,
 * if the trial has not ended after a grace period, Piscina's abort, which terminates the thread.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { BackendName } from '../../backend/names.js';
import type { Dataset } from '../../data/dataset.js';
import type { GpuSlots } from '../gpu-slots.js';
import { failureOf, TrialStatus, type TrialOutcome } from '../trial.js';
import type { AbortMessage, Isolation, PoolWorkerData, TaskResult, TrialJob, TrialTask, VerdictMessage, WorkerMessage } from '../worker-entry.js';
import { timedOut, type TrialExecutor, type TrialRunHooks } from './executor.js';

export interface LocalExecutorOptions {
  workers: number;
  backend: BackendName;
  isolation: Isolation;
  /** The dataset, in SharedArrayBuffers (toShared), for thread isolation; run() may name another. */
  data?: Dataset;
  gpuSlots?: GpuSlots;
  /** How long a trial may take to honour an abort message before its thread is terminated. */
  abortGraceMs?: number;
  /**
   * A cap on each pool thread's JavaScript heap: a thread that exceeds it dies alone (its trial
   * fails as oom) instead of taking the whole process down. Default: V8's own limit.
   */
  threadHeapMb?: number;
  /** A pool thread that died outside a trial (while starting, or idle); Piscina replaces it. */
  onThreadError?: (err: Error) => void;
}

const DEFAULT_ABORT_GRACE_MS = 3000;
/**
 * A trial's JavaScript allocates little that lives long (tensors live in the backend, the dataset
 * in shared memory), but V8 sizes a thread's young generation for throughput and keeps it resident:
 * uncapped, each extra pool thread costs 130-200 MB. Capped at 8 MB, about 120-140 MB; at 4 MB,
 * about 70 MB, but a 2-worker sweep then took 12.5-13.8 s instead of 11.2-11.8 s
 * (bench/sweep-scaling.ts, AMD EPYC): more frequent scavenges cost more than the memory saves.
 */
const THREAD_YOUNG_GENERATION_MB = 8;

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export class LocalExecutor implements TrialExecutor {
  private readonly pool: Piscina<TrialTask, TaskResult>;
  readonly capacity: number;
  /** Trials handed to the pool that no thread has taken yet: how to fail each. */
  private readonly waiting = new Set<(reason: string) => void>();
  /** Why the pool cannot run trials any more (its threads fail to start), once that is so. */
  private broken: string | undefined;

  constructor(private readonly options: LocalExecutorOptions) {
    this.capacity = options.workers;
    const workerData: PoolWorkerData = { warmBackend: options.isolation === 'thread' ? options.backend : undefined };
    this.pool = new Piscina({
      filename: new URL('../worker-entry.js', import.meta.url).href,
      minThreads: options.workers,
      maxThreads: options.workers,
      concurrentTasksPerWorker: 1,
      // Workers stay warm (backend selected, kernels compiled) for the whole sweep.
      idleTimeout: Number.POSITIVE_INFINITY,
      // With atomics an idle worker blocks its event loop, which would stall the backend warm-up.
      atomics: 'disabled',
      workerData,
      resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB, ...(options.threadHeapMb !== undefined ? { maxOldGenerationSizeMb: options.threadHeapMb } : {}) },
    });
    // Unheard, this event would crash the process; a thread that dies during a trial fails that trial instead (run()).
    this.pool.on('error', (err: Error) => {
      options.onThreadError?.(err);
      // Piscina replaces a thread that dies once running, but not one that dies while starting: with
      // no thread left, the trials would wait forever. They fail instead, with the reason.
      if (this.pool.threads.length > 0) return;
      this.broken = `pool threads fail to start: ${err.message}`;
      for (const fail of [...this.waiting]) fail(this.broken);
    });
  }

  /**
   * Resolves with the trial's outcome; a worker that dies is a failed trial (crashed or oom), not a
   * rejection. `data`: the shared dataset of this trial, when not the one the executor was made with.
   */
  async run(spec: Omit<TrialJob, 'backend'>, hooks: TrialRunHooks = {}, data: Dataset | undefined = this.options.data): Promise<TrialOutcome> {
    const job: TrialJob = { ...spec, backend: this.options.backend };
    if (this.options.isolation === 'thread' && !data) throw new Error('thread isolation needs the shared dataset');
    // The time limit runs from the moment a pool thread takes the trial, not from the call.
    const timeout = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const startClock = () => {
      if (job.timeoutS !== undefined) timer = setTimeout(() => timeout.abort(), job.timeoutS * 1000);
    };
    const signal = hooks.signal ? AbortSignal.any([hooks.signal, timeout.signal]) : timeout.signal;
    try {
      const outcome = await this.runUntil(job, hooks, signal, data, startClock);
      if (outcome.status === TrialStatus.STOPPED && timeout.signal.aborted && !hooks.signal?.aborted) return timedOut(job.timeoutS!);
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  private async runUntil(job: TrialJob, hooks: TrialRunHooks, signal: AbortSignal, data: Dataset | undefined, onStarted: () => void): Promise<TrialOutcome> {
    if (this.broken !== undefined) return { status: TrialStatus.FAILED, kind: 'crashed', message: this.broken };
    const { port1, port2 } = new MessageChannel();
    const terminate = new AbortController();
    let neverStarted: string | undefined;
    const failWaiting = (reason: string) => {
      neverStarted = reason;
      terminate.abort();
    };
    this.waiting.add(failWaiting);
    let trialProcess: number | undefined;
    port1.on('message', (message: WorkerMessage) => {
      if (message.type === 'batch') hooks.onBatch?.(message);
      else if (message.type === 'epoch') {
        const verdict = hooks.onEpoch?.(message.row, message.epochs);
        if (job.prunable && message.row.epoch < message.epochs) {
          const epoch = message.row.epoch;
          void Promise.resolve(verdict).then(
            (stop) => port1.postMessage({ type: 'verdict', epoch, stop: stop === true } satisfies VerdictMessage),
            () => port1.postMessage({ type: 'verdict', epoch, stop: false } satisfies VerdictMessage),
          );
        }
      }
      else if (message.type === 'started') {
        this.waiting.delete(failWaiting);
        onStarted();
      }
      else trialProcess = message.pid;
    });
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      port1.postMessage({ type: 'abort' } satisfies AbortMessage);
      graceTimer = setTimeout(() => {
        terminate.abort();
        if (trialProcess !== undefined) killQuietly(trialProcess);
      }, this.options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    const gpu = this.options.isolation === 'process' ? this.options.gpuSlots?.acquire() : undefined;
    try {
      const task: TrialTask = { job, isolation: this.options.isolation, data: this.options.isolation === 'thread' ? data : undefined, gpu, port: port2 };
      const result = await this.pool.run(task, { transferList: [port2], signal: terminate.signal });
      // Awaited before the next trial can be dispatched, so none lands on the retiring thread.
      if (result.retire) await this.pool.threads.find((thread) => thread.threadId === result.threadId)?.terminate();
      return result.outcome;
    } catch (err) {
      if (neverStarted !== undefined) return { status: TrialStatus.FAILED, kind: 'crashed', message: neverStarted };
      if (terminate.signal.aborted) return { status: TrialStatus.STOPPED };
      const failure = failureOf(err);
      return { status: TrialStatus.FAILED, kind: failure.kind === 'oom' ? 'oom' : 'crashed', message: `worker died: ${failure.message}` };
    } finally {
      this.waiting.delete(failWaiting);
      clearTimeout(graceTimer);
      signal.removeEventListener('abort', onAbort);
      port1.close();
      this.options.gpuSlots?.release(gpu);
    }
  }

  /** Why the pool can run no trial any more (its threads fail to start), or undefined while it can. */
  get brokenReason(): string | undefined {
    return this.broken;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
