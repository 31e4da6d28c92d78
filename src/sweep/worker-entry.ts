/**
 * The pool worker: runs one trial a task through runTraining, the same code path as `convsweep
 * train`. With thread isolation the trial trains in this worker thread on the dataset the main
 * thread shares; with process isolation (native backends, which cannot load in a second thread:
 * tensorflow/tfjs#8388) this thread starts a child process for it and relays its messages.
 * Every ending a trial can reach in here comes back as an outcome, never as a rejection, so the
 * executor can tell a failed trial from a worker that died.
 */
import { fork } from 'node:child_process';
import { threadId, type MessagePort } from 'node:worker_threads';
import { isWorkerThread, workerData } from 'piscina';
import { selectBackend } from '../backend/select.js';
import type { BackendName } from '../backend/names.js';
import type { Dataset } from '../data/dataset.js';
import type { DatasetSpec } from '../data/load.js';
import { AbortedError } from '../errors.js';
import type { HistoryRow } from '../train/history.js';
import type { BatchProgress } from '../train/trainer.js';
import { runTraining, type RunnableConfig } from '../train/run.js';
import { finishedStatus } from './status.js';
import { failureOf, TRIAL_FILE, TrialStatus, type TrialOutcome } from './trial.js';

export type Isolation = 'thread' | 'process';

/** Everything one trial needs, in a form that crosses thread and process boundaries. */
export interface TrialJob {
  config: RunnableConfig;
  /** Absolute path of the base config: error messages, and dataset paths relative to it. */
  configFile: string;
  /** Absolute trials/<id>. */
  outDir: string;
  trialJson: string;
  backend: BackendName;
  /** The sweep's trial_timeout_s: past it the trial is stopped and recorded as failed (timeout). */
  timeoutS?: number;
  /**
   * The sweep stops losing trials early: after each epoch but the last the trial waits for the
   * sweep's verdict (a VerdictMessage) before it starts the next.
   */
  prunable?: boolean;
  /**
   * Where a trial process finds the dataset when not where config.dataset says (a queue worker
   * keeps a received dataset in its own files); absolute paths.
   */
  dataset?: DatasetSpec;
}

export interface TrialTask {
  job: TrialJob;
  isolation: Isolation;
  /** The dataset in SharedArrayBuffers (thread isolation); a trial process loads its own. */
  data?: Dataset;
  /** The GPU a trial process may see (CUDA_VISIBLE_DEVICES). */
  gpu?: number;
  /** Progress to the main thread; an abort request from it. */
  port: MessagePort;
}

export type ProgressMessage = ({ type: 'batch' } & BatchProgress) | { type: 'epoch'; row: HistoryRow; epochs: number };
/**
 * The pid of a trial process, for the main thread: a worker thread that is terminated does not
 * take its child with it, so whoever terminates the thread kills the process.
 */
export type ProcessStartedMessage = { type: 'process'; pid: number };
/** A pool thread took the task: the executor now knows its threads can start. */
export type TaskStartedMessage = { type: 'started' };
export type WorkerMessage = ProgressMessage | ProcessStartedMessage | TaskStartedMessage;
export type AbortMessage = { type: 'abort' };
/** The sweep's answer to an epoch of a prunable trial: stop here (pruned) or go on. */
export type VerdictMessage = { type: 'verdict'; epoch: number; stop: boolean };
/** What a trial hears from the sweep. */
export type ControlMessage = AbortMessage | VerdictMessage;
/** What a trial process sends its worker: progress, then exactly one outcome. */
export type TrialProcessMessage = ProgressMessage | { type: 'outcome'; outcome: TrialOutcome };

/** What a pool task resolves to: the outcome, and whether this thread must be replaced. */
export interface TaskResult {
  outcome: TrialOutcome;
  threadId: number;
  /** The thread's backend may be unusable (its WebAssembly heap after running out of memory): the executor terminates the thread and Piscina starts a fresh one. */
  retire: boolean;
}

export interface PoolWorkerData {
  /** The backend to select as soon as the thread starts, so the first trial finds it ready. */
  warmBackend?: BackendName;
}

/** Batch progress is sampled: the first batch always (it marks the start of training), then twice a second. */
const BATCH_REPORT_INTERVAL_MS = 500;

let backendReady: Promise<BackendName> | undefined;
let backendBroken = false;

function threadBackend(backend: BackendName): Promise<BackendName> {
  backendReady ??= selectBackend(backend);
  return backendReady;
}

if (isWorkerThread && (workerData as PoolWorkerData | undefined)?.warmBackend) {
  // A failure surfaces when the first task awaits the same promise; here it must not go unhandled.
  threadBackend((workerData as PoolWorkerData).warmBackend!).catch(() => undefined);
}

/**
 * The verdicts of a prunable trial: `wait(epoch)` resolves with the sweep's answer for that epoch,
 * `hear` takes each VerdictMessage as it arrives. An abort answers "go on": the batch loop then
 * sees the abort itself.
 */
export class Verdicts {
  private readonly answers = new Map<number, boolean>();
  private readonly waiting = new Map<number, (stop: boolean) => void>();

  constructor(signal: AbortSignal) {
    signal.addEventListener('abort', () => this.waiting.forEach((resolve) => resolve(false)), { once: true });
  }

  hear(message: VerdictMessage): void {
    const resolve = this.waiting.get(message.epoch);
    if (resolve) resolve(message.stop);
    else this.answers.set(message.epoch, message.stop);
  }

  wait(epoch: number): Promise<boolean> {
    const known = this.answers.get(epoch);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve) => this.waiting.set(epoch, resolve));
  }
}

/** One trial in this thread or process: runTraining with trial.json added, its ending as an outcome. */
export async function runTrial(job: TrialJob, env: { backend: BackendName; data: Dataset; signal: AbortSignal; report: (message: ProgressMessage) => void; verdicts?: Verdicts }): Promise<TrialOutcome> {
  let lastBatchReport = -Infinity;
  try {
    const metrics = await runTraining({
      config: job.config,
      configFile: job.configFile,
      data: env.data,
      backend: env.backend,
      outDir: job.outDir,
      extraFiles: { [TRIAL_FILE]: job.trialJson },
      hooks: {
        signal: env.signal,
        onBatch: (progress) => {
          const now = performance.now();
          if (now - lastBatchReport < BATCH_REPORT_INTERVAL_MS && progress.batch !== progress.batches) return;
          lastBatchReport = now;
          env.report({ type: 'batch', ...progress });
        },
        onEpoch: (row, epochs) => env.report({ type: 'epoch', row, epochs }),
        prune: job.prunable && env.verdicts ? (row) => env.verdicts!.wait(row.epoch) : undefined,
      },
    });
    return { status: finishedStatus(metrics), metrics };
  } catch (err) {
    if (err instanceof AbortedError) return { status: TrialStatus.STOPPED };
    const failure = failureOf(err);
    if (failure.kind === 'oom' || err instanceof WebAssembly.RuntimeError) backendBroken = true;
    return { status: TrialStatus.FAILED, ...failure };
  }
}

const STDERR_TAIL_CHARS = 2000;

/** Runs the trial in a child process (trial-process.ts) and relays its messages. */
function runInTrialProcess(job: TrialJob, gpu: number | undefined, signal: AbortSignal, report: (message: WorkerMessage) => void, port: MessagePort): Promise<TrialOutcome> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TF_FORCE_GPU_ALLOW_GROWTH: 'true' };
    if (gpu !== undefined) env.CUDA_VISIBLE_DEVICES = String(gpu);
    const child = fork(new URL('./trial-process.js', import.meta.url), [], { env, execPath: process.execPath, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    if (child.pid !== undefined) report({ type: 'process', pid: child.pid });
    let outcome: TrialOutcome | undefined;
    let stderrTail = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL_CHARS)));
    child.on('message', (message: TrialProcessMessage) => {
      if (message.type === 'outcome') outcome = message.outcome;
      else report(message);
    });
    const onAbort = () => child.connected && child.send({ type: 'abort' } satisfies AbortMessage);
    const relayVerdict = (message: ControlMessage) => {
      if (message.type === 'verdict' && child.connected) child.send(message);
    };
    port.on('message', relayVerdict);
    child.send(job);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    child.on('error', (err) => {
      outcome ??= { status: TrialStatus.FAILED, kind: 'crashed', message: `trial process could not start: ${err.message}` };
    });
    child.on('close', (code, exitSignal) => {
      signal.removeEventListener('abort', onAbort);
      port.off('message', relayVerdict);
      if (outcome) return resolve(outcome);
      const how = exitSignal ? `signal ${exitSignal}` : `code ${code}`;
      const failure = failureOf(new Error(`trial process exited with ${how}${stderrTail.trim() ? `: ${stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
      resolve({ status: TrialStatus.FAILED, kind: failure.kind === 'oom' ? 'oom' : 'crashed', message: failure.message });
    });
  });
}

async function runTask(task: TrialTask, signal: AbortSignal, report: (message: WorkerMessage) => void, verdicts: Verdicts): Promise<TrialOutcome> {
  try {
    if (task.isolation === 'process') return await runInTrialProcess(task.job, task.gpu, signal, report, task.port);
    const backend = await threadBackend(task.job.backend);
    return await runTrial(task.job, { backend, data: task.data!, signal, report, verdicts });
  } catch (err) {
    return { status: TrialStatus.FAILED, ...failureOf(err) };
  }
}

/** The Piscina task handler. */
export default async function runTrialTask(task: TrialTask): Promise<TaskResult> {
  const controller = new AbortController();
  const verdicts = new Verdicts(controller.signal);
  task.port.on('message', (message: ControlMessage) => {
    if (message.type === 'abort') controller.abort();
    else if (message.type === 'verdict') verdicts.hear(message);
  });
  task.port.postMessage({ type: 'started' } satisfies TaskStartedMessage);
  try {
    const outcome = await runTask(task, controller.signal, (message) => task.port.postMessage(message), verdicts);
    return { outcome, threadId, retire: backendBroken };
  } finally {
    task.port.close();
  }
}
