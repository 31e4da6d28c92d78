import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Dataset, ImageShape } from '../../src/data/dataset.js';
import { idxBytes } from '../../src/data/idx.js';
import { mnistSlice, privateDatasetCache, runCli, tempDir } from '../helpers.js';
import { digitNet, DIGIT_NAMES, writeClassFolders, writeCsv } from '../data/image-files.js';

const MNIST: ImageShape = [28, 28, 1];
const SORTED_NAMES = [...DIGIT_NAMES].sort();

let dir: string;
let run: string;
let mnist: Dataset;
/** Each test image file → its digit. */
let truth: Map<string, number>;
let metrics: { test_accuracy: number; test_loss: number };

/** One model trained on PNG folders of digits, for every test below. */
before(async () => {
  await privateDatasetCache();
  mnist = await mnistSlice(1000, 150);
  dir = await tempDir();
  await writeClassFolders(join(dir, 'train'), mnist.train, MNIST, DIGIT_NAMES);
  const files = await writeClassFolders(join(dir, 'test'), mnist.test, MNIST, DIGIT_NAMES);
  truth = new Map([...files].map(([path, i]) => [path, mnist.test.labels[i]]));
  const config = join(dir, 'digits.json');
  await writeFile(config, JSON.stringify(digitNet({ format: 'folder', train: 'train', test: 'test' })));
  run = join(dir, 'run');
  const r = await runCli(['train', config, '--out', run, '--backend', 'wasm', '--seed', '4']);
  assert.equal(r.code, 0, r.stderr);
  metrics = JSON.parse(await readFile(join(run, 'metrics.json'), 'utf8'));
});

type Row = Record<string, string>;
const rowsOf = (csv: string): Row[] => parse(csv, { columns: true });

test('predict: one row an image, its class by name, the top K in order; as many right as the training run measured', async () => {
  const out = join(dir, 'predictions.csv');
  const r = await runCli(['predict', run, join(dir, 'test'), '--top', '3', '--out', out, '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const rows = rowsOf(await readFile(out, 'utf8'));
  assert.deepEqual(Object.keys(rows[0]), ['file', 'row', 'class', 'probability', 'class_2', 'probability_2', 'class_3', 'probability_3']);
  assert.equal(rows.length, 150);
  let right = 0;
  for (const row of rows) {
    const p = [row.probability, row.probability_2, row.probability_3].map(Number);
    assert.ok(p[0] >= p[1] && p[1] >= p[2] && p[0] <= 1 && p[2] >= 0, `probabilities in order: ${p}`);
    assert.equal(new Set([row.class, row.class_2, row.class_3]).size, 3);
    assert.ok(SORTED_NAMES.includes(row.class));
    if (row.class === DIGIT_NAMES[truth.get(row.file)!]) right++;
  }
  // The test folder is the run's test set: the same images, the same preprocessing, the same answers.
  assert.equal(right / 150, metrics.test_accuracy);
});

test('predict reads CSV (with or without a label column) and IDX files, and gives their images the answers it gives the PNGs', async () => {
  const pngs = rowsOf((await runCli(['predict', run, join(dir, 'test'), '--backend', 'wasm'])).stdout);
  const byIndex = new Map(pngs.map((row) => [Number(basename(row.file).slice(3, 8)), row]));
  const csv = join(dir, 'kaggle-test.csv');
  // Kaggle's test.csv has no label column.
  const withLabels = join(dir, 'labelled.csv');
  await writeCsv(withLabels, mnist.test, MNIST);
  const lines = (await readFile(withLabels, 'utf8')).split('\n');
  await writeFile(csv, lines.map((l) => l.slice(l.indexOf(',') + 1)).join('\n'));
  const idx = join(dir, 'test-images');
  await writeFile(idx, idxBytes([150, 28, 28], mnist.test.images));
  const r = await runCli(['predict', run, csv, idx, withLabels, '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  const rows = rowsOf(r.stdout);
  assert.equal(rows.length, 450);
  rows.forEach((row, k) => {
    const i = k % 150;
    assert.equal(row.file, [csv, idx, withLabels][Math.floor(k / 150)]);
    assert.equal(Number(row.row), row.file === idx ? i : i + 2, 'IDX rows by index, CSV rows by line');
    assert.equal(row.class, byIndex.get(i)!.class);
    assert.ok(Math.abs(Number(row.probability) - Number(byIndex.get(i)!.probability)) < 1e-5);
  });
});

test('evaluate: the run\'s test metrics again, per-class precision, recall and F1, the confusion matrix as files', async () => {
  const out = join(dir, 'evaluation');
  const r = await runCli(['evaluate', run, '--data', join(dir, 'test'), '--out', out, '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${join(dir, 'test')}: 150 examples, accuracy ${metrics.test_accuracy.toFixed(4)}, loss ${metrics.test_loss.toFixed(4)}\n`));
  assert.match(r.stdout, /\nclass\s+precision\s+recall\s+f1\s+support\n/);
  for (const name of SORTED_NAMES) assert.match(r.stdout, new RegExp(`\n${name}\\s+[01]\\.\\d{4}\\s+[01]\\.\\d{4}\\s+[01]\\.\\d{4}\\s+\\d+\n`));
  assert.deepEqual((await readdir(out)).sort(), ['confusion.csv', 'confusion.png', 'confusion.svg', 'evaluation.json']);
  const report = JSON.parse(await readFile(join(out, 'evaluation.json'), 'utf8'));
  assert.equal(report.accuracy, metrics.test_accuracy);
  assert.ok(Math.abs(report.loss - metrics.test_loss) < 1e-6);
  // Each class's scores from the matrix, as scikit-learn's classification_report defines them.
  const { labels, matrix } = report.confusion;
  assert.deepEqual(labels, SORTED_NAMES);
  report.classes.forEach((c: { class: string; precision: number; recall: number; f1: number; support: number }, i: number) => {
    const column = matrix.reduce((s: number, row: number[]) => s + row[i], 0);
    const support = matrix[i].reduce((a: number, b: number) => a + b, 0);
    assert.equal(c.class, labels[i]);
    assert.equal(c.support, support);
    assert.ok(Math.abs(c.precision - (column ? matrix[i][i] / column : 0)) < 1e-12);
    assert.ok(Math.abs(c.recall - matrix[i][i] / support) < 1e-12);
    assert.ok(Math.abs(c.f1 - (c.precision + c.recall ? (2 * c.precision * c.recall) / (c.precision + c.recall) : 0)) < 1e-12);
  });
  assert.equal(report.weighted.recall.toFixed(12), report.accuracy.toFixed(12), 'support-weighted recall is accuracy');
  assert.equal((await readFile(join(out, 'confusion.csv'), 'utf8')).split('\n')[0], `true\\predicted,${SORTED_NAMES.join(',')}`);
});

test('evaluate on a labelled CSV of named digits and on a dataset .json file; --json prints the report', async () => {
  const csv = join(dir, 'named.csv');
  await writeCsv(csv, mnist.test, MNIST, (l) => DIGIT_NAMES[l]);
  const r = await runCli(['evaluate', run, '--data', csv, '--json', '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  const fromCsv = JSON.parse(r.stdout);
  assert.equal(fromCsv.examples, 150);
  // The PNGs are lossless: the same pixels as the CSV's, the same accuracy.
  assert.equal(fromCsv.accuracy, metrics.test_accuracy);
  const entry = join(dir, 'dataset.json');
  await writeFile(entry, JSON.stringify({ format: 'csv', train: 'named.csv', test: 'named.csv' }));
  const fromEntry = JSON.parse((await runCli(['evaluate', run, '--data', entry, '--json', '--backend', 'wasm'])).stdout);
  assert.equal(fromEntry.accuracy, metrics.test_accuracy);
  assert.deepEqual(fromEntry.confusion, fromCsv.confusion);
});

test('predict and evaluate refuse bad input with exit 2, one line, nothing written', async () => {
  const out = join(dir, 'refused');
  const junk = join(dir, 'notes.txt');
  await writeFile(junk, 'not an image');
  const cases: [string[], RegExp][] = [
    [['predict', run, junk, '--out', out], new RegExp(`^${junk}: not an image \\(PNG, JPEG, BMP, WebP or GIF expected\\)`)],
    [['predict', run, join(dir, 'nothing.png'), '--out', out], /nothing\.png: does not exist$/],
    [['predict', join(dir, 'train'), junk, '--out', out], /train: holds no model \(no model\.json, nor model\/model\.json\) \(name a train output folder or a sweep's best\/\)$/],
    [['predict', run, junk, '--top', '11', '--out', out], /^--top: 11 is more than the model's 10 classes$/],
    [['evaluate', run, '--data', join(dir, 'named.csv'), '--out', out], /./],
  ];
  await writeCsv(join(dir, 'named.csv'), { ...mnist.test, count: 3 }, MNIST, (l) => (l === mnist.test.labels[1] ? 'ten' : DIGIT_NAMES[l]));
  cases[4][1] = /named\.csv: line 3: label "ten" is not a known class \(the classes are eight, five, four, nine, one, seven, six, three, two, zero\)$/;
  for (const [args, message] of cases) {
    const r = await runCli([...args, '--backend', 'wasm']);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), message);
    assert.equal(existsSync(out), false);
  }
});
