/**
 * One coordinator a queue sweep, on a real Redis: a second coordinator of the same queue (here: a
 * copy of the sweep folder, as on another machine) refuses naming the first; after the first is
 * killed with SIGKILL, --resume takes the queue over at once on the same host, and a lease of
 * another host lapses after its TTL.
 */
import assert from 'node:assert/strict';
import { cp, readdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { CoordinatorLease, leaseKey, QueueInUse } from '../../src/queue/coordinator-lease.js';
import { runCli, tempDir } from '../helpers.js';
import { writeSweep } from '../sweep/sweep-files.js';
import { leaderboard, slowSweep, startCoordinator, useRedis } from './cluster.js';

const cluster = useRedis();

describe('distributed sweeps: one coordinator a queue', () => {
  test('a second coordinator of a queue sweep refuses naming the first (exit 2, writes nothing); after a SIGKILL, --resume takes over and finishes', async (t) => {
    const url = cluster.url(t);
    if (!url) return;
    const worker = await cluster.startWorker(t, url, 'lease-worker');
    const file = await writeSweep(slowSweep({ learning_rate: [0.01, 0.02] }, 'lease'));
    const out = join(await tempDir(), 'out');
    const first = startCoordinator(['run', file, '--queue', url, '--out', out]);
    await worker.waitFor((l) => l.event === 'trial-start');
    const owner = JSON.parse(await readFile(join(out, 'run.lock'), 'utf8'));
    const queue = JSON.parse(await readFile(join(out, 'queue.json'), 'utf8')).queue as string;
    // The folder as another machine would have it: the same sweep and queue, no lock of this host.
    const copy = join(await tempDir(), 'copy');
    await cp(out, copy, { recursive: true, filter: (src) => !src.endsWith('run.lock') });
    const before = (await readdir(copy, { recursive: true })).sort();
    const second = await runCli(['run', file, '--queue', url, '--out', copy, '--resume']);
    assert.equal(second.code, 2, second.stderr);
    assert.equal(second.stderr, `queue ${queue}: in use by convsweep run (pid ${owner.pid} on host ${hostname()}, started ${owner.started}) (wait for it to end; a coordinator that was killed loses the queue 15 s after it stopped, then --resume takes it over)\n`);
    assert.deepEqual((await readdir(copy, { recursive: true })).sort(), before, 'the refused coordinator wrote nothing');
    process.kill(owner.pid, 'SIGKILL');
    assert.equal((await first).signal, 'SIGKILL');
    const startedAt = performance.now();
    const resumed = await runCli(['run', file, '--queue', url, '--out', out, '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual((await leaderboard(out)).map((r) => r.status), ['completed', 'completed']);
    assert.ok(performance.now() - startedAt < 120_000);
    const ended = worker.trialsWith('trial-end', 'completed');
    assert.equal(new Set(ended).size, ended.length, 'no trial ran twice');
    const client = new Redis(url);
    try {
      assert.equal(await client.exists(leaseKey(queue)), 0, 'the lease went with the sweep');
    } finally {
      client.disconnect();
    }
  });

  test('a lease of another host cannot be judged by its pid: it is refused until its TTL lapses, then taken', async (t) => {
    const url = cluster.url(t);
    if (!url) return;
    const client = new Redis(url);
    try {
      const queue = `sweep-lease-ttl-${process.pid}`;
      const elsewhere = { pid: 1, host: 'far-away-host', started: '2026-12-03T10:00:00Z', command: 'convsweep run' };
      await client.set(leaseKey(queue), JSON.stringify(elsewhere), 'PX', 600);
      const me = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command: 'convsweep run' };
      await assert.rejects(CoordinatorLease.take(client, queue, me), (err: unknown) => err instanceof QueueInUse && /pid 1 on host far-away-host/.test(err.message));
      await new Promise((r) => setTimeout(r, 700));
      const lease = await CoordinatorLease.take(client, queue, me, { ttlMs: 300 });
      // Renewed while held: still there after more than its TTL.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(JSON.parse((await client.get(leaseKey(queue)))!).pid, process.pid);
      await lease.release();
      assert.equal(await client.exists(leaseKey(queue)), 0);
    } finally {
      client.disconnect();
    }
  });
});
