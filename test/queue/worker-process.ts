/** A `convsweep worker` child process for the distributed tests, its pino lines parsed as they come. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cliPath, tempDir } from '../helpers.js';

export type LogLine = Record<string, unknown> & { event?: string; id?: string };

export class WorkerProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  private readonly waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly name: string, readonly child: ChildProcess) {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const text of parts) {
        if (!text.trim()) continue;
        let line: LogLine;
        try {
          line = JSON.parse(text);
        } catch {
          continue;
        }
        this.lines.push(line);
        for (const w of [...this.waiters]) {
          if (w.test(line)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /**
   * Starts a worker in its own temporary folder (its cwd and work dir: workers share no files with
   * the coordinator), one slot on wasm. `quickRecovery`: a short lock (4 s) and stall check (1 s),
   * for the tests that kill or freeze a worker and wait for its trial to come back; the others keep
   * the defaults, so that a worker starved of CPU by a busy test machine does not lose its lock.
   */
  static async start(url: string, name: string, options: { quickRecovery?: boolean; env?: NodeJS.ProcessEnv; slots?: number } = {}): Promise<WorkerProcess> {
    const home = await tempDir(`convsweep-${name}-`);
    await mkdir(join(home, 'work'));
    const locks = options.quickRecovery ? ['--lock-duration', '4', '--stalled-interval', '1'] : [];
    const args = [cliPath, 'worker', '--queue', url, '--slots', String(options.slots ?? 1), '--backend', 'wasm', '--name', name, '--work-dir', join(home, 'work'), ...locks];
    const worker = new WorkerProcess(name, spawn(process.execPath, args, { cwd: home, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] }));
    await worker.waitFor((l) => l.event === 'ready', 60_000);
    return worker;
  }

  /** The first line (already seen or coming) that passes `test`. */
  waitFor(test: (l: LogLine) => boolean, timeoutMs = 120_000): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${this.name}: no matching line within ${timeoutMs} ms; stderr: ${this.stderr.slice(-500)}`)), timeoutMs);
      this.waiters.push({ test, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  }

  /** Ids of the trials this worker started / finished with a given status. */
  trialsWith(event: 'trial-start' | 'trial-end', status?: string): string[] {
    return this.lines.filter((l) => l.event === event && (status === undefined || l.status === status)).map((l) => String(l.id));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}
