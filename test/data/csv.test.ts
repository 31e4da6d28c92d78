import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageShape } from '../../src/data/dataset.js';
import { readCsvImages } from '../../src/data/csv.js';
import { loadDataset } from '../../src/data/load.js';
import { inputError, mnistSlice, privateDatasetCache, tempDir } from '../helpers.js';
import { DIGIT_NAMES, writeCsv } from './image-files.js';

const MNIST: ImageShape = [28, 28, 1];
const csvSpec = (dir: string, extra: object = {}) => ({ format: 'csv' as const, train: 'train.csv', test: 'test.csv', image_shape: MNIST, ...extra });

before(privateDatasetCache);


test('a Kaggle digit-recognizer CSV with integer labels reads back the pixels and labels it was written from', async () => {
  const mnist = await mnistSlice(200, 50);
  const dir = await tempDir();
  await writeCsv(join(dir, 'train.csv'), mnist.train, MNIST);
  await writeCsv(join(dir, 'test.csv'), mnist.test, MNIST);
  const data = await loadDataset(csvSpec(dir), join(dir, 'config.json'));
  assert.equal(data.name, 'train');
  assert.deepEqual(data.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual(data.train.images, mnist.train.images);
  assert.deepEqual(data.train.labels, mnist.train.labels);
  assert.deepEqual(data.test.images, mnist.test.images);
  assert.deepEqual(data.test.labels, mnist.test.labels);
});

test('named labels become classes sorted by name; a test label that is not one is an error naming its line', async () => {
  const mnist = await mnistSlice(100, 30);
  const dir = await tempDir();
  await writeCsv(join(dir, 'train.csv'), mnist.train, MNIST, (l) => DIGIT_NAMES[l]);
  await writeCsv(join(dir, 'test.csv'), mnist.test, MNIST, (l) => DIGIT_NAMES[l]);
  const data = await loadDataset(csvSpec(dir), join(dir, 'config.json'));
  assert.deepEqual(data.classNames, [...DIGIT_NAMES].sort());
  data.train.labels.forEach((label, i) => assert.equal(data.classNames[label], DIGIT_NAMES[mnist.train.labels[i]]));
  await writeCsv(join(dir, 'test.csv'), mnist.test, MNIST, (l) => (l === mnist.test.labels[4] ? 'eleven' : DIGIT_NAMES[l]));
  // The header is line 1, so the fifth image is on line 6.
  assert.match(await inputError(loadDataset(csvSpec(dir), join(dir, 'config.json'))), new RegExp(`^${dir}/test.csv: line 6: label "eleven" is not a known class \\(the classes are eight, five, four, nine, one, seven, six, three, two, zero\\)$`));
});

test('bad CSV files are one-line errors naming the file and the line', async () => {
  const dir = await tempDir();
  const file = join(dir, 'x.csv');
  const shape: ImageShape = [2, 2, 1];
  const read = async (text: string, labels: 'required' | 'optional' = 'required') => {
    await writeFile(file, text);
    return inputError(readCsvImages(file, shape, labels));
  };
  assert.equal(await read('label,p0,p1,p2,p3\n1,0,0,0,0\n2,9,9,9\n'), `${file}: line 3: 4 values, but the header has 5 columns (every row needs a label and every pixel)`);
  assert.equal(await read('label,p0,p1,p2,p3\n1,0,0,0,0\n\n1,0,x,0,0\n'), `${file}: line 4: column 3: "x" is not a pixel value (pixels are integers from 0 to 255)`);
  assert.match(await read('label,p0,p1,p2,p3\n1,0,256,0,0\n'), /line 2: column 3: "256" is not a pixel value/);
  assert.match(await read('label,p0,p1,p2,p3\n1,0,-1,0,0\n'), /line 2: column 3: "-1" is not a pixel value/);
  assert.match(await read('label,p0,p1,p2,p3\n1,0,0.5,0,0\n'), /line 2: column 3: "0.5" is not a pixel value/);
  assert.equal(await read('label,p0,p1,p2\n1,0,0,0\n'), `${file}: line 1: 3 pixel columns, but images of 2x2x1 need 4 (set the first layer's input_shape to match (3 = height × width))`);
  assert.equal(await read('p0,p1,p2,p3\n0,0,0,0\n'), `${file}: line 1: no "label" column in the header (name the column of the classes "label")`);
  assert.match(await read('1,0,0,0,0\n'), /line 1: the first row must be a header naming the columns/);
  assert.equal(await read(''), `${file}: empty CSV file (it needs a header row and one row an image)`);
  assert.equal(await read('label,p0,p1,p2,p3\n'), `${file}: no rows below the header`);
  assert.match(await read('label,p0,p1,p2,p3\n1,"0,0,0,0\n'), /^.*x\.csv: not a readable CSV file \(.*quote/i);
  assert.equal(await inputError(readCsvImages(join(dir, 'none.csv'), shape, 'required')), `${dir}/none.csv: cannot read CSV file (ENOENT)`);
  assert.match(await inputError(readCsvImages(dir, shape, 'required')), /is a folder, not a CSV file \(for a folder of class subfolders use "format": "folder"\)/);
  // Without a label column, when labels are optional (predict), every column is a pixel; "12.0" is 12.
  await writeFile(file, 'p0,p1,p2,p3\n1,2,3,12.0\n');
  const unlabelled = await readCsvImages(file, shape, 'optional');
  assert.equal(unlabelled.labels, undefined);
  assert.deepEqual([...unlabelled.images], [1, 2, 3, 12]);
});
