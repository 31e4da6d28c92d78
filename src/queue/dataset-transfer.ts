/**
 * Datasets for workers that share no file system with the coordinator. The embedded MNIST is on
 * every installation, so only its name travels. Any other set is sent once per sweep as four IDX
 * files and its class names: an IDX set as its files, a folder or CSV set decoded (workers need
 * neither the images nor sharp's work). The coordinator stores them in Redis, and each worker
 * fetches them once, checks their sha256, keeps a copy in its work folder (for trial processes)
 * and shares the bytes with its pool.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { toShared, type Dataset } from '../data/dataset.js';
import { idxBytes, parseIdx } from '../data/idx.js';
import { datasetFromIdx, IDX_FIELDS, loadDataset, type DatasetSpec } from '../data/load.js';
import { InputError } from '../errors.js';
import { datasetKey } from './keys.js';
import { JobRefused, type DatasetRef } from './job.js';

const DATASET_TTL_S = 30 * 24 * 3600;

function digest(parts: Buffer[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(`${part.length}:`);
    hash.update(part);
  }
  return hash.digest('hex');
}

/** Coordinator side: what the workers need to find the sweep's dataset, stored in Redis if they cannot have it. */
export async function sendDataset(redis: Redis, queue: string, spec: DatasetSpec, configFile: string): Promise<DatasetRef> {
  if (!('format' in spec)) return { kind: 'mnist' };
  const { name, files, classes } = spec.format === 'idx' ? await idxFiles(spec, configFile) : await decodedFiles(spec, configFile);
  const sha256 = digest(withClasses(files, classes));
  const fields: Record<string, Buffer | string> = { name, sha256 };
  IDX_FIELDS.forEach((field, i) => (fields[field] = files[i]));
  if (classes) fields.classes = JSON.stringify(classes);
  // Removed with the sweep's queue; the expiry covers a sweep that is abandoned and never ends.
  await redis.multi().hset(datasetKey(queue), fields).expire(datasetKey(queue), DATASET_TTL_S).exec();
  return { kind: 'sent', name, sha256 };
}

interface SentFiles {
  name: string;
  /** In IDX_FIELDS order. */
  files: Buffer[];
  classes?: string[];
}

async function idxFiles(spec: Extract<DatasetSpec, { format: 'idx' }>, configFile: string): Promise<SentFiles> {
  const base = dirname(resolve(configFile));
  const files = await Promise.all(
    IDX_FIELDS.map(async (field) => {
      const path = resolve(base, spec[field]);
      try {
        return await readFile(path);
      } catch (err) {
        throw new InputError({ file: configFile, path: `/dataset/${field}`, message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
      }
    }),
  );
  return { name: spec.name ?? 'idx', files, classes: spec.classes };
}

/** A folder or CSV set, decoded (through the cache) and written as IDX. */
async function decodedFiles(spec: Extract<DatasetSpec, { format: 'folder' | 'csv' }>, configFile: string): Promise<SentFiles> {
  const data = await loadDataset(spec, configFile);
  const asIdx = (dims: number[], bytes: Uint8Array) => Buffer.from(idxBytes(dims, bytes));
  const files = [
    asIdx([data.train.count, ...data.imageShape], data.train.images),
    asIdx([data.train.count], data.train.labels),
    asIdx([data.test.count, ...data.imageShape], data.test.images),
    asIdx([data.test.count], data.test.labels),
  ];
  return { name: data.name, files, classes: data.classNames };
}

/** The class names join the checksum, so that a worker cannot pair the files with other names. */
function withClasses(files: Buffer[], classes: string[] | undefined): Buffer[] {
  return classes ? [...files, Buffer.from(JSON.stringify(classes))] : files;
}

export interface WorkerDataset {
  /** The bytes in SharedArrayBuffers, for the pool's threads. */
  data: Dataset;
  /** Where a trial process reads the same dataset from. */
  spec: DatasetSpec;
}

/** Worker side: each dataset fetched and parsed once, whatever the number of trials and sweeps using it. */
export class DatasetCache {
  private readonly loaded = new Map<string, Promise<WorkerDataset>>();

  constructor(private readonly redis: Redis, private readonly dir: string) {}

  get(queue: string, ref: DatasetRef): Promise<WorkerDataset> {
    const key = ref.kind === 'mnist' ? 'mnist' : ref.sha256;
    let entry = this.loaded.get(key);
    if (!entry) {
      entry = ref.kind === 'mnist' ? this.embedded() : this.fetch(queue, ref);
      this.loaded.set(key, entry);
      // A failed fetch is not remembered: the next trial tries again.
      entry.catch(() => this.loaded.delete(key));
    }
    return entry;
  }

  private async embedded(): Promise<WorkerDataset> {
    const spec: DatasetSpec = { name: 'mnist' };
    return { data: toShared(await loadDataset(spec, 'mnist')), spec };
  }

  private async fetch(queue: string, ref: Extract<DatasetRef, { kind: 'sent' }>): Promise<WorkerDataset> {
    const stored = await this.redis.hgetallBuffer(datasetKey(queue));
    const files = IDX_FIELDS.map((field) => stored[field]);
    if (files.some((f) => f === undefined)) throw new JobRefused(`dataset ${ref.name} is not in Redis (the sweep may have ended)`);
    const classes = stored.classes === undefined ? undefined : (JSON.parse(stored.classes.toString('utf8')) as string[]);
    if (digest(withClasses(files, classes)) !== ref.sha256) throw new JobRefused(`dataset ${ref.name}: the stored files do not match sha256 ${ref.sha256}`);
    const folder = join(this.dir, ref.sha256);
    await mkdir(folder, { recursive: true });
    const spec: Extract<DatasetSpec, { format: 'idx' }> = { format: 'idx', name: ref.name, train_images: '', train_labels: '', test_images: '', test_labels: '', ...(classes ? { classes: classes as [string, ...string[]] } : {}) };
    await Promise.all(
      IDX_FIELDS.map(async (field, i) => {
        const path = join(folder, field);
        await writeFile(`${path}.tmp`, files[i]);
        await rename(`${path}.tmp`, path);
        spec[field] = path;
      }),
    );
    const source = `dataset ${ref.name}`;
    const arrays = IDX_FIELDS.map((field, i) => ({ array: parseIdx(new Uint8Array(files[i].buffer, files[i].byteOffset, files[i].byteLength), `${source} ${field}`), source: `${source} ${field}` }));
    const data = datasetFromIdx(ref.name, { train_images: arrays[0], train_labels: arrays[1], test_images: arrays[2], test_labels: arrays[3] }, source, classes);
    return { data: toShared(data), spec };
  }
}
