/**
 * Distributed sweeps on a real Redis: `convsweep worker` processes (each in its own temporary
 * folder, sharing no files with the coordinator) and a `convsweep run --queue` coordinator, with
 * the faults the design promises to survive.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { JOB_FORMAT } from '../../src/queue/job.js';
import { BULL_PREFIX } from '../../src/queue/keys.js';
import { announceSweep, withdrawSweep } from '../../src/queue/registry.js';
import { DIGIT_NAMES, writeClassFolders } from '../data/image-files.js';
import { mnistSlice, privateDatasetCache, runCli, tempDir } from '../helpers.js';
import { tinyNet, tinySweep, writeSweep } from '../sweep/sweep-files.js';
import { leaderboard, queuesUsed, slowSweep, startCoordinator, startWorker, sweepLog, useRedis } from './cluster.js';
import { hasRedisServer, selfSignedCertificate, startRedisServer } from './redis-server.js';
import type { WorkerProcess } from './worker-process.js';

const cluster = useRedis();
const redisUrl = (t: TestContext) => cluster.url(t);

const TRIAL_FILES = ['config.json', 'confusion-test.csv', 'confusion-test.png', 'confusion-test.svg', 'confusion-train.csv', 'confusion-train.png', 'confusion-train.svg', 'curves.png', 'curves.svg', 'history.csv', 'metrics.json', 'model', 'train.log', 'trial.json'];

describe('distributed sweeps through BullMQ on a real Redis', () => {
  test('two workers and a coordinator: every trial once, folders as a local run writes them, Redis left clean', async (t) => {
    const url = redisUrl(t);
    if (!url) return;
    const [w1, w2] = await Promise.all([startWorker(t, url, 'two-a'), startWorker(t, url, 'two-b')]);
    const file = await writeSweep(tinySweep({ learning_rate: [0.003, 0.01, 0.02, 0.03] }, { train_limit: 600 }));
    const out = join(await tempDir(), 'out');
    const r = await runCli(['run', file, '--queue', url, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /4 completed, 0 failed, 0 not run, of 4 trials/);
    const rows = await leaderboard(out);
    assert.equal(rows.length, 4);
    assert.deepEqual(rows.map((row) => row.status), ['completed', 'completed', 'completed', 'completed']);
    for (const row of rows) assert.deepEqual((await readdir(join(out, 'trials', row.trial_id))).sort(), TRIAL_FILES);
    const ran = [...w1.trialsWith('trial-end', 'completed'), ...w2.trialsWith('trial-end', 'completed')].sort();
    assert.deepEqual(ran, rows.map((row) => row.trial_id).sort(), 'each trial ran exactly once, on one of the workers');
    assert.ok(w1.trialsWith('trial-start').length > 0 && w2.trialsWith('trial-start').length > 0, 'both workers took trials');
    const [queue] = await queuesUsed(out);
    assert.equal(existsSync(join(out, 'queue.json')), false, 'a finished sweep no longer names a queue');
    // Workers notice a withdrawn sweep at their next look at the registry, and tidy up as they leave.
    await Promise.all([w1, w2].map((w) => w.waitFor((l) => l.event === 'leave' && l.queue === queue, 10_000)));
    const client = new Redis(url);
    try {
      const left = [...(await client.keys(`${BULL_PREFIX}:${queue}:*`)), ...(await client.keys(`convsweep-data:${queue}:*`))];
      assert.deepEqual(left, [], 'the queue and its data are removed after the sweep');
      assert.equal(await client.hexists('convsweep-registry:sweeps', queue), 0);
    } finally {
      client.disconnect();
    }
  });

  test('a sweep over a folder of PNG digits: the worker trains on the decoded set the coordinator sent, with its class names', async (t) => {
    const url = redisUrl(t);
    if (!url) return;
    await privateDatasetCache();
    const dir = await tempDir();
    const mnist = await mnistSlice(300, 60);
    await writeClassFolders(join(dir, 'train'), mnist.train, [28, 28, 1], DIGIT_NAMES);
    await writeClassFolders(join(dir, 'test'), mnist.test, [28, 28, 1], DIGIT_NAMES);
    // The worker's own cache folder: had it decoded the images itself, it would have filled it.
    const workerCache = join(dir, 'worker-cache');
    const worker = await startWorker(t, url, 'folder-set', { env: { CONVSWEEP_CACHE: workerCache } });
    const file = await writeSweep({ name: 'digits', base: { ...tinyNet(), dataset: { format: 'folder', train: 'train', test: 'test' } }, grid: { learning_rate: [0.01, 0.003] }, epochs: 1 }, 'sweep.json', dir);
    const out = join(dir, 'out');
    const r = await runCli(['run', file, '--queue', url, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 completed, 0 failed/);
    assert.equal(worker.trialsWith('trial-end', 'completed').length, 2);
    const names = [...DIGIT_NAMES].sort();
    for (const row of await leaderboard(out)) {
      const metrics = JSON.parse(await readFile(join(out, 'trials', row.trial_id, 'metrics.json'), 'utf8'));
      assert.deepEqual(metrics.classes, names);
      assert.equal(metrics.train_examples, 270);
    }
    assert.deepEqual(JSON.parse(await readFile(join(out, 'best', 'model', 'classes.json'), 'utf8')), names);
    assert.equal(existsSync(workerCache), false, 'the worker decoded no image');
  });

  test('a worker killed (SIGKILL) mid-trial: its trial goes back to the queue and another worker finishes it', async (t) => {
    const url = redisUrl(t);
    if (!url) return;
    const victim = await startWorker(t, url, 'kill-victim', { quickRecovery: true });
    const file = await writeSweep(slowSweep({ learning_rate: [0.01] }));
    const out = join(await tempDir(), 'out');
    const coordinator = runCli(['run', file, '--queue', url, '--out', out]);
    const started = await victim.waitFor((l) => l.event === 'trial-start');
    victim.child.kill('SIGKILL');
    await victim.exited;
    const rescuer = await startWorker(t, url, 'kill-rescuer', { quickRecovery: true });
    const r = await coordinator;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 completed, 0 failed/);
    assert.deepEqual(rescuer.trialsWith('trial-end', 'completed'), [started.id]);
    const metrics = JSON.parse(await readFile(join(out, 'trials', String(started.id), 'metrics.json'), 'utf8'));
    assert.equal(metrics.epochs_run, 3);
  });

  test('the coordinator killed: --resume collects what finished meanwhile and waits for the rest, with no trial run twice', async (t) => {
    const url = redisUrl(t);
    if (!url) return;
    const [w1, w2] = await Promise.all([startWorker(t, url, 'resume-a'), startWorker(t, url, 'resume-b')]);
    const file = await writeSweep(tinySweep({ learning_rate: [0.003, 0.01, 0.02, 0.03, 0.04, 0.05] }, { epochs: 2, train_limit: 1500 }));
    const out = join(await tempDir(), 'out');
    const args = ['run', file, '--queue', url, '--out', out];
    const killed = await startCoordinator(args, (stderr, kill) => {
      if (/\[1\/6\] done /.test(stderr)) kill('SIGKILL');
    });
    assert.equal(killed.signal, 'SIGKILL');
    const onDisk = await readdir(join(out, 'trials'));
    assert.ok(onDisk.length >= 1 && onDisk.length < 6, `trials on disk after the kill: ${onDisk.join(', ')}`);
    // The workers go on without the coordinator; let one more trial finish into Redis.
    await Promise.race([w1.waitFor((l) => l.event === 'trial-end' && !onDisk.includes(String(l.id))), w2.waitFor((l) => l.event === 'trial-end' && !onDisk.includes(String(l.id)))]);
    const queue = JSON.parse(await readFile(join(out, 'queue.json'), 'utf8')).queue as string;
    const resumed = await runCli([...args, '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const rows = await leaderboard(out);
    assert.equal(rows.length, 6);
    assert.ok(rows.every((row) => row.status === 'completed'));
    const starts = [...w1.trialsWith('trial-start'), ...w2.trialsWith('trial-start')];
    const twice = starts.filter((id, i) => starts.indexOf(id) !== i);
    // What each worker said about a trial that ran twice (and any lock or queue trouble), to tell why.
    const story = [w1, w2].flatMap((w) => w.lines.filter((l) => twice.includes(String(l.id)) || l.event === 'lock-lost' || l.event === 'queue-error' || l.event === 'leave').map((l) => ({ worker: w.name, ...l })));
    assert.equal(starts.length, 6, `trial starts: ${starts.join(', ')}; ${JSON.stringify(story)}`);
    assert.equal(new Set(starts).size, 6, 'no trial ran twice');
    const log = await sweepLog(out);
    assert.ok(log.some((l) => l.event === 'job-found' && l.state === 'completed'), 'a result that arrived while the coordinator was gone was collected from Redis');
    assert.deepEqual(await queuesUsed(out), [queue, queue], 'the resumed coordinator used the same queue');
    await Promise.all([w1, w2].map((w) => w.waitFor((l) => l.event === 'leave' && l.queue === queue, 10_000)));
    const client = new Redis(url);
    try {
      assert.deepEqual([...(await client.keys(`${BULL_PREFIX}:${queue}:*`)), ...(await client.keys(`convsweep-data:${queue}:*`))], [], 'the finished sweep left nothing in Redis');
    } finally {
      client.disconnect();
    }
  });

  test('a stalled worker that was not dead: the other worker\'s result is kept, and each trial is in the leaderboard once', async (t) => {
    const url = redisUrl(t);
    if (!url) return;
    const frozen = await startWorker(t, url, 'stall-frozen', { quickRecovery: true });
    const file = await writeSweep(slowSweep({ learning_rate: [0.01] }));
    const out = join(await tempDir(), 'out');
    const coordinator = runCli(['run', file, '--queue', url, '--out', out]);
    const started = await frozen.waitFor((l) => l.event === 'trial-start');
    frozen.child.kill('SIGSTOP');
    const other = await startWorker(t, url, 'stall-other', { quickRecovery: true });
    await other.waitFor((l) => l.event === 'trial-end' && l.id === started.id);
    frozen.child.kill('SIGCONT');
    const r = await coordinator;
    assert.equal(r.code, 0, r.stderr);
    // The frozen worker wakes up without its lock: it stops the trial (or its late completion is refused).
    await frozen.waitFor((l) => (l.event === 'lock-lost' || l.event === 'trial-end') && l.id === started.id, 30_000);
    const rows = await leaderboard(out);
    assert.deepEqual(rows.map((row) => row.trial_id), [started.id]);
    const results = (await sweepLog(out)).filter((l) => l.event === 'result');
    assert.deepEqual(results.map((l) => l.worker), ['stall-other'], 'one result, from the worker that finished the trial');
  });

  test('Redis unreachable: a clear one-line error within 10 seconds, for the coordinator and the worker', async () => {
    const file = await writeSweep(tinySweep({ learning_rate: [0.01] }));
    const out = join(await tempDir(), 'out');
    for (const args of [['run', file, '--queue', 'redis://127.0.0.1:1', '--out', out], ['worker', '--queue', 'redis://127.0.0.1:1']]) {
      const started = performance.now();
      const r = await runCli(args);
      const seconds = (performance.now() - started) / 1000;
      assert.equal(r.code, 1, r.stderr);
      assert.ok(seconds < 10, `took ${seconds.toFixed(1)} s`);
      assert.match(r.stderr, /^error: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .+\n$/);
    }
    await assert.rejects(readdir(out), { code: 'ENOENT' }, 'nothing written');
    const bad = await runCli(['run', file, '--queue', 'http://127.0.0.1:6379', '--out', out]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^--queue: unsupported scheme http: .*\(use redis:\/\/ or rediss:\/\/ \(TLS\)\)\n$/);
    const local = await runCli(['run', file, '--queue', 'redis://127.0.0.1:1', '--workers', '2', '--out', out]);
    assert.equal(local.code, 2);
    assert.match(local.stderr, /^--workers: has no effect with --queue \(each `convsweep worker` sets its own --slots and --backend\)\n$/);
  });

  test('a password-protected Redis works through the URL; a wrong password is a clear error', async (t) => {
    if (!hasRedisServer()) {
      if (process.env.CI === 'true') throw new Error('redis-server is needed in CI');
      t.skip('redis-server is not installed');
      return;
    }
    const locked = await startRedisServer({ password: 's3cret pass' });
    let worker: WorkerProcess | undefined;
    try {
      worker = await startWorker(t, locked.url, 'password');
      const file = await writeSweep(tinySweep({ learning_rate: [0.01] }));
      const r = await runCli(['run', file, '--queue', locked.url, '--out', join(await tempDir(), 'out')]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /1 completed/);
      const wrong = locked.url.replace(/:[^:@/]*@/, ':wrong@');
      const refused = await runCli(['run', file, '--queue', wrong, '--out', join(await tempDir(), 'out')]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*(WRONGPASS|invalid)/i);
      assert.doesNotMatch(refused.stderr, /wrong/);
    } finally {
      await worker?.stop();
      await locked.stop();
    }
  });

  test('rediss:// (TLS) with a password: the coordinator and a worker that trust the server certificate run a sweep', async (t) => {
    const certificate = hasRedisServer() ? selfSignedCertificate(await tempDir('convsweep-tls-')) : undefined;
    if (!certificate) {
      if (process.env.CI === 'true') throw new Error('redis-server and openssl are needed in CI');
      t.skip('redis-server or openssl is not installed');
      return;
    }
    const secure = await startRedisServer({ password: 'tls-secret', tls: certificate });
    let worker: WorkerProcess | undefined;
    try {
      assert.match(secure.url, /^rediss:\/\//);
      // Node trusts the self-signed certificate through NODE_EXTRA_CA_CERTS, as a user would set it.
      const env = { NODE_EXTRA_CA_CERTS: certificate.cert };
      worker = await startWorker(t, secure.url, 'tls', { env });
      const file = await writeSweep(tinySweep({ learning_rate: [0.01] }));
      const r = await runCli(['run', file, '--queue', secure.url, '--out', join(await tempDir(), 'out')], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /1 completed/);
      assert.match(r.stderr, /queue sweep-tiny-sweep-[0-9a-f]+ on rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
      // Without trusting the certificate the connection is refused, clearly and quickly.
      const untrusted = await runCli(['run', file, '--queue', secure.url, '--out', join(await tempDir(), 'out')]);
      assert.equal(untrusted.code, 1);
      assert.match(untrusted.stderr, /^error: cannot reach Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*(self.signed|certificate)/i);
    } finally {
      await worker?.stop();
      await secure.stop();
    }
  });

  test('a job whose config fails validation on the worker is refused, never run, and the worker goes on', async (t) => {
    const url = redisUrl(t);
    if (!url) return;
    const worker = await startWorker(t, url, 'refuser');
    const client = new Redis(url, { maxRetriesPerRequest: null });
    const name = `sweep-refusal-${process.pid}`;
    const queue = new Queue(name, { connection: client, prefix: BULL_PREFIX });
    try {
      // Names this program never makes are not served (and must not crash the worker): a ':' that
      // BullMQ refuses, a key pattern, a path.
      for (const hostile of ['evil:queue', '*', '../../x']) await announceSweep(client, { queue: hostile, sweep: 'x', since: new Date().toISOString() });
      await announceSweep(client, { queue: name, sweep: 'refusal', since: new Date().toISOString() });
      const trial = (id: string) => ({ id, label: id, index: 0, values: {}, seed: 1 });
      const good: Record<string, unknown> = { ...tinyNet({ epochs: 1, dataset: { name: 'mnist', train_limit: 200, test_limit: 50 } }), seed: 1, validation_split: 0.1 };
      const payload = (id: string, config: unknown) => ({ format: JOB_FORMAT, sweep: 'refusal', trial: trial(id), config, dataset: { kind: 'mnist' } });
      const evil = { ...good, layers: [{ type: 'Lambda', function: 'process.exit(1)', input_shape: [28, 28, 1] }, ...(good.layers as unknown[]).slice(1)] };
      const refusedJob = await queue.add('trial', payload('aaaaaaaaaa', evil), { jobId: 'trial-aaaaaaaaaa' });
      const notData = await queue.add('trial', { format: JOB_FORMAT, sweep: 'refusal', trial: trial('bbbbbbbbbb'), config: good, dataset: { kind: 'mnist' }, run: 'rm -rf /' }, { jobId: 'trial-bbbbbbbbbb' });
      const goodJob = await queue.add('trial', payload('cccccccccc', good), { jobId: 'trial-cccccccccc' });
      await worker.waitFor((l) => l.event === 'trial-end' && l.id === 'cccccccccc');
      for (let i = 0; i < 100 && (await goodJob.getState()) !== 'completed'; i++) await new Promise((r) => setTimeout(r, 100));
      const refused = await queue.getJob(refusedJob.id!);
      assert.equal(await refused!.getState(), 'failed');
      assert.match(refused!.failedReason, /^refused: invalid config: \/layers\/0\/type: unknown layer type "Lambda"/);
      const shapeless = await queue.getJob(notData.id!);
      assert.equal(await shapeless!.getState(), 'failed');
      assert.match(shapeless!.failedReason, /^refused: malformed job: unknown fields run/);
      assert.equal(await (await queue.getJob(goodJob.id!))!.getState(), 'completed');
      assert.deepEqual(worker.trialsWith('trial-start'), ['cccccccccc'], 'only the valid job was run');
      assert.equal(worker.child.exitCode, null, 'the worker is still running');
      assert.deepEqual(worker.lines.filter((l) => l.event === 'join').map((l) => l.queue), [name]);
    } finally {
      for (const queue of [name, 'evil:queue', '*', '../../x']) await withdrawSweep(client, queue);
      await queue.obliterate({ force: true });
      await queue.close();
      client.disconnect();
    }
  });
});
