/**
 * Decoded datasets, kept on disk so that the second trial of a sweep (a pool thread, a trial
 * process, the next `convsweep train`) does not decode 50,000 PNGs again. An entry is keyed by
 * everything that decides its bytes: the source files' paths, sizes and modification times, the
 * image shape and the resize mode; touching or replacing a file makes a new entry. Entries are
 * stored as IDX files (what the loader reads fastest, and what the queue ships) plus the class
 * names, written under a temporary name and renamed into place, so a reader never sees half of one.
 *
 * The folder is $CONVSWEEP_CACHE, else $XDG_CACHE_HOME/convsweep, else ~/.cache/convsweep;
 * CONVSWEEP_CACHE=off turns caching off. The cache only saves time: when it cannot be written
 * (a read-only home), datasets are decoded every time.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ImageSet, ImageShape } from './dataset.js';
import { idxBytes, readIdxFile } from './idx.js';

/** What a decoder makes and the cache keeps. */
export interface DecodedSets {
  train: ImageSet;
  test: ImageSet;
  classNames: string[];
}

/** Bumped when the decoding changes, so that old entries are not read as new ones. */
const CACHE_VERSION = 1;

export function cacheFolder(): string | undefined {
  const configured = process.env.CONVSWEEP_CACHE;
  if (configured === 'off') return undefined;
  if (configured) return configured;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'convsweep');
}

/** Where the entry of `key` lives, or undefined with caching off. */
function entryFolder(key: unknown): string | undefined {
  const root = cacheFolder();
  if (root === undefined) return undefined;
  const digest = createHash('sha256').update(JSON.stringify({ version: CACHE_VERSION, key })).digest('hex');
  return join(root, 'datasets', digest.slice(0, 32));
}

/**
 * The decoded sets of `key`: read from the cache, or made by `decode` and stored. `fromCache` says
 * which, for the tests and the log.
 */
export async function cachedDecode(key: unknown, shape: ImageShape, decode: () => Promise<DecodedSets>): Promise<DecodedSets & { fromCache: boolean }> {
  const folder = entryFolder(key);
  if (folder !== undefined) {
    const stored = await readEntry(folder, shape);
    if (stored) return { ...stored, fromCache: true };
  }
  const decoded = await decode();
  if (folder !== undefined) await writeEntry(folder, shape, decoded).catch(() => undefined);
  return { ...decoded, fromCache: false };
}

const FILES = { trainImages: 'train-images', trainLabels: 'train-labels', testImages: 'test-images', testLabels: 'test-labels', classes: 'classes.json' };

async function readEntry(folder: string, shape: ImageShape): Promise<DecodedSets | undefined> {
  try {
    const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
      [FILES.trainImages, FILES.trainLabels, FILES.testImages, FILES.testLabels].map((name) => readIdxFile(join(folder, name))),
    );
    const classNames = JSON.parse(await readFile(join(folder, FILES.classes), 'utf8')) as string[];
    const set = (images: typeof trainImages, labels: typeof trainLabels): ImageSet | undefined =>
      images.dims.slice(1).join() === shape.join() && labels.dims[0] === images.dims[0] ? { images: images.data, labels: labels.data, count: images.dims[0] } : undefined;
    const train = set(trainImages, trainLabels);
    const test = set(testImages, testLabels);
    if (!train || !test || !Array.isArray(classNames)) return undefined;
    return { train, test, classNames };
  } catch {
    // Missing or damaged: decoded anew and written again.
    return undefined;
  }
}

async function writeEntry(folder: string, shape: ImageShape, sets: DecodedSets): Promise<void> {
  const temp = `${folder}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(temp, { recursive: true });
  try {
    await writeFile(join(temp, FILES.trainImages), idxBytes([sets.train.count, ...shape], sets.train.images));
    await writeFile(join(temp, FILES.trainLabels), idxBytes([sets.train.count], sets.train.labels));
    await writeFile(join(temp, FILES.testImages), idxBytes([sets.test.count, ...shape], sets.test.images));
    await writeFile(join(temp, FILES.testLabels), idxBytes([sets.test.count], sets.test.labels));
    await writeFile(join(temp, FILES.classes), JSON.stringify(sets.classNames));
    // Another process may have stored the same entry meanwhile: as good as ours, and maybe being read.
    if (await readEntry(folder, shape)) return;
    // A damaged entry is in the way of the rename.
    await rm(folder, { recursive: true, force: true });
    await rename(temp, folder);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
