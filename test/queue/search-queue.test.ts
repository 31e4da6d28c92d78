/**
 * Early stopping through the queue: the worker reports each epoch, the coordinator's pruner
 * answers through Redis, and the trial hears the verdict before its next epoch, as on the local pool.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { runCli, tempDir } from '../helpers.js';
import { tinyNet, writeSweep } from '../sweep/sweep-files.js';
import { leaderboard, queuesUsed, sweepLog, useRedis } from './cluster.js';

const cluster = useRedis();

test('a random sweep with ASHA through the queue: the coordinator prunes trials on a worker, which saves them as pruned', async (t) => {
  const url = cluster.url(t);
  if (!url) return;
  const worker = await cluster.startWorker(t, url, 'asha-worker');
  const file = await writeSweep({
    name: 'asha-queue',
    base: tinyNet({ validation_split: 0.25 }),
    method: 'random',
    max_trials: 5,
    space: { learning_rate: { distribution: 'log_uniform', min: 0.0002, max: 0.05 } },
    epochs: 3,
    train_limit: 320,
    test_limit: 100,
    seed: 5,
    early_stopping: { type: 'asha', min_epochs: 1, reduction_factor: 2 },
  });
  const out = join(await tempDir(), 'out');
  const r = await runCli(['run', file, '--queue', url, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const asha = /ASHA: (\d+) of 15 epochs trained \(\d+%\), (\d+) trials? pruned/.exec(r.stdout);
  assert.ok(asha, r.stdout);
  const pruned = Number(asha[2]);
  assert.ok(pruned >= 1 && Number(asha[1]) < 15, r.stdout);
  const rows = await leaderboard(out);
  assert.equal(rows.filter((row) => row.status === 'pruned').length, pruned);
  assert.equal(rows.filter((row) => row.status === 'completed').length, 5 - pruned);
  for (const row of rows.filter((x) => x.status === 'pruned')) {
    const metrics = JSON.parse(await readFile(join(out, 'trials', row.trial_id, 'metrics.json'), 'utf8'));
    assert.equal(metrics.status, 'pruned');
    assert.ok(metrics.epochs_run < 3);
  }
  const verdicts = (await sweepLog(out)).filter((l) => l.event === 'trial-epoch' && l.verdict === 'stop');
  assert.equal(verdicts.length, pruned, 'one stop verdict a pruned trial');
  assert.deepEqual(worker.lines.filter((l) => l.event === 'no-verdict'), [], 'every verdict reached the worker in time');
  const [queue] = await queuesUsed(out);
  await worker.waitFor((l) => l.event === 'leave' && l.queue === queue, 10_000);
  const client = new Redis(url);
  try {
    assert.deepEqual(await client.keys(`convsweep-data:${queue}:*`), [], 'no verdict left in Redis');
  } finally {
    client.disconnect();
  }
});
