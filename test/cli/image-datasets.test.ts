import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageShape } from '../../src/data/dataset.js';
import { mnistSlice, privateDatasetCache, runCli, tempDir } from '../helpers.js';
import { digitNet, DIGIT_NAMES, writeClassFolders, writeCsv } from '../data/image-files.js';
import { tinyNet } from '../sweep/sweep-files.js';

const MNIST: ImageShape = [28, 28, 1];
const SORTED_NAMES = [...DIGIT_NAMES].sort();

let cache: string;
before(async () => {
  cache = await privateDatasetCache();
});


/** MNIST slices as class folders of PNG and JPEG files named after the digits, and a config training on them. */
async function imageFolderConfig(train: number, test: number): Promise<{ dir: string; config: string }> {
  const mnist = await mnistSlice(train, test);
  const dir = await tempDir();
  await writeClassFolders(join(dir, 'images', 'train'), mnist.train, MNIST, DIGIT_NAMES, ['png', 'jpeg']);
  await writeClassFolders(join(dir, 'images', 'test'), mnist.test, MNIST, DIGIT_NAMES, ['png', 'jpeg']);
  const config = join(dir, 'digits.json');
  await writeFile(config, JSON.stringify(digitNet({ format: 'folder', train: 'images/train', test: 'images/test' })));
  return { dir, config };
}

test('train on a folder of PNG and JPEG digits: it learns, and the class names reach metrics.json, classes.json and the confusion matrices', async () => {
  const { dir, config } = await imageFolderConfig(1000, 200);
  const validate = await runCli(['validate', config]);
  assert.equal(validate.code, 0, validate.stderr);
  assert.match(validate.stdout, /dataset train 28x28x1, 10 classes/);
  const out = join(dir, 'run');
  const r = await runCli(['train', config, '--out', out, '--backend', 'wasm', '--seed', '2']);
  assert.equal(r.code, 0, r.stderr);
  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
  assert.ok(metrics.test_accuracy > 0.7, `test accuracy ${metrics.test_accuracy}`);
  assert.equal(metrics.train_examples, 900);
  assert.deepEqual(metrics.classes, SORTED_NAMES);
  assert.deepEqual(JSON.parse(await readFile(join(out, 'model', 'classes.json'), 'utf8')), SORTED_NAMES);
  const confusion = (await readFile(join(out, 'confusion-test.csv'), 'utf8')).trim().split('\n');
  assert.deepEqual(confusion[0].split(',').slice(1), SORTED_NAMES);
  assert.deepEqual(confusion.slice(1).map((row) => row.split(',')[0]), SORTED_NAMES);
  assert.equal(confusion.slice(1).flatMap((row) => row.split(',').slice(1).map(Number)).reduce((a, b) => a + b, 0), 200);
  const svg = await readFile(join(out, 'confusion-test.svg'), 'utf8');
  for (const name of SORTED_NAMES) assert.ok(svg.includes(`>${name}<`), `the chart names ${name}`);
  // The run's config.json repeats the run on its own: absolute folders and the shape they decode to.
  const resolved = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
  assert.deepEqual(resolved.dataset, { format: 'folder', train: join(dir, 'images', 'train'), test: join(dir, 'images', 'test'), image_shape: [28, 28, 1] });
  assert.ok((await readdir(join(cache, 'datasets'))).length >= 1, 'the decoded set is cached');
});

test('train on a Kaggle-layout CSV file: names "0" to "9" for integer labels', async () => {
  const mnist = await mnistSlice(300, 100);
  const dir = await tempDir();
  await writeCsv(join(dir, 'train.csv'), mnist.train, MNIST);
  await writeCsv(join(dir, 'test.csv'), mnist.test, MNIST);
  const config = join(dir, 'kaggle.json');
  await writeFile(config, JSON.stringify(digitNet({ format: 'csv', train: 'train.csv', test: 'test.csv' }, { epochs: 1 })));
  const out = join(dir, 'run');
  const r = await runCli(['train', config, '--out', out, '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
  assert.deepEqual(metrics.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(metrics.dataset, 'train');
  assert.equal(metrics.test_examples, 100);
});

test('bad data: exit 2, one line naming the file, nothing written', async () => {
  const { dir, config } = await imageFolderConfig(40, 20);
  const out = join(dir, 'run');
  const classDir = join(dir, 'images', 'train', 'three');
  const [first] = await readdir(classDir);
  await writeFile(join(classDir, first), 'this is no image');
  for (const command of [['train', config, '--out', out], ['validate', config]]) {
    const r = await runCli(command);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `${join(classDir, first)}: not an image (PNG, JPEG, BMP, WebP or GIF expected) (remove the file, or convert it)\n`);
  }
  assert.equal(existsSync(out), false);

  const csv = join(dir, 'ragged.json');
  await writeFile(join(dir, 'train.csv'), 'label,a,b,c,d\n1,2,3,4,5\n1,2,3\n');
  await writeFile(csv, JSON.stringify({ ...digitNet({ format: 'csv', train: 'train.csv', test: 'train.csv' }), layers: [{ type: 'Flatten', input_shape: [2, 2, 1] }, { type: 'Dense', units: 2, activation: 'softmax' }] }));
  const r = await runCli(['train', csv, '--out', out]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `${join(dir, 'train.csv')}: line 3: 3 values, but the header has 5 columns (every row needs a label and every pixel)\n`);
  assert.equal(existsSync(out), false);
});

test('a sweep over a folder dataset: both trials train on the decoded images, and best/ and the report carry the class names', async () => {
  const { dir } = await imageFolderConfig(240, 60);
  const sweep = join(dir, 'sweep.json');
  await writeFile(sweep, JSON.stringify({ name: 'digits', base: { ...tinyNet(), dataset: { format: 'folder', train: 'images/train', test: 'images/test' } }, grid: { learning_rate: [0.01, 0.003] }, epochs: 1 }));
  const out = join(dir, 'sweep-out');
  const r = await runCli(['run', sweep, '--out', out, '--backend', 'wasm', '--workers', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2 completed, 0 failed/);
  assert.deepEqual(JSON.parse(await readFile(join(out, 'best', 'model', 'classes.json'), 'utf8')), SORTED_NAMES);
  const html = await readFile(join(out, 'report.html'), 'utf8');
  // The per-class table of the best trial: one row a class, by name.
  assert.ok(SORTED_NAMES.every((name) => html.includes(`<tr><td>${name}</td>`)), 'the report names the classes');
});
