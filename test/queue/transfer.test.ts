/**
 * What crosses Redis is checked on arrival: job payloads on the worker, trial files and datasets
 * against their checksums, file names against escaping the trial folder. On a real Redis.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { DatasetCache, sendDataset } from '../../src/queue/dataset-transfer.js';
import { checkJobData, JOB_FORMAT, JobRefused } from '../../src/queue/job.js';
import { datasetKey } from '../../src/queue/keys.js';
import { receiveTrialFiles, sendTrialFiles } from '../../src/queue/trial-files.js';
import { loadDataset } from '../../src/data/load.js';
import { DIGIT_NAMES, writeClassFolders } from '../data/image-files.js';
import { idxBytes, mnistSlice, privateDatasetCache, tempDir } from '../helpers.js';
import { tinyNet } from '../sweep/sweep-files.js';
import { useRedis } from './cluster.js';

const cluster = useRedis();

const goodJob = () => ({
  format: JOB_FORMAT,
  sweep: 's',
  trial: { id: '0123456789', label: 'x', index: 0, values: {}, seed: 7 },
  config: { ...tinyNet({ dataset: { name: 'mnist', train_limit: 100 } }), seed: 7 },
  dataset: { kind: 'mnist' },
});

describe('job payloads', () => {
  test('a well-formed job passes, its config validated with defaults filled', () => {
    const job = checkJobData(goodJob(), 'job 1');
    assert.equal(job.config.batch_size, 32);
    assert.equal(job.config.validation_split, 0.1);
    assert.deepEqual(job.config.dataset, { name: 'mnist', train_limit: 100 });
  });

  test('anything else is refused with the reason', () => {
    const cases: [unknown, RegExp][] = [
      [null, /not an object/],
      [{ ...goodJob(), format: JOB_FORMAT - 1 }, new RegExp(`format ${JOB_FORMAT - 1}, this worker reads format ${JOB_FORMAT}`)],
      [{ ...goodJob(), code: 'process.exit()' }, /unknown fields code/],
      [{ ...goodJob(), trial: { ...goodJob().trial, id: '../../etc' } }, /trial is not/],
      [{ ...goodJob(), limits: { trainLimit: 100 } }, /unknown fields limits/],
      [{ ...goodJob(), config: { ...goodJob().config, dataset: { name: 'mnist', train_limit: -1 } } }, /invalid config: \/dataset/],
      [{ ...goodJob(), timeoutS: 'soon' }, /timeoutS/],
      [{ ...goodJob(), dataset: { kind: 'sent', name: 'x', sha256: 'abc' } }, /dataset/],
      [{ ...goodJob(), dataset: { kind: 'file', path: '/etc/passwd' } }, /dataset/],
      [{ ...goodJob(), config: { ...goodJob().config, layers: [{ type: 'constructor', input_shape: [28, 28, 1] }] } }, /invalid config: \/layers\/0\/type: unknown layer type "constructor"/],
      [{ ...goodJob(), config: { ...goodJob().config, seed: 8 } }, /seed 8 is not the trial's seed 7/],
    ];
    for (const [data, reason] of cases) assert.throws(() => checkJobData(data, 'job 1'), (err: unknown) => err instanceof JobRefused && reason.test(err.message), JSON.stringify(data)?.slice(0, 80));
  });
});

describe('trial files through Redis', () => {
  test('sent and received whole, the coordinator\'s own files replacing the worker\'s', async (t) => {
    const url = cluster.url(t);
    if (!url) return;
    const redis = new Redis(url);
    try {
      const dir = await tempDir();
      await mkdir(join(dir, 'model'));
      await writeFile(join(dir, 'metrics.json'), '{"test_accuracy":0.5}');
      await writeFile(join(dir, 'model', 'weights.bin'), Buffer.from([0, 1, 2, 255]));
      await writeFile(join(dir, 'trial.json'), 'from the worker');
      const key = `convsweep-data:test-${process.pid}:files:a`;
      const manifest = await sendTrialFiles(redis, key, dir);
      assert.deepEqual(Object.keys(manifest).sort(), ['metrics.json', 'model/weights.bin', 'trial.json']);
      assert.ok((await redis.ttl(key)) > 0, 'an uncollected attempt expires');
      const out = join(await tempDir(), 'trial');
      await receiveTrialFiles(redis, key, manifest, out, { 'trial.json': 'from the coordinator' });
      assert.deepEqual(await readFile(join(out, 'model', 'weights.bin')), Buffer.from([0, 1, 2, 255]));
      assert.equal(await readFile(join(out, 'trial.json'), 'utf8'), 'from the coordinator');
      assert.equal(await redis.exists(key), 0, 'collected files are deleted from Redis');
    } finally {
      redis.disconnect();
    }
  });

  test('a name escaping the folder, a missing file or a wrong checksum: refused, nothing written', async (t) => {
    const url = cluster.url(t);
    if (!url) return;
    const redis = new Redis(url);
    try {
      const key = `convsweep-data:test-${process.pid}:files:b`;
      const sha = (s: string) => createHash('sha256').update(s).digest('hex');
      await redis.hset(key, { 'metrics.json': '{}', '../escape': 'x' });
      const cases: [Record<string, { bytes: number; sha256: string }>, RegExp][] = [
        [{ '../escape': { bytes: 1, sha256: sha('x') } }, /not a plain relative path/],
        [{ '/etc/passwd': { bytes: 1, sha256: sha('x') } }, /not a plain relative path/],
        [{ 'metrics.json': { bytes: 2, sha256: sha('{}') }, 'model/weights.bin': { bytes: 1, sha256: sha('x') } }, /missing/],
        [{ 'metrics.json': { bytes: 2, sha256: sha('[]') } }, /checksum/],
      ];
      for (const [manifest, reason] of cases) {
        const parent = await tempDir();
        await assert.rejects(receiveTrialFiles(redis, key, manifest, join(parent, 'trial')), reason);
        assert.deepEqual(await readdir(parent), [], 'no folder and no staging left');
      }
    } finally {
      await redis.del(`convsweep-data:test-${process.pid}:files:b`);
      redis.disconnect();
    }
  });
});

describe('datasets through Redis', () => {
  test('an IDX set is sent once, fetched, checked against its sha256 and kept in files for trial processes', async (t) => {
    const url = cluster.url(t);
    if (!url) return;
    const redis = new Redis(url);
    const queue = `sweep-dataset-test-${process.pid}`;
    try {
      const dir = await tempDir();
      await writeFile(join(dir, 'tr-x'), idxBytes([3, 2, 2], Array.from({ length: 12 }, (_, i) => i)));
      await writeFile(join(dir, 'tr-y'), idxBytes([3], [0, 1, 2]));
      await writeFile(join(dir, 'te-x'), idxBytes([1, 2, 2], [9, 9, 9, 9]));
      await writeFile(join(dir, 'te-y'), idxBytes([1], [1]));
      const spec = { format: 'idx' as const, name: 'tiny', train_images: 'tr-x', train_labels: 'tr-y', test_images: 'te-x', test_labels: 'te-y' };
      const ref = await sendDataset(redis, queue, spec, join(dir, 'config.json'));
      assert.equal(ref.kind, 'sent');
      assert.ok((await redis.ttl(datasetKey(queue))) > 0, 'an abandoned sweep\'s dataset expires');
      const cache = new DatasetCache(redis, join(await tempDir(), 'datasets'));
      const got = await cache.get(queue, ref);
      assert.deepEqual(got.data.imageShape, [2, 2, 1]);
      assert.equal(got.data.classes, 3);
      assert.ok(got.data.train.images.buffer instanceof SharedArrayBuffer);
      assert.ok('format' in got.spec && got.spec.format === 'idx' && existsSync(got.spec.train_images), 'the files are kept for trial processes');
      // Tampered bytes in Redis: the checksum refuses them.
      await redis.hset(datasetKey(queue), 'train_labels', Buffer.from(idxBytes([3], [2, 1, 0])));
      await assert.rejects(new DatasetCache(redis, join(await tempDir(), 'd')).get(queue, ref), /do not match sha256/);
    } finally {
      await redis.del(datasetKey(queue));
      redis.disconnect();
    }
  });

  test('a folder set travels decoded, with its class names, and loads alike in a trial process from the kept files', async (t) => {
    const url = cluster.url(t);
    if (!url) return;
    await privateDatasetCache();
    const redis = new Redis(url);
    const queue = `sweep-folder-dataset-test-${process.pid}`;
    try {
      const mnist = await mnistSlice(30, 10);
      const dir = await tempDir();
      await writeClassFolders(join(dir, 'train'), mnist.train, [28, 28, 1], DIGIT_NAMES);
      await writeClassFolders(join(dir, 'test'), mnist.test, [28, 28, 1], DIGIT_NAMES);
      const spec = { format: 'folder' as const, name: 'digits', train: 'train', test: 'test', image_shape: [28, 28, 1] as [number, number, number] };
      const config = join(dir, 'config.json');
      const local = await loadDataset(spec, config);
      const ref = await sendDataset(redis, queue, spec, config);
      assert.equal(ref.kind, 'sent');
      const got = await new DatasetCache(redis, join(await tempDir(), 'datasets')).get(queue, ref);
      assert.deepEqual(got.data.classNames, [...DIGIT_NAMES].sort());
      assert.equal(got.data.name, 'digits');
      assert.deepEqual(got.data.train.images, local.train.images);
      assert.deepEqual(got.data.test.labels, local.test.labels);
      assert.ok(got.data.train.images.buffer instanceof SharedArrayBuffer);
      // What a trial process on the worker reads: IDX files and the names beside them.
      assert.ok('format' in got.spec && got.spec.format === 'idx');
      const reloaded = await loadDataset(got.spec, 'worker');
      assert.deepEqual(reloaded.classNames, got.data.classNames);
      assert.deepEqual(reloaded.train.images, local.train.images);
      // The names are under the checksum too.
      await redis.hset(datasetKey(queue), 'classes', JSON.stringify([...DIGIT_NAMES].reverse()));
      await assert.rejects(new DatasetCache(redis, join(await tempDir(), 'd')).get(queue, ref), /do not match sha256/);
    } finally {
      await redis.del(datasetKey(queue));
      redis.disconnect();
    }
  });
});
