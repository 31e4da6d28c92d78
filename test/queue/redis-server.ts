/**
 * Redis for the distributed tests, always a real server: REDIS_URL when it is set (.ci/run sets it),
 * else a private redis-server on a free loopback port when the binary is installed. Without either
 * the tests skip with a loud message, except in CI (CI=true), where that is a failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function answers(url: string, ca?: string): Promise<boolean> {
  const tls = ca ? { tls: { ca: readFileSync(ca) } } : {};
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2000, retryStrategy: () => null, maxRetriesPerRequest: 0, ...tls });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * A private redis-server, optionally with a password, optionally speaking only TLS with the given
 * certificate and key (its clients must trust the certificate). Nothing is saved to disk, unless
 * `persistIn` names a folder: then every write goes to an append-only file there (fsync always),
 * and a server started again on the same `port` and folder comes back with everything, as a
 * production Redis with persistence does after a restart.
 */
export async function startRedisServer(options: { password?: string; tls?: { cert: string; key: string }; port?: number; persistIn?: string } = {}): Promise<TestRedis> {
  const port = options.port ?? (await freePort());
  const listen = options.tls ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.cert, '--tls-key-file', options.tls.key, '--tls-auth-clients', 'no'] : ['--port', String(port)];
  const persistence = options.persistIn ? ['--dir', options.persistIn, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'] : ['--save', '', '--appendonly', 'no'];
  const args = [...listen, '--bind', '127.0.0.1', ...persistence, ...(options.password ? ['--requirepass', options.password] : [])];
  const server: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const url = `${options.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await answers(url, options.tls?.cert))) {
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`redis-server on port ${port} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (server.exitCode !== null) return resolve();
        server.once('exit', () => resolve());
        server.kill('SIGTERM');
      }),
  };
}

/** The Redis the tests use, or the reason they are skipped. Throws in CI when there is none. */
export async function testRedis(): Promise<TestRedis | { skip: string }> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv && (await answers(fromEnv))) return { url: fromEnv, stop: async () => undefined };
  if (hasRedisServer()) return startRedisServer();
  const why = fromEnv ? `REDIS_URL ${fromEnv} does not answer and redis-server is not installed` : 'no REDIS_URL and no redis-server';
  if (process.env.CI === 'true') throw new Error(`distributed tests need Redis in CI: ${why}`);
  process.stderr.write(`\n*** SKIPPING the distributed-sweep tests: ${why} (apt-get install redis-server, or set REDIS_URL) ***\n\n`);
  return { skip: why };
}

/** A self-signed certificate for 127.0.0.1 (openssl), or undefined when openssl is missing. */
export function selfSignedCertificate(dir: string): { cert: string; key: string } | undefined {
  const cert = `${dir}/cert.pem`;
  const key = `${dir}/key.pem`;
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return r.status === 0 ? { cert, key } : undefined;
}
