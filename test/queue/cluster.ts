/**
 * What the distributed tests share: one real Redis for a test file, `convsweep worker` processes
 * stopped when their test ends, the coordinator as a child process, and readers of its results.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { cliPath, repoRoot, type CliResult } from '../helpers.js';
import { tinySweep } from '../sweep/sweep-files.js';
import { testRedis, type TestRedis } from './redis-server.js';
import { WorkerProcess, type LogLine } from './worker-process.js';

/** Trials of several seconds each, so that something can happen in the middle of one. */
export const slowSweep = (grid: Record<string, unknown[]>, name = 'slow') => ({ ...tinySweep(grid, { epochs: 3, train_limit: 4000, test_limit: 200 }), name });

/** Registers before/after hooks for a Redis; call once at the top of a test file. */
export function useRedis(): { url(t: TestContext): string | undefined; startWorker: typeof startWorker } {
  let redis: TestRedis | { skip: string };
  before(async () => {
    redis = await testRedis();
  });
  after(async () => {
    if ('stop' in redis) await redis.stop();
  });
  return {
    url(t) {
      if ('skip' in redis) {
        t.skip(redis.skip);
        return undefined;
      }
      return redis.url;
    },
    startWorker,
  };
}

/** A worker that is stopped when the test ends, passed or failed, so that no test's workers serve the next test's sweep. */
export async function startWorker(t: TestContext, url: string, name: string, options: { quickRecovery?: boolean; env?: NodeJS.ProcessEnv; slots?: number } = {}): Promise<WorkerProcess> {
  const worker = await WorkerProcess.start(url, name, options);
  t.after(async () => {
    worker.child.kill('SIGCONT');
    await worker.stop();
  });
  return worker;
}

/** The coordinator as a child process, with a hook on its stderr as it grows. */
export function startCoordinator(args: string[], onStderr?: (text: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, (signal) => child.kill(signal));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export async function leaderboard(out: string): Promise<{ trial_id: string; status: string; error_kind: string | null }[]> {
  return JSON.parse(await readFile(join(out, 'leaderboard.json'), 'utf8')).rows;
}

export async function sweepLog(out: string): Promise<LogLine[]> {
  return (await readFile(join(out, 'sweep.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
}

/** The queues a sweep folder's coordinators used, in order, as sweep.log's start events name them. */
export async function queuesUsed(out: string): Promise<string[]> {
  return (await sweepLog(out)).filter((l) => l.event === 'start').map((l) => /^queue (\S+) on /.exec(String(l.runner))?.[1] ?? '');
}
