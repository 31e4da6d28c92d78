/**
 * The sweeps under the served folder: the folder itself when it is a sweep's (it holds sweep.json),
 * else each sub-folder, two levels deep, that holds one. A sweep is known by a key (its path under
 * the folder, or its own name for the folder itself) that the server looks up here and never joins
 * onto a path: a key cannot reach outside.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { SWEEP_FILE } from '../sweep/folder-layout.js';

export interface SweepLocation {
  key: string;
  dir: string;
}

const DEPTH = 2;
/** What a sweep folder holds besides sweeps: never searched. */
const NOT_SWEEPS = new Set(['trials', 'best', 'charts', 'model', 'node_modules']);

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export async function findSweeps(root: string): Promise<SweepLocation[]> {
  if (await isFile(join(root, SWEEP_FILE))) return [{ key: basename(root) || 'sweep', dir: root }];
  const found: SweepLocation[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      // Symbolic links are not followed: a sweep is served only from inside the folder.
      if (!entry.isDirectory() || entry.name.startsWith('.') || NOT_SWEEPS.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (await isFile(join(path, SWEEP_FILE))) found.push({ key: relative(root, path).split(sep).join('/'), dir: path });
      else if (depth < DEPTH) await visit(path, depth + 1);
    }
  };
  await visit(root, 1);
  return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
