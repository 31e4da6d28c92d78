/**
 * Atomic outputs. A file is written to a temporary sibling and renamed over its name; a folder is
 * filled under a hidden temporary sibling and renamed into place once complete. A reader therefore
 * sees either nothing or the whole thing, also after a crash or Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from './errors.js';

/** Writes `data` to `path` opened with `flags` ('w', or 'wx' to fail if it exists) and syncs it to disk. */
export async function writeFileSynced(path: string, data: string | Uint8Array, flags: 'w' | 'wx' = 'w'): Promise<void> {
  const file = await open(path, flags);
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // Synced before the rename, so that after a power loss the name holds the old or the new content, never an empty file.
    await writeFileSynced(temp, data);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

export async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    if (code === 'ENOTDIR') throw new InputError({ file: dir, path: '', message: 'is a file, not a folder', hint: 'choose another --out' });
    throw err;
  }
}

/** Refuses (InputError) a destination folder that already holds something. */
export async function assertFreeDestination(dir: string, option = '--out'): Promise<void> {
  if (!(await isEmptyOrMissing(dir))) {
    throw new InputError({ file: dir, path: '', message: 'output folder exists and is not empty', hint: `choose another ${option} or remove it` });
  }
}

/** Staging folders of this thread not yet committed or discarded. */
const openStaging = new Set<string>();
let removeOnExit = false;

/**
 * A temporary sibling of `dir` to fill, then `commit()` to rename it into place, or `discard()`.
 * One still open when the process exits (a second Ctrl-C exits at once) is removed on the way out.
 */
export async function stagingFolder(dir: string): Promise<{ path: string; commit: () => Promise<void>; discard: () => Promise<void> }> {
  await mkdir(dirname(dir), { recursive: true });
  const path = join(dirname(dir), `.${basename(dir)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(path);
  if (!removeOnExit) {
    removeOnExit = true;
    process.on('exit', () => {
      for (const open of openStaging) rmSync(open, { recursive: true, force: true });
    });
  }
  openStaging.add(path);
  return {
    path,
    async commit() {
      // rename() replaces an empty folder but not a full one; an empty destination is removed first.
      if (await isEmptyOrMissing(dir)) await rmdir(dir).catch(() => undefined);
      await rename(path, dir);
      openStaging.delete(path);
    },
    async discard() {
      await rm(path, { recursive: true, force: true });
      openStaging.delete(path);
    },
  };
}
