/**
 * One sweep folder, one owner. A `run` (and a `report`, while it writes) holds `run.lock` in the
 * folder: who holds it (pid, host, start time, command), created with O_EXCL so that of two
 * processes starting at once exactly one gets it. A second one meets a live owner and refuses at
 * once, naming it. A lock whose owner died (SIGKILL, power loss) stays behind: on the same host a
 * pid that is no longer alive, or alive but started after the lock was taken (the number reused),
 * proves it stale; on another host the pid says nothing, so the caller decides (a queue sweep asks its coordinator lease in Redis, see coordinator-lease.ts).
 *
 * The lock is removed when its holder ends: release() on every normal path (the end, Ctrl-C, an
 * error), and an exit hook for a process.exit() in between (a second Ctrl-C).
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { writeFileSynced } from '../fs-atomic.js';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';
import { LOCK_FILE } from './folder-layout.js';

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time, whole seconds. */
  started: string;
  /** What holds it: `convsweep run`, `convsweep report`. */
  command: string;
}

/** An owner on another host: only the caller can tell whether it still lives. */
export type ForeignOwnerCheck = (owner: LockOwner) => Promise<'alive' | 'gone'>;

export interface FolderLockOptions {
  command: string;
  /** A lock left by a dead owner is taken over (`--resume`); otherwise it makes the folder "in use" no longer, but not ours. */
  takeOverStale: boolean;
  /** Default: an owner on another host counts as alive. */
  foreignOwner?: ForeignOwnerCheck;
  /** The hint of the refusal. */
  hint?: string;
}

/** A folder another live process holds. */
export class FolderInUse extends InputError {
  constructor(dir: string, readonly owner: LockOwner, hint: string) {
    super({ file: dir, path: '', message: `in use by ${owner.command} (pid ${owner.pid} on host ${owner.host}, started ${owner.started})`, hint });
    this.name = 'FolderInUse';
  }
}

export function describeOwner(owner: LockOwner): string {
  return `${owner.command} (pid ${owner.pid} on host ${owner.host}, started ${owner.started})`;
}

/** Whether a process of this host with that pid exists (EPERM: it does, under another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isInteger(v.pid) && typeof v.host === 'string' && typeof v.started === 'string' && typeof v.command === 'string') return v as LockOwner;
  } catch {
    // A lock file cut short by a crash between create and write: nobody's.
  }
  return undefined;
}

async function readOwner(path: string): Promise<{ text: string; owner: LockOwner | undefined } | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    return { text, owner: parseOwner(text) };
  } catch (err) {
    // No folder, or a file where the folder should be (the caller's emptiness check names that): no lock.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** Folders this process holds (a lock naming this pid is otherwise a previous process's, as after a container restart). */
const heldHere = new Set<string>();

/**
 * When process `pid` started (ms since the epoch), from Linux's /proc; undefined elsewhere. The
 * clock ticks are USER_HZ, 100 on every Linux architecture convsweep runs on.
 */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the command name, which may itself hold spaces.
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const bootS = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    const ms = (bootS + startTicks / 100) * 1000;
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

/** Slack for the lock's whole-second time and the tick rounding of a process's start. */
const START_SLACK_MS = 2000;

/** 'alive', or 'gone' when the owner is provably dead (or the file is nobody's). */
async function ownerState(dir: string, owner: LockOwner | undefined, foreign: ForeignOwnerCheck): Promise<'alive' | 'gone'> {
  if (!owner) return 'gone';
  if (owner.host !== hostname()) return foreign(owner);
  if (owner.pid === process.pid) return heldHere.has(resolve(dir)) ? 'alive' : 'gone';
  if (!isProcessAlive(owner.pid)) return 'gone';
  // The pid lives, but a process that started after the lock was taken only reuses the number.
  const started = processStartMs(owner.pid);
  return started !== undefined && started > Date.parse(owner.started) + START_SLACK_MS ? 'gone' : 'alive';
}

const DEFAULT_HINT = 'wait for it to end, or choose another --out';
const foreignAlive: ForeignOwnerCheck = async () => 'alive';

/** The live owner of `dir`, if any: for refusing before anything else is checked or written. */
export async function liveOwner(dir: string, foreign: ForeignOwnerCheck = foreignAlive): Promise<LockOwner | undefined> {
  const found = await readOwner(join(dir, LOCK_FILE));
  if (!found?.owner) return undefined;
  return (await ownerState(dir, found.owner, foreign)) === 'alive' ? found.owner : undefined;
}

export class FolderLock {
  private released = false;
  private readonly onExit = () => this.releaseSync();

  private constructor(readonly dir: string, readonly owner: LockOwner, private readonly text: string) {
    process.on('exit', this.onExit);
    heldHere.add(resolve(dir));
  }

  private get path(): string {
    return join(this.dir, LOCK_FILE);
  }

  /**
   * Takes the folder (creating it): FolderInUse when a live process holds it; a stale lock is taken
   * over when `takeOverStale`, else FolderInUse names its dead owner too (the caller has refused a
   * used folder before, so this is only met in a race).
   */
  static async take(dir: string, options: FolderLockOptions): Promise<FolderLock> {
    const hint = options.hint ?? DEFAULT_HINT;
    const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), command: options.command };
    const text = `${JSON.stringify(owner, null, 2)}\n`;
    const path = join(dir, LOCK_FILE);
    if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) throw new InputError({ file: dir, path: '', message: 'is a file, not a folder', hint: 'choose another --out' });
    await mkdir(dir, { recursive: true });
    for (let tries = 0; tries < 3; tries++) {
      try {
        await writeFileSynced(path, text, 'wx');
        return new FolderLock(dir, owner, text);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const found = await readOwner(path);
      if (!found) continue;
      const state = await ownerState(dir, found.owner, options.foreignOwner ?? foreignAlive);
      if (state === 'alive' || !options.takeOverStale) {
        throw new FolderInUse(dir, found.owner ?? { pid: 0, host: '?', started: '?', command: 'an unreadable lock' }, state === 'alive' ? hint : `its owner is gone: add --resume to take the folder over, or remove ${path}`);
      }
      await takeAway(path, found.text);
    }
    throw new InputError({ file: dir, path: '', message: `could not take ${LOCK_FILE}: other processes keep taking it`, hint });
  }

  /** Removes the lock if it is still ours. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    heldHere.delete(resolve(this.dir));
    const found = await readOwner(this.path).catch(() => undefined);
    if (found?.text === this.text) await rm(this.path, { force: true });
  }

  private releaseSync(): void {
    if (this.released) return;
    this.released = true;
    try {
      if (readFileSync(this.path, 'utf8') === this.text) rmSync(this.path, { force: true });
    } catch {
      // Gone already.
    }
  }
}

/**
 * Moves a stale lock out of the way, unless someone replaced it meanwhile: renamed aside (only one
 * of two racing processes gets the file), checked, and put back if it is no longer the stale one.
 */
async function takeAway(path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  // Someone else took it over between our read and our rename: their lock goes back (unless a third one is there now).
  if (moved !== staleText) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}
