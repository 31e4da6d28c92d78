/**
 * Redis connections for distributed sweeps. A `--queue` URL is what ioredis reads:
 * redis://[user:password@]host:port[/db], or rediss:// for TLS. It is checked before anything
 * else happens, so a malformed URL is bad input (exit 2) and an unreachable or refusing server
 * is a one-line error within seconds rather than ioredis' endless reconnect loop.
 */
import { Redis } from 'ioredis';
import { InputError, RunError } from '../errors.js';

/** How long the first connection may take before the server counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 5000;
/** How long connecting and a first PING may take together (a server that accepts but never answers). */
const PROBE_TIMEOUT_MS = 5000;

/** The URL with its password masked, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** InputError unless `url` is a redis:// or rediss:// URL with a host. */
export function checkQueueUrl(url: string, source = '--queue'): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError({ file: source, path: '', message: `${JSON.stringify(url)} is not a URL`, hint: 'e.g. redis://127.0.0.1:6379 or rediss://:password@host:6380' });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InputError({ file: source, path: '', message: `unsupported scheme ${parsed.protocol} in ${redactUrl(url)}`, hint: 'use redis:// or rediss:// (TLS)' });
  }
  if (!parsed.hostname) throw new InputError({ file: source, path: '', message: `no host in ${redactUrl(url)}`, hint: 'e.g. redis://127.0.0.1:6379' });
}

/**
 * Connects once without retrying and sends PING: RunError naming the server when it cannot be
 * reached, refuses the password, or does not answer within CONNECT_TIMEOUT_MS.
 */
export async function probeRedis(url: string): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  // The cause (ECONNREFUSED, WRONGPASS, …) comes as an 'error' event; connect() may only say "Connection is closed".
  let cause: Error | undefined;
  probe.on('error', (err: Error) => (cause ??= err));
  try {
    await withTimeout(probe.connect().then(() => probe.ping()), PROBE_TIMEOUT_MS, `no answer within ${PROBE_TIMEOUT_MS / 1000} s`);
  } catch (err) {
    throw new RunError(`cannot reach Redis at ${redactUrl(url)}: ${(cause ?? (err as Error)).message || 'connection failed'}`);
  } finally {
    probe.disconnect();
    // disconnect() half-closes the socket and waits for the server's side: a server that never
    // answers would keep the socket, and so the process, alive.
    (probe as unknown as { stream?: { destroy(): void } }).stream?.destroy();
  }
}

/**
 * The connection BullMQ's Queue, Worker and QueueEvents share (they duplicate it for their blocking
 * commands). Checked with probeRedis first; afterwards ioredis reconnects on its own when the
 * server goes away for a while, as BullMQ expects (maxRetriesPerRequest null).
 */
export async function connectRedis(url: string, source = '--queue'): Promise<Redis> {
  checkQueueUrl(url, source);
  await probeRedis(url);
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectTimeout: CONNECT_TIMEOUT_MS });
  redis.on('error', () => undefined);
  return redis;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
