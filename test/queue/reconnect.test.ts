/**
 * A worker cut off from Redis for longer than its trial's lock lasts, on a real redis-server that
 * is stopped and started again (with its append-only file, as a production Redis keeps its data):
 * the worker's trial goes on and finishes while Redis is away, the worker reconnects, takes its
 * lapsed job back, and delivers the result; the trial is neither lost nor run twice.
 *
 * Quick settings: a 4 s lock and a 1 s stalled check (quickRecovery), Redis away for at least 10 s
 * and until the trial has ended: the same situation as 30 s away against the default 30 s lock.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers.js';
import { writeSweep } from '../sweep/sweep-files.js';
import { leaderboard, slowSweep, startWorker, sweepLog } from './cluster.js';
import { hasRedisServer, startRedisServer, type TestRedis } from './redis-server.js';

const AWAY_AT_LEAST_MS = 10_000;

test('a worker that loses Redis mid-trial finishes the trial meanwhile, reconnects and delivers it: not lost, not run twice', async (t) => {
  if (!hasRedisServer()) {
    if (process.env.CI === 'true') throw new Error('this test needs redis-server in CI');
    t.skip('no redis-server: it must be stopped and started again');
    return;
  }
  const aof = await tempDir('convsweep-redis-aof-');
  let redis: TestRedis = await startRedisServer({ persistIn: aof });
  t.after(() => redis.stop());
  const port = Number(new URL(redis.url).port);
  const worker = await startWorker(t, redis.url, 'cut-off', { quickRecovery: true });
  const file = await writeSweep(slowSweep({ learning_rate: [0.01, 0.02] }, 'cut-off'));
  const out = join(await tempDir(), 'out');
  const coordinator = runCli(['run', file, '--queue', redis.url, '--out', out]);
  const first = await worker.waitFor((l) => l.event === 'trial-start');
  await redis.stop();
  const awayAt = Date.now();
  const ended = await worker.waitFor((l) => l.event === 'trial-end' && l.id === first.id, 90_000);
  assert.ok(Date.parse(String(ended.time)) > awayAt, 'the trial ended while Redis was away');
  await new Promise((r) => setTimeout(r, Math.max(0, awayAt + AWAY_AT_LEAST_MS - Date.now())));
  const awayMs = Date.now() - awayAt;
  redis = await startRedisServer({ persistIn: aof, port });
  const r = await coordinator;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((await leaderboard(out)).map((row) => row.status), ['completed', 'completed']);
  assert.deepEqual(worker.trialsWith('trial-start').filter((id) => id === first.id), [first.id], `run once, though Redis was away ${awayMs} ms against a 4 s lock`);
  assert.ok(worker.lines.some((l) => l.event === 'lock-reclaimed' && l.id === `trial-${first.id}`), 'its lapsed lock was taken back');
  assert.ok(!worker.lines.some((l) => l.event === 'result-dropped'), 'no result dropped');
  const ends = (await sweepLog(out)).filter((l) => l.event === 'trial-end').map((l) => l.id).sort();
  assert.deepEqual(ends, [...new Set(ends)], 'each trial ended once in sweep.log');
  assert.equal(ends.length, 2);
});
