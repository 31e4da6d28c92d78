/**
 * The cost of the queue: the same 4-trial sweep run by the local executor with 2 workers, and
 * through BullMQ on Redis with two `convsweep worker` processes of one slot each on this machine.
 * Each side is a `convsweep run` command timed from start to exit (validation, training, files
 * through Redis, report), the two sides alternating `--repeats` times; the medians are compared
 * (single runs on a shared machine vary by more than the difference measured). Target: the queue
 * within 10% of local.
 *
 *   npm run build && node dist/bench/queue-vs-local.js [--train-limit 6000] [--epochs 2] [--repeats 3] [--redis URL]
 *
 * Without --redis (or REDIS_URL) it starts a private redis-server on a free port.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../test/queue/redis-server.js';
import { textFlag } from './flags.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'dist/src/cli/main.js');

function timed(args: string[]): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`convsweep ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-800)}`);
  return (performance.now() - started) / 1000;
}

/** A worker process, resolved once it logs that it is ready. */
function startWorker(url: string, name: string, workDir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'worker', '--queue', url, '--slots', '1', '--backend', 'wasm', '--name', name, '--work-dir', workDir], { cwd: workDir, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"event":"ready"')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker ${name} exited ${code}`)));
  });
}

const trainLimit = textFlag('train-limit', '6000');
const repeats = Number(textFlag('repeats', '3'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const epochs = textFlag('epochs', '2');
const dir = await mkdtemp(join(tmpdir(), 'convsweep-queue-bench-'));
const sweepFile = join(dir, 'bench.json');
await writeFile(sweepFile, JSON.stringify({
  name: 'queue-bench',
  base: join(repoRoot, 'configs', 'mnist-small.json'),
  grid: { dropout: [0.2, 0.3], learning_rate: [0.001, 0.002] },
  epochs: Number(epochs),
  train_limit: Number(trainLimit),
  test_limit: 1000,
}));

// The tests' private redis-server: a free port, nothing saved, started when it answers.
const redisServer = textFlag('redis', process.env.REDIS_URL ?? '') ? undefined : await startRedisServer();
const url = redisServer?.url ?? textFlag('redis', process.env.REDIS_URL ?? '');

const workers: ChildProcess[] = [];
try {
  for (const name of ['bench-a', 'bench-b']) {
    const workDir = join(dir, name);
    await mkdir(workDir);
    workers.push(await startWorker(url, name, workDir));
  }
  const local: number[] = [];
  const queued: number[] = [];
  for (let i = 0; i < repeats; i++) {
    // The workers idle (polling Redis) while the local run trains: the same machine load as a real
    // coordinator's host with workers elsewhere would not have, so this errs against the queue.
    local.push(timed(['run', sweepFile, '--workers', '2', '--backend', 'wasm', '--out', join(dir, `local-${i}`)]));
    queued.push(timed(['run', sweepFile, '--queue', url, '--out', join(dir, `queue-${i}`)]));
  }
  const overhead = median(queued) / median(local) - 1;
  const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
  process.stdout.write(
    `sweep: 4 trials of mnist-small, ${trainLimit} training images, ${epochs} epoch(s), wasm; ${repeats} runs each, alternating\n` +
      `local executor, 2 workers:           median ${median(local).toFixed(1)} s (${list(local)})\n` +
      `queue, 2 worker processes x 1 slot:  median ${median(queued).toFixed(1)} s (${list(queued)})\n` +
      `queue vs local: ${overhead >= 0 ? '+' : ''}${(overhead * 100).toFixed(1)}% (target within 10%: ${Math.abs(overhead) <= 0.1 ? 'ok' : 'MISSED'})\n`,
  );
} finally {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(undefined) : w.once('exit', r)))));
  await redisServer?.stop();
  await rm(dir, { recursive: true, force: true });
}
