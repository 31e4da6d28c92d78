/**
 * What decoding a user's own images costs, and what the decoded-dataset cache saves: MNIST images
 * written as a folder of PNG class folders (`--images`, from the 60,000 training images) loaded
 * cold (decoded with sharp) and warm (from the cache), and a Kaggle-layout CSV of `--rows` rows
 * (42,000, Kaggle's train.csv, about 76 MB) streamed, with the process' peak RSS.
 *
 *   npm run build && node dist/bench/decode-datasets.js [--images 10000] [--rows 42000]
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../src/data/load.js';
import { limitData } from '../src/train/run.js';
import { DIGIT_NAMES, writeClassFolders } from '../test/data/image-files.js';
import { numberFlag } from './flags.js';

const images = numberFlag('images', 10000);
const rows = numberFlag('rows', 42000);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const peakRss = () => process.resourceUsage().maxRSS * 1024;

const dir = await mkdtemp(join(tmpdir(), 'convsweep-decode-bench-'));
process.env.CONVSWEEP_CACHE = join(dir, 'cache');
try {
  const mnist = await loadDataset({ name: 'mnist' }, 'bench');
  const shape = mnist.imageShape;
  const size = shape[0] * shape[1] * shape[2];

  // Written a line at a time, so that the writing does not set the peak the reading is measured by.
  const csv = join(dir, 'train.csv');
  const out = createWriteStream(csv);
  out.write(['label', ...Array.from({ length: size }, (_, i) => `pixel${i}`)].join(',') + '\n');
  for (let r = 0; r < rows; r++) {
    const i = r % mnist.train.count;
    if (!out.write(`${mnist.train.labels[i]},${mnist.train.images.subarray(i * size, (i + 1) * size).join(',')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const rssBefore = peakRss();
  let started = performance.now();
  const fromCsv = await loadDataset({ format: 'csv', train: csv, test: csv, image_shape: shape }, join(dir, 'c.json'));
  const csvSeconds = (performance.now() - started) / 1000;
  console.log(`CSV: ${rows} rows, ${mb((await stat(csv)).size)} MB, read twice (train and test) in ${csvSeconds.toFixed(1)} s; peak RSS ${mb(peakRss())} MB (before reading ${mb(rssBefore)} MB); ${fromCsv.train.count} + ${fromCsv.test.count} images`);
  started = performance.now();
  await loadDataset({ format: 'csv', train: csv, test: csv, image_shape: shape }, join(dir, 'c.json'));
  console.log(`CSV again, from the cache: ${((performance.now() - started) / 1000).toFixed(2)} s`);

  const slice = limitData(mnist, { train_limit: images, test_limit: Math.ceil(images / 6) });
  await writeClassFolders(join(dir, 'train'), slice.train, shape, DIGIT_NAMES);
  await writeClassFolders(join(dir, 'test'), slice.test, shape, DIGIT_NAMES);
  const spec = { format: 'folder' as const, train: join(dir, 'train'), test: join(dir, 'test'), image_shape: shape };
  const total = slice.train.count + slice.test.count;
  started = performance.now();
  await loadDataset(spec, join(dir, 'c.json'));
  const cold = (performance.now() - started) / 1000;
  started = performance.now();
  await loadDataset(spec, join(dir, 'c.json'));
  const warm = (performance.now() - started) / 1000;
  console.log(`folder: ${total} PNG files decoded in ${cold.toFixed(1)} s (${(total / cold).toFixed(0)} images/s); from the cache ${warm.toFixed(2)} s (listing and stat of every file included)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
