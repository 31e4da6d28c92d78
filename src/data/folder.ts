/**
 * Folder datasets, as Keras' image_dataset_from_directory reads them: one subfolder per class,
 * named after it, classes sorted by name; images anywhere below a class folder. Hidden files
 * (.DS_Store, ._x) are skipped; any other file must be an image.
 *
 * Examples are not kept in folder order: validation_split takes the last examples and the limits
 * the first ones, which in folder order would be whole classes. They are ordered by a hash of their
 * path instead: the same order on every load and machine, every class spread through it.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { InputError } from '../errors.js';
import { classIndex, listClasses, MAX_CLASSES } from './classes.js';
import type { ImageSet, ImageShape } from './dataset.js';
import { decodeImage, type ResizeMode } from './images.js';

export interface LabelledFile {
  path: string;
  label: number;
}

export interface ClassFolder {
  classNames: string[];
  files: LabelledFile[];
}

/** Where in the config a folder is named, for messages. */
export interface FieldRef {
  file: string;
  path: string;
}

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

async function entries(dir: string, where: FieldRef): Promise<{ name: string; path: string; isDir: boolean }[]> {
  let list;
  try {
    list = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError({ ...where, message: `folder ${dir} does not exist` });
    if (code === 'ENOTDIR') throw new InputError({ ...where, message: `${dir} is a file, not a folder`, hint: 'a folder dataset names folders of class subfolders; for a CSV file use "format": "csv"' });
    throw new InputError({ ...where, message: `cannot read folder ${dir} (${code ?? String(err)})` });
  }
  const named = list.filter((e) => !isHidden(e.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Promise.all(
    named.map(async (e) => {
      const path = join(dir, e.name);
      // A symbolic link counts as what it points to.
      const isDir = e.isSymbolicLink() ? (await stat(path).catch(() => undefined))?.isDirectory() ?? false : e.isDirectory();
      return { name: e.name, path, isDir };
    }),
  );
}

/** Every file below `dir` but hidden ones, sorted by path. */
export async function filesBelow(dir: string, where: FieldRef): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await entries(dir, where)) {
    if (entry.isDir) found.push(...(await filesBelow(entry.path, where)));
    else found.push(entry.path);
  }
  return found;
}

/** A folder of class subfolders → class names and labelled files, in the fixed order described above. */
export async function readClassFolder(root: string, where: FieldRef): Promise<ClassFolder> {
  const classDirs = (await entries(root, where)).filter((e) => e.isDir);
  if (classDirs.length === 0) throw new InputError({ ...where, message: `${root} has no class subfolders`, hint: 'put the images of each class in a subfolder named after the class' });
  if (classDirs.length > MAX_CLASSES) throw new InputError({ ...where, message: `${root} has ${classDirs.length} class subfolders, more than ${MAX_CLASSES}` });
  const files: LabelledFile[] = [];
  for (const [label, dir] of classDirs.entries()) {
    const inClass = await filesBelow(dir.path, where);
    if (inClass.length === 0) throw new InputError({ file: dir.path, path: '', message: `class folder "${dir.name}" holds no images`, hint: 'add images or remove the folder' });
    for (const path of inClass) files.push({ path, label });
  }
  return { classNames: classDirs.map((d) => d.name), files: inHashOrder(files, root) };
}

function inHashOrder(files: LabelledFile[], root: string): LabelledFile[] {
  const keyed = files.map((f) => ({ f, key: createHash('sha1').update(relative(root, f.path).split(sep).join('/')).digest('hex') }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.f);
}

/**
 * A folder's labels as indices into `classNames` (the training folder's, or a model's); a class
 * folder that is none of them is an error.
 */
export function relabel(folder: ClassFolder, classNames: string[], where: FieldRef, owner: 'training folder' | 'model'): LabelledFile[] {
  const lookup = classIndex(classNames);
  const mapping = folder.classNames.map((name) => {
    const i = lookup(name);
    if (i === undefined) {
      throw new InputError({ ...where, message: `class "${name}" is not ${owner === 'model' ? 'a class of the model' : 'a training class'}`, hint: `the ${owner} has ${listClasses(classNames)}` });
    }
    return i;
  });
  return folder.files.map((f) => ({ path: f.path, label: mapping[f.label] }));
}

/** Each file's size and modification time: what the decoded-dataset cache is keyed by. */
export async function fileStamps(paths: string[]): Promise<[string, number, number][]> {
  return Promise.all(
    paths.map(async (path) => {
      const s = await stat(path).catch(() => undefined);
      return [path, s?.size ?? -1, s?.mtimeMs ?? -1] as [string, number, number];
    }),
  );
}

/** Decoding runs this many images at once: sharp works on libuv's thread pool, and this keeps it busy. */
const DECODE_CONCURRENCY = 8;

/** The images of `paths`, decoded in order into one buffer. */
export async function decodeImages(paths: string[], shape: ImageShape, resize: ResizeMode): Promise<Uint8Array> {
  const size = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(paths.length * size);
  let next = 0;
  let failed: { index: number; err: unknown } | undefined;
  const work = async () => {
    while (!failed && next < paths.length) {
      const i = next++;
      try {
        images.set(await decodeImage(paths[i], shape, resize), i * size);
      } catch (err) {
        failed ??= { index: i, err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, paths.length) }, work));
  if (failed) {
    // Decoded again, alone, for its message: libvips keeps one error buffer for all its threads,
    // and a failure among concurrent decodes can come out as "Unknown error".
    await decodeImage(paths[failed.index], shape, resize);
    throw failed.err;
  }
  return images;
}

export async function decodeLabelled(files: LabelledFile[], shape: ImageShape, resize: ResizeMode): Promise<ImageSet> {
  const images = await decodeImages(files.map((f) => f.path), shape, resize);
  return { images, labels: Uint8Array.from(files, (f) => f.label), count: files.length };
}
