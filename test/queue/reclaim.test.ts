/**
 * Taking back a job whose lock lapsed, on a real Redis with BullMQ's own workers and stalled
 * check: the job is the worker's again while no other worker has it (still active, or back in the
 * queue), and never once another worker has taken it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { BULL_PREFIX } from '../../src/queue/keys.js';
import { reclaimJob } from '../../src/queue/reclaim.js';
import { useRedis } from './cluster.js';

const cluster = useRedis();
const LOCK_MS = 300;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('reclaimJob', () => {
  test('a lapsed lock: ours again while the job is active or waiting, not once another worker took it', async (t) => {
    const url = cluster.url(t);
    if (!url) return;
    const redis = new Redis(url, { maxRetriesPerRequest: null });
    const name = `sweep-reclaim-${randomUUID().slice(0, 8)}`;
    const queue = new Queue(name, { connection: redis, prefix: BULL_PREFIX });
    const worker = (id: string) => new Worker(name, null, { connection: redis, prefix: BULL_PREFIX, name: id, autorun: false, lockDuration: LOCK_MS, stalledInterval: 100, maxStalledCount: 5 });
    const [a, b] = [worker('a'), worker('b')];
    try {
      await queue.add('trial', { n: 1 }, { jobId: 'trial-1' });
      const tokenA = randomUUID();
      const job = (await a.getNextJob(tokenA, { block: false }))!;
      assert.equal(job.id, 'trial-1');

      // Lapsed, nobody else ran a stalled check: still in the active list.
      await pause(LOCK_MS + 100);
      assert.equal(await job.extendLock(tokenA, LOCK_MS), 0);
      assert.equal(await reclaimJob(redis, name, 'trial-1', tokenA, LOCK_MS), 'ours');
      assert.equal(await job.extendLock(tokenA, LOCK_MS), 1, 'the lock is ours again');

      // Lapsed and moved back to the queue by the stalled check, not yet taken.
      await b.startStalledCheckTimer();
      const deadline = Date.now() + 5000;
      while ((await job.getState()) !== 'waiting' && Date.now() < deadline) await pause(50);
      assert.equal(await job.getState(), 'waiting');
      assert.equal(await reclaimJob(redis, name, 'trial-1', tokenA, LOCK_MS), 'ours');
      assert.equal(await job.getState(), 'active');
      await job.moveToCompleted({ ok: true }, tokenA, false);
      assert.equal(await job.getState(), 'completed', 'and its result is recorded');
      assert.equal(await reclaimJob(redis, name, 'trial-1', tokenA, LOCK_MS), 'taken', 'a finished job is nobody\'s to take');

      // Taken by another worker once back in the queue: not ours.
      await queue.add('trial', { n: 2 }, { jobId: 'trial-2' });
      const tokenA2 = randomUUID();
      const second = (await a.getNextJob(tokenA2, { block: false }))!;
      while ((await second.getState()) !== 'waiting' && Date.now() < deadline + 5000) await pause(50);
      const tokenB = randomUUID();
      assert.equal((await b.getNextJob(tokenB, { block: false }))?.id, 'trial-2');
      assert.equal(await reclaimJob(redis, name, 'trial-2', tokenA2, LOCK_MS), 'taken');
      assert.equal(await redis.get(`${BULL_PREFIX}:${name}:trial-2:lock`), tokenB, 'the other worker keeps its lock');
      assert.equal(await reclaimJob(redis, name, 'trial-gone', tokenA2, LOCK_MS), 'gone');
    } finally {
      await Promise.all([a.close(true), b.close(true)]);
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
    }
  });
});
