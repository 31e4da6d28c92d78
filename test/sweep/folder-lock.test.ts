/**
 * One sweep folder, one owner, with real `convsweep run` processes: a second run refuses at once
 * naming the first, a killed run's lock is taken over by --resume, Ctrl-C releases the lock.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliPath, repoRoot, runCli, tempDir, type CliResult } from '../helpers.js';
import { FolderInUse, FolderLock } from '../../src/sweep/folder-lock.js';
import { tinySweep, writeSweep } from './sweep-files.js';

/** A `run` as a child process, and a promise of its end. */
function startRun(args: string[]): { pid: number; kill: (s: NodeJS.Signals) => void; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { pid: child.pid!, kill: (s) => child.kill(s), done };
}

/** Resolves once `path` exists (polling), or rejects after `ms`. */
async function appears(path: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Every path under `dir` with its size: what "writes nothing" compares. The live run's staging
 * folders come and go while this reads, so a path gone between the listing and its stat is skipped.
 */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  const sized = await Promise.all(entries.sort().map(async (e) => {
    try {
      return `${e} ${(await stat(join(dir, e))).size}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }));
  return sized.filter((e): e is string => e !== undefined);
}

const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';

test('a second run into a folder a live run holds refuses at once naming it (exit 2, writes nothing); Ctrl-C releases the lock', async () => {
  const file = await writeSweep(tinySweep({ learning_rate: [0.003, 0.01, 0.02, 0.03] }, { epochs: 3, train_limit: 2000 }));
  const out = join(await tempDir(), 'out');
  const first = startRun(['run', file, '--out', out, '--workers', '1']);
  const lockFile = join(out, 'run.lock');
  await appears(join(out, 'sweep.log'));
  const owner = JSON.parse(await readFile(lockFile, 'utf8'));
  assert.deepEqual({ pid: owner.pid, host: owner.host, command: owner.command }, { pid: first.pid, host: hostname(), command: 'convsweep run' });
  assert.match(owner.started, new RegExp(`^${ISO}$`));
  for (const extra of [[], ['--resume']]) {
    const before = await snapshot(out);
    const startedAt = performance.now();
    const second = await runCli(['run', file, '--out', out, ...extra]);
    const seconds = (performance.now() - startedAt) / 1000;
    assert.equal(second.code, 2, second.stderr);
    const line = `${out}: in use by convsweep run (pid ${first.pid} on host ${hostname()}, started ${owner.started}) (wait for it to end, or choose another --out)\n`;
    assert.equal(second.stderr, line);
    assert.ok(seconds < 15, `refused after ${seconds.toFixed(1)} s`);
    // The first run goes on writing; the refused one added nothing of its own.
    const after = await snapshot(out);
    assert.deepEqual(after.filter((e) => !before.some((b) => b.split(' ')[0] === e.split(' ')[0])).filter((e) => !e.startsWith('trials')), [], 'no new file beside the trials');
    assert.equal(JSON.parse(await readFile(lockFile, 'utf8')).pid, first.pid, 'the lock is still the first run\'s');
  }
  const starts = (await readFile(join(out, 'sweep.log'), 'utf8')).split('\n').filter((l) => l.includes('"event":"start"'));
  assert.equal(starts.length, 1, 'one run started in the folder');
  first.kill('SIGINT');
  const r = await first.done;
  assert.equal(r.code, 130, r.stderr);
  assert.equal(existsSync(lockFile), false, 'Ctrl-C released the lock');
});

test('a killed run leaves its lock: without --resume the folder is refused as used, --resume takes it over and finishes', async () => {
  const file = await writeSweep(tinySweep({ learning_rate: [0.003, 0.01] }, { train_limit: 400 }));
  const out = join(await tempDir(), 'out');
  const first = startRun(['run', file, '--out', out, '--workers', '1']);
  await appears(join(out, 'sweep.log'));
  first.kill('SIGKILL');
  await first.done;
  const stale = JSON.parse(await readFile(join(out, 'run.lock'), 'utf8'));
  assert.equal(stale.pid, first.pid, 'the killed run left its lock');
  const plain = await runCli(['run', file, '--out', out]);
  assert.equal(plain.code, 2, plain.stderr);
  assert.match(plain.stderr, /output folder exists and is not empty \(add --resume/);
  const resumed = await runCli(['run', file, '--out', out, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /of 2 trials/);
  assert.equal(existsSync(join(out, 'run.lock')), false, 'released at the end');
});

test('a lock of another host is not judged by its pid: a local run refuses and says how to free the folder; report refuses a live run too', async () => {
  const file = await writeSweep(tinySweep({ learning_rate: [0.01] }));
  const out = join(await tempDir(), 'out');
  await mkdir(out);
  const owner = { pid: 1, host: 'far-away-host', started: '2026-12-03T10:00:00Z', command: 'convsweep run' };
  await writeFile(join(out, 'run.lock'), JSON.stringify(owner));
  const r = await runCli(['run', file, '--out', out, '--resume']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr, `${out}: in use by convsweep run (pid 1 on host far-away-host, started 2026-12-03T10:00:00Z) (wait for it to end, or choose another --out; if it is gone with its machine, remove ${join(out, 'run.lock')})\n`);
  const report = await runCli(['report', out]);
  assert.equal(report.code, 2, report.stderr);
  assert.match(report.stderr, /^.*: in use by convsweep run \(pid 1 on host far-away-host, started 2026-12-03T10:00:00Z\) \(wait for it to end: a run writes the report itself when it ends\)\n$/);
  assert.deepEqual(await readdir(out), ['run.lock'], 'nothing written');
});

test('a lock naming a pid that now belongs to a newer process, or to this very process, is stale: taken over, not refused', async () => {
  const dir = await tempDir();
  const lockFile = join(dir, 'run.lock');
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  try {
    await new Promise((r) => child.once('spawn', r));
    const here = { host: hostname(), command: 'convsweep run' };
    // The child started long after this lock's time: its pid is only reused.
    await writeFile(lockFile, JSON.stringify({ ...here, pid: child.pid, started: '2020-01-01T00:00:00Z' }));
    const taken = await FolderLock.take(dir, { command: 'convsweep run', takeOverStale: true });
    assert.equal(JSON.parse(await readFile(lockFile, 'utf8')).pid, process.pid);
    await taken.release();
    // The same live process, a lock from after its start: in use.
    await writeFile(lockFile, JSON.stringify({ ...here, pid: child.pid, started: new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') }));
    await assert.rejects(FolderLock.take(dir, { command: 'convsweep run', takeOverStale: true }), (err: unknown) => err instanceof FolderInUse && err.owner.pid === child.pid);
    // This pid, but not this process's lock: a previous process with the same number (a restarted container).
    await writeFile(lockFile, JSON.stringify({ ...here, pid: process.pid, started: '2020-01-01T00:00:00Z' }));
    const again = await FolderLock.take(dir, { command: 'convsweep run', takeOverStale: true });
    // While this process holds it, its own pid is alive.
    await assert.rejects(FolderLock.take(dir, { command: 'convsweep run', takeOverStale: true }), FolderInUse);
    await again.release();
    assert.equal(existsSync(lockFile), false);
  } finally {
    child.kill();
  }
});
