/**
 * A finished trial's folder, carried from a worker to the coordinator through Redis, so that no
 * file system needs to be shared. The worker stores every file in one hash and reports a manifest
 * (size and sha256 a file) with its result; the coordinator checks each file against it and writes
 * the folder staged, renamed into place only when whole. File names come from another machine, so
 * only plain relative paths inside the trial folder are accepted.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Redis } from 'ioredis';
import { stagingFolder } from '../fs-atomic.js';
import type { SentFile } from './job.js';

/** How long files of an attempt nobody collects stay in Redis. */
const ORPHAN_TTL_S = 7 * 24 * 3600;

const SAFE_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/')).sort();
}

/** Worker side: every file under `dir` into the hash `key`; returns the manifest. */
export async function sendTrialFiles(redis: Redis, key: string, dir: string): Promise<Record<string, SentFile>> {
  const manifest: Record<string, SentFile> = {};
  const fields: Record<string, Buffer> = {};
  for (const path of await filesUnder(dir)) {
    const bytes = await readFile(join(dir, ...path.split('/')));
    fields[path] = bytes;
    manifest[path] = { bytes: bytes.length, sha256: sha256(bytes) };
  }
  await redis.multi().hset(key, fields).expire(key, ORPHAN_TTL_S).exec();
  return manifest;
}

/**
 * Coordinator side: the files of `key` as `outDir`, checked against `manifest`, written atomically;
 * then the hash is deleted. `own`: files the coordinator writes itself, whatever the worker sent.
 */
export async function receiveTrialFiles(redis: Redis, key: string, manifest: Record<string, SentFile>, outDir: string, own: Record<string, string> = {}): Promise<void> {
  const paths = Object.keys(manifest);
  const unsafe = paths.find((p) => !SAFE_PATH.test(p) || p.split('/').includes('..'));
  if (unsafe !== undefined) throw new Error(`refusing trial file ${JSON.stringify(unsafe)}: not a plain relative path`);
  const stored = await redis.hgetallBuffer(key);
  const staging = await stagingFolder(outDir);
  try {
    for (const path of paths) {
      const bytes = stored[path];
      if (bytes === undefined) throw new Error(`trial file ${path} is missing from ${key}`);
      if (bytes.length !== manifest[path].bytes || sha256(bytes) !== manifest[path].sha256) throw new Error(`trial file ${path} does not match its checksum`);
      if (Object.hasOwn(own, path)) continue;
      const target = join(staging.path, ...path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, bytes);
    }
    for (const [path, text] of Object.entries(own)) await writeFile(join(staging.path, path), text);
    await staging.commit();
  } catch (err) {
    await staging.discard();
    throw err;
  }
  await redis.del(key);
}
