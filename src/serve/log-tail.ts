/**
 * Follows a file that another process appends JSON lines to (sweep.log): every complete line once,
 * in order, soon after it is written. fs.watch on the file's folder wakes it (so a file that appears
 * later is seen too); a slow check of the file's size backs the watch up on file systems that send
 * no events (network mounts). A partial last line waits for its newline; a file that shrinks or is
 * replaced starts over from its beginning, and the owner hears `onReset` first.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface LogTailOptions {
  onLines: (lines: string[]) => void;
  onReset?: () => void;
  /** The backup check of the file's size, in ms. */
  checkEveryMs?: number;
}

const CHUNK = 1 << 20;

export class LogTail {
  private offset = 0;
  private inode: number | undefined;
  private partial: Buffer = Buffer.alloc(0);
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();
  private again = false;
  private busy = false;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly options: LogTailOptions,
  ) {}

  /** Reads what is there now (resolves once it is delivered), then follows the file. */
  async start(): Promise<void> {
    await this.read();
    if (this.closed) return;
    try {
      const name = basename(this.path);
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.schedule();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // The folder went away: the size check below still notices a new file.
    }
    this.timer = setInterval(() => this.schedule(), this.options.checkEveryMs ?? 2000);
    this.timer.unref();
  }

  /** Bytes delivered so far (complete lines only). */
  get position(): number {
    return this.offset - this.partial.length;
  }

  private schedule(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.reading = this.read();
  }

  private async read(): Promise<void> {
    this.busy = true;
    try {
      do {
        this.again = false;
        await this.readOnce();
      } while (this.again && !this.closed);
    } finally {
      this.busy = false;
    }
  }

  private async readOnce(): Promise<void> {
    let info;
    try {
      info = await stat(this.path);
    } catch {
      return;
    }
    if ((this.inode !== undefined && info.ino !== this.inode) || info.size < this.offset) {
      this.offset = 0;
      this.partial = Buffer.alloc(0);
      this.options.onReset?.();
    }
    this.inode = info.ino;
    if (info.size === this.offset) return;
    const file = await open(this.path, 'r');
    try {
      const buffer = Buffer.alloc(CHUNK);
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, CHUNK, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        // Bytes, not text, until a newline: a character split by a chunk or by the writer stays whole.
        const bytes = Buffer.concat([this.partial, buffer.subarray(0, bytesRead)]);
        const cut = bytes.lastIndexOf(0x0a);
        this.partial = Buffer.from(bytes.subarray(cut + 1));
        const lines = cut < 0 ? [] : bytes.toString('utf8', 0, cut).split('\n').filter((l) => l.trim() !== '');
        if (lines.length > 0 && !this.closed) this.options.onLines(lines);
        if (bytesRead < CHUNK) break;
      }
    } finally {
      await file.close();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    await this.reading.catch(() => undefined);
  }
}
