/** The names inside a sweep's folder, shared by the runner that writes it and the report that reads it. */
import { join } from 'node:path';

export const SWEEP_FILE = 'sweep.json';
export const SWEEP_LOG = 'sweep.log';
export const TRIALS_DIR = 'trials';
/** Which queue a distributed sweep uses, so that --resume finds its jobs again. */
export const QUEUE_FILE = 'queue.json';
/** Who is running the sweep now (folder-lock.ts): a second run into the folder refuses while it lives. */
export const LOCK_FILE = 'run.lock';

/** Where a sweep runs into unless --out says otherwise. */
export function defaultOutDir(sweepName: string): string {
  return join('results', sweepName);
}
