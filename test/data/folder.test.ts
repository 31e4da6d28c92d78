import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { validateConfig } from '../../src/config/load.js';
import type { ImageShape } from '../../src/data/dataset.js';
import { decodeBmp } from '../../src/data/bmp.js';
import { decodeImage } from '../../src/data/images.js';
import { loadDataset } from '../../src/data/load.js';
import { inputError, mnistSlice, privateDatasetCache, tempDir } from '../helpers.js';
import { DIGIT_NAMES, writeClassFolders, writeImage, type ImageFormat } from './image-files.js';

const MNIST: ImageShape = [28, 28, 1];
const folderSpec = (dir: string, extra: object = {}) => ({ format: 'folder' as const, train: join(dir, 'train'), test: join(dir, 'test'), image_shape: MNIST, ...extra });

before(privateDatasetCache);


test('a folder of PNG class folders decodes to exactly the pixels and classes it was written from', async () => {
  const mnist = await mnistSlice(120, 40);
  const dir = await tempDir();
  const trainFiles = await writeClassFolders(join(dir, 'train'), mnist.train, MNIST, DIGIT_NAMES);
  await writeClassFolders(join(dir, 'test'), mnist.test, MNIST, DIGIT_NAMES);
  const data = await loadDataset(folderSpec(dir), join(dir, 'config.json'));
  assert.deepEqual(data.classNames, [...DIGIT_NAMES].sort(), 'classes sorted by folder name, as Keras sorts them');
  assert.equal(data.classes, 10);
  assert.equal(data.name, 'train');
  assert.deepEqual(data.imageShape, MNIST);
  assert.equal(data.train.count, 120);
  assert.equal(data.test.count, 40);
  // Each decoded example is one written file, byte for byte, with its class.
  const originals = new Map<string, number>();
  for (const [, i] of trainFiles) originals.set(Buffer.from(mnist.train.images.subarray(i * 784, (i + 1) * 784)).toString('hex'), i);
  for (let k = 0; k < data.train.count; k++) {
    const i = originals.get(Buffer.from(data.train.images.subarray(k * 784, (k + 1) * 784)).toString('hex'));
    assert.ok(i !== undefined, `decoded image ${k} is none of the written ones`);
    assert.equal(data.classNames[data.train.labels[k]], DIGIT_NAMES[mnist.train.labels[i]]);
  }
  // Not in folder order: the first quarter (what a train_limit keeps) and the last tenth (validation) hold many classes.
  assert.ok(new Set(data.train.labels.subarray(0, 30)).size >= 5, 'the first examples span the classes');
  assert.ok(new Set(data.train.labels.subarray(108)).size >= 4, 'the validation split spans the classes');
});

test('JPEG, WebP, GIF and BMP files decode to the pixels drawn into them', async () => {
  const dir = await tempDir();
  // Left half white, right half black: survives JPEG's losses well within a tolerance.
  const pixels = Uint8Array.from({ length: 784 }, (_, i) => (i % 28 < 14 ? 255 : 0));
  for (const format of ['jpeg', 'webp', 'gif', 'png'] as ImageFormat[]) {
    const path = join(dir, `half.${format}`);
    await writeImage(path, pixels, MNIST, format);
    const decoded = await decodeImage(path, MNIST);
    const worst = decoded.reduce((m, v, i) => Math.max(m, Math.abs(v - pixels[i])), 0);
    assert.ok(worst <= (format === 'jpeg' ? 60 : 0), `${format}: largest difference ${worst}`);
    assert.ok(decoded.reduce((s, v, i) => s + Math.abs(v - pixels[i]), 0) / 784 < 6, `${format}: mean difference`);
  }
  // A 24-bit bottom-up BMP, written by hand: 2x2, top row red and white, bottom row black and blue.
  const bmp = bmpFile(2, 2, [[0, 0, 0], [255, 0, 0], [0, 0, 255], [255, 255, 255]]);
  assert.deepEqual([...decodeBmp(bmp).data], [255, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 255, 255]);
  await writeFile(join(dir, 'tiny.bmp'), bmp);
  const gray = await decodeImage(join(dir, 'tiny.bmp'), [2, 2, 1]);
  assert.equal(gray[1], 255, 'white stays white');
  assert.equal(gray[2], 0, 'black stays black');
  // Keras' (ITU-R 601) weights: red 0.299 × 255, blue 0.114 × 255.
  assert.deepEqual([gray[0], gray[3]], [76, 29]);
});

/** A 24-bit BMP of `pixels` given bottom row first, as the format stores them, [b, g, r] each. */
function bmpFile(width: number, height: number, pixels: number[][]): Uint8Array {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const bytes = new Uint8Array(54 + stride * height);
  const view = new DataView(bytes.buffer);
  bytes.set([0x42, 0x4d]);
  view.setUint32(2, bytes.length, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  pixels.forEach((bgr, i) => bytes.set(bgr, 54 + Math.floor(i / width) * stride + (i % width) * 3));
  return bytes;
}

test('images of another size are resized to input_shape: stretched by default, padded on black with "pad"', async () => {
  const dir = await tempDir();
  // 20 rows by 40 columns, all white: stretched it fills 28x28, padded it is a white band of 14 rows.
  const wide = join(dir, 'wide.png');
  await sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toFile(wide);
  const stretched = await decodeImage(wide, MNIST, 'stretch');
  assert.ok(stretched.every((v) => v === 255));
  const padded = await decodeImage(wide, MNIST, 'pad');
  const rowMean = (r: number) => padded.subarray(r * 28, (r + 1) * 28).reduce((a, b) => a + b, 0) / 28;
  assert.equal(rowMean(0), 0);
  assert.equal(rowMean(27), 0);
  assert.equal(rowMean(14), 255);
  assert.equal(Array.from({ length: 28 }, (_, r) => rowMean(r)).filter((m) => m === 255).length, 14);
  // A 56x56 upscale of an MNIST digit comes back close to the digit.
  const digit = (await mnistSlice(1, 1)).train.images;
  const big = join(dir, 'big.png');
  await sharp(Buffer.from(digit), { raw: { width: 28, height: 28, channels: 1 } }).resize(56, 56, { kernel: 'linear' }).png().toFile(big);
  const back = await decodeImage(big, MNIST);
  const mean = back.reduce((s, v, i) => s + Math.abs(v - digit[i]), 0) / 784;
  assert.ok(mean < 12, `mean difference ${mean}`);
});

test('validateConfig records the first layer\'s input_shape as the shape a folder or CSV dataset decodes to', () => {
  const layers = [{ type: 'Flatten', input_shape: [20, 24, 1] }, { type: 'Dense', units: 3, activation: 'softmax' }];
  const config = validateConfig({ layers, dataset: { format: 'folder', train: 'a', test: 'b' } }, 'c.json');
  assert.deepEqual(config.dataset, { format: 'folder', train: 'a', test: 'b', image_shape: [20, 24, 1] });
  const csv = validateConfig({ layers, dataset: { format: 'csv', train: 'a.csv', test: 'b.csv' } }, 'c.json');
  assert.ok('image_shape' in csv.dataset && csv.dataset.image_shape?.join() === '20,24,1');
  assert.throws(() => validateConfig({ layers, dataset: { format: 'folder', train: 'a', test: 'b', resize: 'crop' } }, 'c.json'), /\/dataset\/resize: unknown value "crop"/);
});

test('bad folders and bad images are one-line errors naming the folder or file', async () => {
  // The first 60 training examples hold every digit, so the test folder has no class the training folder lacks.
  const mnist = await mnistSlice(60, 20);
  const dir = await tempDir();
  await writeClassFolders(join(dir, 'train'), mnist.train, MNIST, DIGIT_NAMES);
  await writeClassFolders(join(dir, 'test'), mnist.test, MNIST, DIGIT_NAMES);
  const config = join(dir, 'config.json');
  const load = (extra: object = {}) => loadDataset(folderSpec(dir, extra), config);

  assert.match(await inputError(load({ test: join(dir, 'missing') })), new RegExp(`^${config}: /dataset/test: folder ${dir}/missing does not exist$`));
  await mkdir(join(dir, 'flat'));
  await writeFile(join(dir, 'flat', 'a.png'), '');
  assert.match(await inputError(load({ train: join(dir, 'flat') })), /\/dataset\/train: .*flat has no class subfolders \(put the images of each class in a subfolder named after the class\)$/);

  const trainClass = (await readdir(join(dir, 'train')))[0];
  const [first] = await readdir(join(dir, 'train', trainClass));
  const image = join(dir, 'train', trainClass, first);
  const original = await readFile(image);
  await writeFile(image, original.subarray(0, Math.floor(original.length / 2)));
  assert.match(await inputError(load()), new RegExp(`^${image}: truncated or corrupted image \\(.+\\) \\(the file may be incomplete\\)$`));
  await writeFile(image, 'not a picture at all');
  assert.match(await inputError(load()), new RegExp(`^${image}: not an image \\(PNG, JPEG, BMP, WebP or GIF expected\\)`));
  await writeFile(image, original);

  const jpeg = join(dir, 'train', trainClass, 'cut.jpg');
  await writeImage(jpeg, mnist.train.images.subarray(0, 784), MNIST, 'jpeg');
  await truncate(jpeg, Math.floor((await stat(jpeg)).size * 0.6));
  assert.match(await inputError(load()), new RegExp(`^${jpeg}: truncated or corrupted image \\(VipsJpeg: premature end`));
  await writeFile(jpeg, await sharp(Buffer.from(mnist.train.images.subarray(0, 784)), { raw: { width: 28, height: 28, channels: 1 } }).jpeg().toBuffer());
  await writeFile(join(dir, 'train', trainClass, '.DS_Store'), 'hidden files are skipped');

  await mkdir(join(dir, 'train', 'empty'));
  assert.match(await inputError(load()), new RegExp(`^${dir}/train/empty: class folder "empty" holds no images \\(add images or remove the folder\\)$`));
  await mkdir(join(dir, 'test', 'extra'));
  await writeImage(join(dir, 'test', 'extra', 'x.png'), mnist.test.images.subarray(0, 784), MNIST, 'png');
  await writeImage(join(dir, 'train', 'empty', 'x.png'), mnist.test.images.subarray(0, 784), MNIST, 'png');
  assert.match(await inputError(load()), /\/dataset\/test: class "extra" is not a training class \(the training folder has eight, empty, five, .*, zero\)$/);
  await mkdir(join(dir, 'train', 'extra'));
  await writeImage(join(dir, 'train', 'extra', 'y.png'), mnist.test.images.subarray(0, 784), MNIST, 'png');
  const data = await load();
  assert.equal(data.train.count, 60 + 1 + 2);
  assert.ok(data.classNames.includes('extra') && data.classNames.includes('empty'));
  assert.match(await inputError(load({ image_shape: [28, 28, 2] })), /\/dataset\/image_shape: images are decoded to 1 \(grayscale\) or 3 \(RGB\) channels, not 2/);
});

test('a decoded folder is cached by its files\' sizes and modification times', async () => {
  const mnist = await mnistSlice(20, 10);
  const dir = await tempDir();
  const files = await writeClassFolders(join(dir, 'train'), mnist.train, MNIST, DIGIT_NAMES);
  await writeClassFolders(join(dir, 'test'), mnist.test, MNIST, DIGIT_NAMES);
  const config = join(dir, 'config.json');
  const [path] = files.keys();
  // A whole second, which utimes sets exactly (a file system's own times have nanoseconds).
  const mtime = 1_700_000_000;
  await utimes(path, mtime, mtime);
  const first = await loadDataset(folderSpec(dir), config);
  // One image replaced by another of the same size, its modification time put back: the cache,
  // which does not read the files, still gives the first decoding.
  const bytes = await readFile(path);
  await writeFile(path, Buffer.alloc(bytes.length, 7));
  await utimes(path, mtime, mtime);
  const again = await loadDataset(folderSpec(dir), config);
  assert.deepEqual(again.train.images, first.train.images);
  assert.deepEqual(again.classNames, first.classNames);
  // Touched, the file is read again, and found to be no image.
  await utimes(path, new Date(), new Date());
  assert.match(await inputError(loadDataset(folderSpec(dir), config)), /not an image/);
  // Another shape is another entry.
  await writeFile(path, bytes);
  const small = await loadDataset(folderSpec(dir, { image_shape: [14, 14, 1] }), config);
  assert.equal(small.train.images.length, 20 * 196);
  // Off, nothing is cached.
  process.env.CONVSWEEP_CACHE = 'off';
  try {
    await writeFile(path, Buffer.alloc(bytes.length, 7));
    await utimes(path, mtime, mtime);
    assert.match(await inputError(loadDataset(folderSpec(dir), config)), /not an image/);
  } finally {
    await privateDatasetCache();
  }
});
