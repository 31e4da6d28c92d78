/**
 * The images a trained model is applied to, decoded as its training images were: image files and
 * folders of them (`predict`), CSV files of pixels, IDX image files; and labelled sets for
 * `evaluate` (a folder of class subfolders, a labelled CSV file, a dataset entry's test set), their
 * labels as indices into the model's classes.
 */
import { stat, open } from 'node:fs/promises';
import { extname } from 'node:path';
import { InputError } from '../errors.js';
import { classIndex, listClasses } from './classes.js';
import { readCsvImages } from './csv.js';
import type { ImageSet, ImageShape } from './dataset.js';
import { decodeImages, decodeLabelled, filesBelow, readClassFolder, relabel } from './folder.js';
import { readIdxFile } from './idx.js';
import type { ResizeMode } from './images.js';
import { labelledSet } from './load.js';

/** Where each image came from: its file, and for CSV rows the line, for IDX images the index. */
export interface InputItem {
  file: string;
  row?: number;
}

export interface Inputs {
  images: Uint8Array;
  items: InputItem[];
}

async function isIdx(file: string): Promise<boolean> {
  const handle = await open(file).catch(() => undefined);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(3);
    await handle.read(head, 0, 3, 0);
    // An IDX file starts 0x00 0x00 0x08 (unsigned bytes); no image format does.
    return head[0] === 0 && head[1] === 0 && head[2] === 8;
  } finally {
    await handle.close();
  }
}

async function kindOf(path: string): Promise<'folder' | 'csv' | 'idx' | 'image'> {
  const s = await stat(path).catch(() => undefined);
  if (!s) throw new InputError({ file: path, path: '', message: 'does not exist' });
  if (s.isDirectory()) return 'folder';
  if (extname(path).toLowerCase() === '.csv') return 'csv';
  return (await isIdx(path)) ? 'idx' : 'image';
}

/** IDX images as they are: their shape must be the model's, as in training. */
async function idxImages(file: string, shape: ImageShape): Promise<{ images: Uint8Array; count: number }> {
  const { dims, data } = await readIdxFile(file);
  const [count, height, width, channels = 1] = dims;
  if ((dims.length !== 3 && dims.length !== 4) || [height, width, channels].join() !== shape.join()) {
    throw new InputError({ file, path: '', message: `IDX array of ${dims.join('x')}, but the model takes images of ${shape.join('x')}`, hint: 'IDX images are not resized' });
  }
  return { images: data, count };
}

/** Every image that `paths` name, in the order named (a folder's files sorted by path). */
export async function readInputs(paths: string[], shape: ImageShape, resize: ResizeMode): Promise<Inputs> {
  const parts: Uint8Array[] = [];
  const items: InputItem[] = [];
  const imageFiles: string[] = [];
  // Consecutive image files are decoded together, concurrently.
  const flush = async () => {
    if (imageFiles.length === 0) return;
    parts.push(await decodeImages(imageFiles, shape, resize));
    items.push(...imageFiles.map((file) => ({ file })));
    imageFiles.length = 0;
  };
  for (const path of paths) {
    const kind = await kindOf(path);
    if (kind === 'image') imageFiles.push(path);
    else if (kind === 'folder') {
      const files = await filesBelow(path, { file: path, path: '' });
      if (files.length === 0) throw new InputError({ file: path, path: '', message: 'holds no images' });
      imageFiles.push(...files);
    } else {
      await flush();
      if (kind === 'csv') {
        const csv = await readCsvImages(path, shape, 'optional');
        parts.push(csv.images);
        items.push(...csv.lines.map((row) => ({ file: path, row })));
      } else {
        const idx = await idxImages(path, shape);
        parts.push(idx.images);
        items.push(...Array.from({ length: idx.count }, (_, row) => ({ file: path, row })));
      }
    }
  }
  await flush();
  return { images: concat(parts), items };
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/** A folder of class subfolders or a labelled CSV file, labelled by the model's classes. */
export async function readLabelledInputs(path: string, shape: ImageShape, resize: ResizeMode, classNames: string[]): Promise<ImageSet> {
  const kind = await kindOf(path);
  if (kind === 'csv') return labelledSet(await readCsvImages(path, shape, 'required'), classNames, path);
  if (kind !== 'folder') throw new InputError({ file: path, path: '', message: 'is neither a folder of class subfolders, a CSV file nor a dataset .json file' });
  const folder = await readClassFolder(path, { file: path, path: '' });
  return decodeLabelled(relabel(folder, classNames, { file: path, path: '' }, 'model'), shape, resize);
}

/** A set's labels from its own class names to the model's; a class the model lacks is an error. */
export function toModelClasses(set: ImageSet, setClasses: string[], modelClasses: string[], where: { file: string; path: string }): ImageSet {
  const lookup = classIndex(modelClasses);
  const mapping = setClasses.map((name) => lookup(name));
  const labels = Uint8Array.from(set.labels, (label) => {
    const index = mapping[label];
    if (index === undefined) throw new InputError({ ...where, message: `class "${setClasses[label]}" is not a class of the model`, hint: `the model has ${listClasses(modelClasses)}` });
    return index;
  });
  return { ...set, labels };
}
