/**
 * More of what distributed sweeps must survive, on a real Redis: a worker stopped mid-trial, the
 * coordinator stopped with Ctrl-C and resumed, a dead worker's trial recovered while every live
 * worker is busy, two sweeps sharing one worker, and a Redis that accepts connections but never
 * answers.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { BULL_PREFIX } from '../../src/queue/keys.js';
import { runCli, tempDir } from '../helpers.js';
import { tinySweep, writeSweep } from '../sweep/sweep-files.js';
import { leaderboard, slowSweep, startCoordinator, sweepLog, useRedis } from './cluster.js';
import type { LogLine } from './worker-process.js';

const cluster = useRedis();

describe('distributed sweeps: stopping and sharing', () => {
  test('a worker stopped with SIGTERM mid-trial hands the trial back at once; another worker runs it', async (t) => {
    const url = cluster.url(t);
    if (!url) return;
    const leaving = await cluster.startWorker(t, url, 'term-leaving');
    const file = await writeSweep(slowSweep({ learning_rate: [0.01] }));
    const out = join(await tempDir(), 'out');
    const coordinator = runCli(['run', file, '--queue', url, '--out', out]);
    const started = await leaving.waitFor((l) => l.event === 'trial-start');
    const stoppedAt = performance.now();
    leaving.child.kill('SIGTERM');
    const exit = await leaving.exited;
    assert.equal(exit.code, 0, leaving.stderr);
    assert.ok(performance.now() - stoppedAt < 15_000, 'the worker stopped promptly');
    assert.ok(leaving.lines.some((l) => l.event === 'hand-back' && l.id === `trial-${started.id}`), 'the trial was handed back');
    const taker = await cluster.startWorker(t, url, 'term-taker');
    const r = await coordinator;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(taker.trialsWith('trial-end', 'completed'), [started.id]);
    assert.deepEqual((await leaderboard(out)).map((row) => row.status), ['completed']);
  });

  test('Ctrl-C on the coordinator pauses the queue (exit 130); --resume finishes the sweep and clears Redis', async (t) => {
    const url = cluster.url(t);
    if (!url) return;
    const worker = await cluster.startWorker(t, url, 'ctrlc');
    const file = await writeSweep(tinySweep({ learning_rate: [0.003, 0.01, 0.02, 0.03] }, { epochs: 2, train_limit: 1200 }));
    const out = join(await tempDir(), 'out');
    const args = ['run', file, '--queue', url, '--out', out];
    const interrupted = await startCoordinator(args, (stderr, kill) => {
      if (/\[1\/4\] done /.test(stderr) && !/stopping/.test(stderr)) kill('SIGINT');
    });
    assert.equal(interrupted.code, 130, interrupted.stderr);
    const queue = JSON.parse(await readFile(join(out, 'queue.json'), 'utf8')).queue as string;
    const client = new Redis(url);
    try {
      assert.equal(await client.hexists(`${BULL_PREFIX}:${queue}:meta`, 'paused'), 1, 'the queue is paused');
      // A paused queue gives the worker nothing new: after its running trial (if any) it idles.
      const startsBefore = worker.trialsWith('trial-start').length;
      await new Promise((r) => setTimeout(r, 3000));
      const running = worker.trialsWith('trial-start').length - worker.trialsWith('trial-end').length;
      assert.ok(worker.trialsWith('trial-start').length - startsBefore <= running, 'no new trial started while paused');
      const resumed = await runCli([...args, '--resume']);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.deepEqual((await leaderboard(out)).map((row) => row.status), ['completed', 'completed', 'completed', 'completed']);
      assert.equal(new Set(worker.trialsWith('trial-start')).size, worker.trialsWith('trial-start').length, 'no trial ran twice');
      await worker.waitFor((l) => l.event === 'leave' && l.queue === queue, 10_000);
      assert.deepEqual(await client.keys(`${BULL_PREFIX}:${queue}:*`), []);
      assert.equal(await client.hexists('convsweep-registry:sweeps', queue), 0);
    } finally {
      client.disconnect();
    }
  });

  test('a killed worker\'s trial goes back to the queue while every live worker is busy, and runs when a slot frees', async (t) => {
    const url = cluster.url(t);
    if (!url) return;
    const [victim, busy] = await Promise.all([cluster.startWorker(t, url, 'busy-victim', { quickRecovery: true }), cluster.startWorker(t, url, 'busy-survivor', { quickRecovery: true })]);
    // Two long trials, one each; either worker may take either, so both last long enough for the
    // survivor to be still running when the stalled check finds the victim's trial: on an idle
    // machine about 15 s, against 4 s of lock and a check every second.
    const file = await writeSweep(tinySweep({ epochs: [8, 9] }, { epochs: undefined, train_limit: 12000, test_limit: 200 }));
    const out = join(await tempDir(), 'out');
    const coordinator = runCli(['run', file, '--queue', url, '--out', out]);
    const [victimTrial, survivorTrial] = await Promise.all([victim.waitFor((l) => l.event === 'trial-start'), busy.waitFor((l) => l.event === 'trial-start')]);
    const killedAt = new Date().toISOString();
    victim.child.kill('SIGKILL');
    const r = await coordinator;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(busy.trialsWith('trial-end', 'completed').sort(), [victimTrial.id, survivorTrial.id].sort());
    const stalled = (await sweepLog(out)).find((l) => l.event === 'stalled') as LogLine & { time: string };
    assert.ok(stalled, 'the coordinator heard that the trial lost its worker');
    const survivorEnd = busy.lines.find((l) => l.event === 'trial-end' && l.id === survivorTrial.id) as LogLine & { time: string };
    assert.ok(Date.parse(stalled.time) < Date.parse(survivorEnd.time), `victim killed at ${killedAt}, its trial recovered at ${stalled.time}: not while the survivor was still busy (until ${survivorEnd.time})`);
  });

  test('two sweeps on one worker share its slots: never more trials at once than slots', async (t) => {
    const url = cluster.url(t);
    if (!url) return;
    const worker = await cluster.startWorker(t, url, 'shared', { slots: 1 });
    const outs = [join(await tempDir(), 'a'), join(await tempDir(), 'b')];
    const files = await Promise.all(['share-a', 'share-b'].map((name) => writeSweep({ ...tinySweep({ learning_rate: [0.003, 0.01, 0.03] }, { train_limit: 800 }), name })));
    const results = await Promise.all(files.map((file, i) => runCli(['run', file, '--queue', url, '--out', outs[i]])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    let running = 0;
    let most = 0;
    for (const line of worker.lines) {
      if (line.event === 'trial-start') most = Math.max(most, ++running);
      if (line.event === 'trial-end') running--;
    }
    assert.equal(most, 1, 'one slot, one trial at a time');
    assert.equal(worker.trialsWith('trial-end', 'completed').length, 6);
    const queues = new Set(worker.lines.filter((l) => l.event === 'trial-start').map((l) => l.queue));
    assert.equal(queues.size, 2, 'both sweeps were served');
  });
});

describe('a Redis that accepts connections but never answers', () => {
  test('coordinator and worker give up with a clear error within 10 seconds', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const file = await writeSweep(tinySweep({ learning_rate: [0.01] }));
      for (const args of [['run', file, '--queue', `redis://127.0.0.1:${port}`, '--out', join(await tempDir(), 'out')], ['worker', '--queue', `redis://127.0.0.1:${port}`]]) {
        const started = performance.now();
        const r = await runCli(args);
        const seconds = (performance.now() - started) / 1000;
        assert.equal(r.code, 1, r.stderr);
        assert.ok(seconds < 10, `took ${seconds.toFixed(1)} s`);
        assert.match(r.stderr, new RegExp(`^error: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: no answer within 5 s\\n$`));
      }
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
