/**
 * One run of the scale benchmark, start to checks: a private persistent Redis, the real
 * coordinator (`convsweep run SWEEP --queue URL`) and replay workers (scale-worker.ts), faults
 * injected while it runs, then every check of scale-checks.ts and the figures. bench/scale.ts is
 * its command line; test/bench/scale-harness.test.ts runs it small.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createRng } from '../src/random.js';
import { BULL_PREFIX, dataKeyPrefix, REGISTRY_KEY } from '../src/queue/keys.js';
import type { CurveTable } from '../src/sweep/executor/replay.js';
import { QUEUE_FILE, SWEEP_FILE, SWEEP_LOG, TRIALS_DIR } from '../src/sweep/folder-layout.js';
import { checkAshaVerdicts, checkRedisLeftovers, checkResultsFolder, checkSweepLogEndings, checkWorkerEndings, parseJsonLines, type CheckResult, type LogLine, type TrialFolder, type WorkerLog } from './scale-checks.js';
import { PersistentRedis } from './scale-redis.js';
import { meanEpochSeconds } from './scale-replay-executor.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'dist/src/cli/main.js');
const workerEntry = join(repoRoot, 'dist/bench/scale-worker.js');
const CLOCK_TICKS_PER_S = 100;
/** ASHA's default rungs here: epochs 1 and 3, most trials stopped at the first. */
const ASHA = { minEpochs: 1, reductionFactor: 3 };

export interface ScaleOptions {
  /**
   * ASHA's rungs (default epochs 1 and 3): later rungs make longer trials, more epoch events a trial,
   * which separates the coordinator's cost a trial from its cost an epoch event.
   */
  asha?: { minEpochs: number; reductionFactor: number };
  trials: number;
  workers: number;
  faults: boolean;
  seed: number;
  /** The replayed epochs' mean wall time; each keeps its recorded share. */
  epochSeconds: number;
  /** A curve table of bench/tables. */
  tableFile: string;
  /** Seconds between worker kills (each ± half of it). */
  killEverySeconds: number;
  /** Stop killing workers after this many (default: no limit). */
  maxWorkerKills?: number;
  /** With faults: kill the coordinator once at 30% and resume it (default true). */
  killCoordinator?: boolean;
  /** With faults: restart Redis once at 60% (default true). */
  restartRedis?: boolean;
  /** Where everything goes: the sweep file, results, logs, Redis's folder. */
  dir: string;
  /** Worker lock duration: how soon a killed worker's trial goes back to the queue. */
  lockDurationMs?: number;
  /** Where the coordinator writes a V8 CPU profile (`node --cpu-prof`) for each life that ends by itself. */
  profileDir?: string;
  /** Progress line now and then. */
  onProgress?: (line: string) => void;
}

export interface ScaleReport {
  options: Omit<ScaleOptions, 'onProgress' | 'dir'>;
  checks: CheckResult[];
  faults: { workerKills: number; coordinatorKills: number; redisRestarts: number; redisOutageMs: number[] };
  figures: Record<string, number | string | null>;
  /** What the checks read, for a test to doctor. */
  evidence: { sweepLog: LogLine[]; workerLogs: WorkerLog[]; folders: TrialFolder[]; expectedIds: Map<number, string> };
}

/** utime + stime of a live process, in seconds; undefined once it is gone. */
async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** Least-squares slope of y on x, or null when x does not vary. */
function slope(points: readonly [number, number][]): number | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return sxx === 0 ? null : points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / sxx;
}

/** A coordinator life: its process, the CPU it had used at the last look, and when its loop began. */
interface Life {
  child: ChildProcess;
  exit: Promise<number | null>;
  pid: number;
  cpu: number;
  cpuAtStart?: number;
  cpuAtLastEnd?: number;
}

interface Worker {
  name: string;
  child: ChildProcess;
  log: string;
  killed: boolean;
}

export async function runScaleBench(options: ScaleOptions): Promise<ScaleReport> {
  const { dir } = options;
  const table = JSON.parse(await readFile(options.tableFile, 'utf8')) as CurveTable;
  const timeScale = options.epochSeconds / meanEpochSeconds(table);
  const random = createRng(options.seed);
  await mkdir(join(dir, 'redis'), { recursive: true });
  await mkdir(join(dir, 'logs'), { recursive: true });
  const sweepFile = join(dir, 'scale.sweep.json');
  const outDir = join(dir, 'results');
  await writeFile(sweepFile, `${JSON.stringify({
    name: 'scale',
    description: `The scale benchmark: random search with ASHA over the space of ${table.name}, its curves replayed by the workers.`,
    base: join(repoRoot, 'configs', 'mnist-small.json'),
    method: 'random',
    max_trials: options.trials,
    space: table.values,
    early_stopping: { type: 'asha', metric: table.metric, min_epochs: (options.asha ?? ASHA).minEpochs, reduction_factor: (options.asha ?? ASHA).reductionFactor },
    metric: table.metric,
    seed: options.seed,
    epochs: table.epochs,
    train_limit: 5000,
    test_limit: 2000,
  }, null, 2)}\n`);

  const redisServer = await PersistentRedis.start(join(dir, 'redis'));
  const probe = new Redis(redisServer.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 200 });
  probe.on('error', () => undefined);
  const faults = { workerKills: 0, coordinatorKills: 0, redisRestarts: 0, redisOutageMs: redisServer.outagesMs };
  const workers: Worker[] = [];
  const lives: Life[] = [];
  let workerCount = 0;

  const startWorker = (): Promise<void> => {
    const name = `w${String(++workerCount).padStart(3, '0')}`;
    const log = join(dir, 'logs', `${name}.log`);
    const child = spawn(process.execPath, [workerEntry, '--queue', redisServer.url, '--name', name, '--log', log, '--work-dir', join(dir, 'work', name), '--table', options.tableFile, '--time-scale', String(timeScale), '--lock-duration-ms', String(options.lockDurationMs ?? 8000), '--stalled-interval-ms', '2000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const worker: Worker = { name, child, log, killed: false };
    workers.push(worker);
    child.stderr!.pipe(createWriteStream(join(dir, 'logs', `${name}.stderr`)));
    return new Promise((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => (worker.killed ? resolve() : reject(new Error(`worker ${name} exited ${code} before it was ready (see ${dir}/logs/${name}.stderr)`))));
    });
  };

  const startCoordinator = (resume: boolean): Life => {
    const n = lives.length + 1;
    const profile = options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : [];
    const args = [...profile, cli, 'run', sweepFile, '--queue', redisServer.url, '--out', outDir, ...(resume ? ['--resume'] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    child.stdout!.pipe(createWriteStream(join(dir, 'logs', `coordinator-${n}.out`)));
    child.stderr!.pipe(createWriteStream(join(dir, 'logs', `coordinator-${n}.err`)));
    const life: Life = { child, exit: exited(child), pid: child.pid!, cpu: 0 };
    lives.push(life);
    return life;
  };

  // sweep.log, read as it grows.
  const sweepLog: LogLine[] = [];
  let logOffset = 0;
  let partial = '';
  const readSweepLog = async (): Promise<LogLine[]> => {
    let handle;
    try {
      handle = await open(join(outDir, SWEEP_LOG), 'r');
    } catch {
      return [];
    }
    try {
      const { size } = await handle.stat();
      if (size <= logOffset) return [];
      const buffer = Buffer.alloc(size - logOffset);
      await handle.read(buffer, 0, buffer.length, logOffset);
      logOffset = size;
      const text = partial + buffer.toString('utf8');
      const cut = text.lastIndexOf('\n');
      partial = text.slice(cut + 1);
      const lines = parseJsonLines(text.slice(0, cut + 1));
      sweepLog.push(...lines);
      return lines;
    } finally {
      await handle.close();
    }
  };

  let queueName: string | undefined;
  const memorySamples: [number, number][] = [];
  let finished = 0;
  let midRun: MidRun | undefined;

  /** The sweep's keys (its queue's and its data's) with MEMORY USAGE each. */
  const sweepKeys = async (client: Redis, queue: string): Promise<{ key: string; bytes: number }[]> => {
    const found: { key: string; bytes: number }[] = [];
    for (const pattern of [`${BULL_PREFIX}:${queue}:*`, `${dataKeyPrefix(queue)}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        for (const key of keys) found.push({ key, bytes: Number((await client.memory('USAGE', key, 'SAMPLES', '0')) ?? 0) });
        cursor = next;
      } while (cursor !== '0');
    }
    return found;
  };

  const look = async (): Promise<void> => {
    const life = lives.at(-1)!;
    life.cpu = (await cpuSeconds(life.pid)) ?? life.cpu;
    for (const line of await readSweepLog()) {
      if (line.event === 'start') life.cpuAtStart = life.cpu;
      if (line.event === 'trial-end' && ['completed', 'pruned', 'failed'].includes(String(line.status))) {
        finished++;
        life.cpuAtLastEnd = life.cpu;
      }
    }
    if (!queueName) {
      try {
        queueName = (JSON.parse(await readFile(join(outDir, QUEUE_FILE), 'utf8')) as { queue: string }).queue;
      } catch {
        return;
      }
    }
    try {
      const [info, active] = await Promise.all([probe.info('memory'), probe.llen(`${BULL_PREFIX}:${queueName}:active`)]);
      const used = Number(/used_memory:(\d+)/.exec(info)?.[1]);
      if (Number.isFinite(used)) memorySamples.push([active, used]);
      if (!midRun && finished >= 0.9 * options.trials) {
        const keys = await sweepKeys(probe, queueName);
        const byKind: Record<string, { keys: number; bytes: number }> = {};
        for (const { key, bytes } of keys) {
          const kind = keyKind(key, queueName);
          byKind[kind] ??= { keys: 0, bytes: 0 };
          byKind[kind].keys++;
          byKind[kind].bytes += bytes;
        }
        midRun = { finished, keys: keys.length, bytes: keys.reduce((s, k) => s + k.bytes, 0), byKind };
      }
    } catch {
      // Redis restarting: no sample this time.
    }
  };

  const checks: CheckResult[] = [];
  let coordinatorExit: number | null = null;
  try {
    await Promise.all(Array.from({ length: options.workers }, () => startWorker()));
    let life = startCoordinator(false);
    const began = performance.now();
    let nextKill = began + options.killEverySeconds * 1000 * (0.5 + random());
    let coordinatorKilled = !options.faults || options.killCoordinator === false;
    let redisRestarted = !options.faults || options.restartRedis === false;
    let lastProgress = 0;
    for (;;) {
      const done = await Promise.race([life.exit.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 200))]);
      await look();
      if (done) {
        coordinatorExit = life.child.exitCode;
        break;
      }
      const now = performance.now();
      if (options.onProgress && now - lastProgress > 10_000) {
        lastProgress = now;
        options.onProgress(`${((now - began) / 1000).toFixed(0)} s: ${finished}/${options.trials} trials ended, ${workers.filter((w) => !w.killed).length} workers, ${faults.workerKills} worker kills`);
      }
      if (!options.faults) continue;
      if (now >= nextKill && faults.workerKills < (options.maxWorkerKills ?? Infinity)) {
        nextKill = now + options.killEverySeconds * 1000 * (0.5 + random());
        const alive = workers.filter((w) => !w.killed);
        const victim = alive[Math.floor(random() * alive.length)];
        if (victim) {
          victim.killed = true;
          victim.child.kill('SIGKILL');
          faults.workerKills++;
          startWorker().catch((err: Error) => options.onProgress?.(`a replacement worker failed: ${err.message}`));
        }
      }
      if (!coordinatorKilled && finished >= 0.3 * options.trials) {
        coordinatorKilled = true;
        life.cpu = (await cpuSeconds(life.pid)) ?? life.cpu;
        life.child.kill('SIGKILL');
        await life.exit;
        faults.coordinatorKills++;
        options.onProgress?.(`coordinator killed at ${finished} trials; resuming`);
        life = startCoordinator(true);
      }
      if (!redisRestarted && finished >= 0.6 * options.trials) {
        redisRestarted = true;
        await redisServer.restart();
        faults.redisRestarts++;
        options.onProgress?.(`redis restarted at ${finished} trials (${redisServer.outagesMs.at(-1)!.toFixed(0)} ms without a server)`);
      }
    }
    const endedAt = performance.now();
    // Every client's commands since Redis (last) started: with faults off, the whole run's.
    const commandStats = Object.fromEntries([...(await probe.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    // Workers leave a withdrawn sweep within their registry poll (1 s) and tidy its keys.
    await new Promise((r) => setTimeout(r, 3000));
    const leftovers = queueName ? await sweepKeys(probe, queueName) : [];
    const announced = queueName ? (await probe.hexists(REGISTRY_KEY, queueName)) === 1 : false;

    // Everything the run left, read back.
    const sweep = JSON.parse(await readFile(join(outDir, SWEEP_FILE), 'utf8')) as { trials: { id: string; number: number }[] };
    const expectedIds = new Map(sweep.trials.map((t) => [t.number, t.id]));
    const folders = await readTrialFolders(join(outDir, TRIALS_DIR));
    const workerLogs: WorkerLog[] = await Promise.all(workers.map(async (w) => ({ name: w.name, killed: w.killed, lines: parseJsonLines(await readFile(w.log, 'utf8').catch(() => '')) })));
    if (coordinatorExit !== 0) checks.push({ name: 'coordinator: exits 0', pass: false, detail: `exited ${coordinatorExit} (see ${dir}/logs/coordinator-${lives.length}.err)` });
    checks.push(checkResultsFolder(folders, expectedIds));
    checks.push(checkSweepLogEndings(sweepLog, folders));
    checks.push(checkWorkerEndings(workerLogs, folders));
    checks.push(checkAshaVerdicts(sweepLog, { ...(options.asha ?? ASHA), maxEpochs: table.epochs, goal: table.goal }, table.metric));
    checks.push(checkRedisLeftovers(leftovers, announced));

    return { options: { trials: options.trials, workers: options.workers, faults: options.faults, seed: options.seed, epochSeconds: options.epochSeconds, tableFile: options.tableFile, killEverySeconds: options.killEverySeconds }, checks, faults, figures: { ...figuresOf({ options, lives, sweepLog, workerLogs, memorySamples, midRun, began, endedAt }), redis_commands_per_trial: Object.entries(commandStats).sort((a, b) => b[1] - a[1]).slice(0, 12).map(([c, n]) => `${c} ${(n / options.trials).toFixed(1)}`).join(', ') }, evidence: { sweepLog, workerLogs, folders, expectedIds } };
  } finally {
    for (const w of workers) if (!w.killed && w.child.exitCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => exited(w.child)));
    for (const l of lives) if (l.child.exitCode === null && l.child.signalCode === null) l.child.kill('SIGKILL');
    probe.disconnect();
    await redisServer.stop();
  }
}

interface MidRun {
  finished: number;
  keys: number;
  bytes: number;
  /** job: a queued or running trial's hash, lock and logs; events: BullMQ's event stream; the rest by name. */
  byKind: Record<string, { keys: number; bytes: number }>;
}

/** What a key of the sweep holds: a trial's job (hash, lock, logs), the event stream, a verdict, files, … */
function keyKind(key: string, queue: string): string {
  const data = dataKeyPrefix(queue);
  if (key.startsWith(data)) return key.slice(data.length).split(':')[0];
  const rest = key.slice(`${BULL_PREFIX}:${queue}:`.length);
  return rest.startsWith('trial-') ? 'job' : rest;
}

async function readTrialFolders(trialsDir: string): Promise<TrialFolder[]> {
  const entries = await readdir(trialsDir, { withFileTypes: true });
  const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8').catch(() => 'null')) as Record<string, unknown> | null;
  return Promise.all(
    entries.filter((e) => e.isDirectory()).map(async (e) => {
      const folder = join(trialsDir, e.name);
      const trial = (await readJson(join(folder, 'trial.json'))) ?? (await readJson(join(folder, 'error.json')));
      const metrics = await readJson(join(folder, 'metrics.json'));
      const failed = await readJson(join(folder, 'error.json'));
      const status = metrics ? String(metrics.status ?? 'completed') : failed ? 'failed' : undefined;
      return { dir: e.name, number: typeof trial?.number === 'number' ? trial.number : undefined, status };
    }),
  );
}

interface FigureInputs {
  options: ScaleOptions;
  lives: Life[];
  sweepLog: LogLine[];
  workerLogs: WorkerLog[];
  memorySamples: [number, number][];
  midRun?: MidRun;
  began: number;
  endedAt: number;
}

function figuresOf(f: FigureInputs): ScaleReport['figures'] {
  const trials = f.options.trials;
  const epochEvents = f.sweepLog.filter((l) => l.event === 'trial-epoch').length;
  const cpuTotal = f.lives.reduce((s, l) => s + l.cpu, 0);
  // The loop's share: from each life's "sweep started" to its last trial ending (start-up — loading
  // modules and data, reading the folder — and the final report excluded).
  const cpuLoop = f.lives.reduce((s, l) => s + ((l.cpuAtLastEnd ?? l.cpu) - (l.cpuAtStart ?? 0)), 0);
  const waits: number[] = [];
  let unanswered = 0;
  for (const log of f.workerLogs) {
    let missed = false;
    for (const line of log.lines) {
      if (line.event === 'no-verdict' || (line.event === 'queue-error' && /verdict/.test(String(line.msg)))) missed = true;
      if (line.event !== 'verdict-wait') continue;
      if (missed) unanswered++;
      else waits.push(Number(line.ms));
      missed = false;
    }
  }
  waits.sort((a, b) => a - b);
  const times = f.sweepLog.filter((l) => l.event === 'trial-start' || l.event === 'trial-end').map((l) => Date.parse(String(l.time)));
  const span = times.length > 1 ? (Math.max(...times) - Math.min(...times)) / 1000 : null;
  const idle = f.memorySamples.filter(([active]) => active === 0).map(([, used]) => used);
  const busy = f.memorySamples.filter(([active]) => active > 0);
  const round = (x: number | null, digits = 2) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits);
  return {
    trials,
    epoch_events: epochEvents,
    wall_s: round((f.endedAt - f.began) / 1000, 1),
    coordinator_cpu_s: round(cpuTotal),
    coordinator_loop_cpu_s: round(cpuLoop),
    coordinator_cpu_ms_per_trial: round((cpuLoop * 1000) / trials),
    coordinator_cpu_ms_per_epoch_event: round((cpuLoop * 1000) / Math.max(1, epochEvents)),
    coordinator_cpu_ms_per_trial_with_startup: round((cpuTotal * 1000) / trials),
    decision_ms_p50: round(quantile(waits, 0.5), 1),
    decision_ms_p99: round(quantile(waits, 0.99), 1),
    decision_ms_max: round(waits.at(-1) ?? null, 1),
    decisions_answered: waits.length,
    decisions_unanswered: unanswered,
    redis_bytes_per_trial_in_flight: round(slope(busy.length > 0 && idle.length > 0 ? [...busy, [0, Math.min(...idle)]] : busy), 0),
    redis_samples: f.memorySamples.length,
    redis_mean_trials_in_flight: round(busy.reduce((s, [a]) => s + a, 0) / Math.max(1, busy.length), 1),
    redis_sweep_bytes_at_90pct: f.midRun?.bytes ?? null,
    redis_sweep_keys_at_90pct: f.midRun?.keys ?? null,
    redis_bytes_per_finished_trial_at_90pct: f.midRun ? round(f.midRun.bytes / f.midRun.finished, 0) : null,
    redis_bytes_per_queued_or_running_trial_at_90pct: f.midRun?.byKind.job ? round(f.midRun.byKind.job.bytes / Math.max(1, trials - f.midRun.finished), 0) : null,
    redis_events_stream_bytes_at_90pct: f.midRun?.byKind.events?.bytes ?? null,
    redis_keys_by_kind_at_90pct: f.midRun ? Object.entries(f.midRun.byKind).sort((a, b) => b[1].bytes - a[1].bytes).map(([kind, v]) => `${kind} ${v.keys}:${v.bytes}B`).join(' ') : null,
    trials_per_s: span ? round(trials / span) : null,
  };
}
