/**
 * The scale benchmark's own redis-server: a free loopback port, persistence on (an append-only file
 * in a folder of its own), and a restart that keeps what was written — SIGTERM, which makes Redis
 * fsync its AOF and exit cleanly, then a new server on the same port and folder, which loads it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { answers, freePort } from '../test/queue/redis-server.js';

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

export class PersistentRedis {
  private server: ChildProcess | undefined;
  /** Milliseconds each restart left the port without a server that answers. */
  readonly outagesMs: number[] = [];

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(dir: string): Promise<PersistentRedis> {
    const redis = new PersistentRedis(await freePort(), dir);
    await redis.launch();
    return redis;
  }

  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--logfile', 'redis.log'];
    const server = spawn('redis-server', args, { stdio: 'ignore' });
    this.server = server;
    const deadline = Date.now() + 20_000;
    while (!(await answers(this.url))) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`redis-server on port ${this.port} did not start (see ${this.dir}/redis.log)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM (AOF fsynced, clean exit), then a new server on the same port and folder. */
  async restart(): Promise<void> {
    const started = performance.now();
    await this.stop();
    await this.launch();
    this.outagesMs.push(performance.now() - started);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const gone = exited(server);
    server.kill('SIGTERM');
    await gone;
  }
}
