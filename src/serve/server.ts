/**
 * The dashboard's HTTP server (fastify): the page, a JSON API over the sweeps under one folder, their
 * live changes as server-sent events, and the files of their trial folders. Read-only: nothing it
 * answers changes a sweep.
 *
 *   /                                   the sweep list     /sweep/KEY[/trial/ID | /compare?ids=…]  the other pages
 *   /api/sweeps                         summaries          /api/events                              the list, live
 *   /api/sweeps/KEY                     one sweep's state  /api/sweeps/KEY/events                   its changes, live
 *   /api/sweeps/KEY/trials/ID           a trial's detail   /api/sweeps/KEY/leaderboard.csv|.json    from the folders now
 *   /files/KEY/PATH                     a file in the sweep's folder (?download=1 to save it)
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { basename, extname, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { leaderboardCsv, leaderboardJson, leaderboardSummary } from '../report/leaderboard.js';
import { checkBinding, cookieName, judgeAccess } from './access.js';
import { openEventStream, type EventStream } from './event-stream.js';
import { PAGE_HTML, pageAssets } from './page-assets.js';
import { pathSegments, PathRefusedError, resolveInside } from './safe-path.js';
import { summarize, SweepLibrary } from './sweep-library.js';
import type { WatcherChange } from './sweep-watcher.js';
import { trialDetail } from './trial-detail.js';

export interface DashboardOptions {
  dir: string;
  host?: string;
  /** 0 or undefined: a free port. */
  port?: number;
  token?: string;
}

export interface Dashboard {
  /** The address to open, with the token when there is one. */
  url: string;
  origin: string;
  port: number;
  close(): Promise<void>;
}

const FILE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/plain; charset=utf-8',
};

/** Everything the page loads comes from here; no script, style, font or connection goes anywhere else. */
const PAGE_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** Trial files are data: an SVG or HTML file opened on its own runs no script. */
const FILE_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";
const COMMON_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cross-origin-resource-policy': 'same-origin' };

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  checkBinding(host, options.token);
  const root = resolve(options.dir);
  const library = new SweepLibrary(root);
  const assets = pageAssets();
  // The page's modules are asked for at once, not one import level after another.
  const preloads = [...assets.keys()].filter((path) => path.startsWith('/assets/') && path.endsWith('.js')).map((path) => `<link rel="modulepreload" href="${path}">`);
  const html = (await readFile(PAGE_HTML, 'utf8')).replace('</head>', `${preloads.join('\n')}\n</head>`);
  const streams = new Set<EventStream>();
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true, routerOptions: { maxParamLength: 1000 } });
  let port = 0;

  app.addHook('onRequest', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const verdict = judgeAccess({ host: request.headers.host, cookie: request.headers.cookie, authorization: request.headers.authorization, queryToken: query.token }, { bindHost: host, port, token: options.token });
    if (verdict === 'allow') return;
    if (verdict === 'bad-host') return reply.code(403).headers(COMMON_HEADERS).type('text/plain').send('refused: the Host of this request is not a loopback name\n');
    if (verdict === 'no-token') return reply.code(401).headers(COMMON_HEADERS).type('text/plain').send('this dashboard needs its token: open the URL `convsweep serve` printed (…?token=…)\n');
    // The token came in the URL: kept in a cookie for this server, and taken out of the address bar.
    const url = new URL(request.url, 'http://x');
    url.searchParams.delete('token');
    return reply
      .code(303)
      .headers(COMMON_HEADERS)
      .header('set-cookie', `${cookieName(port)}=${options.token}; Path=/; HttpOnly; SameSite=Strict`)
      .header('location', `${url.pathname}${url.search}`)
      .send();
  });

  const page = async (_request: FastifyRequest, reply: FastifyReply) => reply.headers({ ...COMMON_HEADERS, 'content-security-policy': PAGE_POLICY, 'cache-control': 'no-store' }).type('text/html; charset=utf-8').send(html);
  app.get('/', page);
  app.get('/sweep/*', page);

  for (const [path, asset] of assets) {
    app.get(path, async (_request, reply) => reply.headers({ ...COMMON_HEADERS, 'cache-control': 'no-cache' }).type(asset.type).send(createReadStream(asset.file)));
  }

  const sweepOr404 = async (key: string, reply: FastifyReply) => {
    const watcher = await library.get(key);
    if (!watcher) void reply.code(404).headers(COMMON_HEADERS).send({ error: `no sweep ${JSON.stringify(key)} under ${root}` });
    return watcher;
  };

  app.get('/api/sweeps', async (_request, reply) => reply.headers(COMMON_HEADERS).send({ root, sweeps: await library.summaries() }));

  app.get('/api/events', async (request, reply) => {
    const summaries = await library.summaries();
    const stream = openEventStream(request, reply, COMMON_HEADERS);
    streams.add(stream);
    stream.send('snapshot', { root, sweeps: summaries });
    // A sweep's summary at most every 250 ms: a list of many live sweeps stays cheap.
    const pending = new Set<string>();
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe = library.onSweepChange((key) => {
      pending.add(key);
      timer ??= setTimeout(async () => {
        timer = undefined;
        for (const k of [...pending]) {
          pending.delete(k);
          const watcher = await library.get(k).catch(() => undefined);
          if (watcher) stream.send('summary', summarize(watcher));
        }
      }, 250);
    });
    stream.onClose(() => {
      unsubscribe();
      clearTimeout(timer);
      streams.delete(stream);
    });
  });

  app.get('/api/sweeps/:key', async (request, reply) => {
    const watcher = await sweepOr404((request.params as { key: string }).key, reply);
    if (watcher) return reply.headers(COMMON_HEADERS).send(watcher.snapshot());
  });

  app.get('/api/sweeps/:key/events', async (request, reply) => {
    const watcher = await sweepOr404((request.params as { key: string }).key, reply);
    if (!watcher) return;
    const stream = openEventStream(request, reply, COMMON_HEADERS);
    streams.add(stream);
    // The snapshot and the changes after it come from one state on one thread: none is lost or doubled.
    stream.send('snapshot', watcher.snapshot());
    const unsubscribe = watcher.subscribe((changes: WatcherChange[]) => {
      if (changes.some((c) => c.type === 'reset')) stream.send('snapshot', watcher.snapshot());
      else stream.send('changes', changes);
    });
    stream.onClose(() => {
      unsubscribe();
      streams.delete(stream);
    });
  });

  app.get('/api/sweeps/:key/trials/:id', async (request, reply) => {
    const { key, id } = request.params as { key: string; id: string };
    const watcher = await sweepOr404(key, reply);
    if (!watcher) return;
    const trial = watcher.state.trials.get(id);
    if (!trial) return reply.code(404).headers(COMMON_HEADERS).send({ error: `no trial ${JSON.stringify(id)} in ${key}` });
    // The id is one the sweep knows (its trials/ listing or its log), never a path from the request.
    return reply.headers(COMMON_HEADERS).send({ trial, baseKeys: watcher.state.header.keys, ...(await trialDetail(root, watcher.dir, watcher.info.definition, trial.id)) });
  });

  app.get('/api/sweeps/:key/leaderboard.:format', async (request, reply) => {
    const { key, format } = request.params as { key: string; format: string };
    if (format !== 'csv' && format !== 'json') return reply.code(404).headers(COMMON_HEADERS).send({ error: 'leaderboard.csv or leaderboard.json' });
    const watcher = await sweepOr404(key, reply);
    if (!watcher) return;
    // Built from the folders as they are now, the same way `convsweep report` writes leaderboard.csv.
    const rows = await watcher.leaderboard();
    const ranking = watcher.ranking();
    const name = `${watcher.state.header.name}-leaderboard.${format}`.replace(/[^A-Za-z0-9._-]/g, '_');
    reply.headers({ ...COMMON_HEADERS, 'content-disposition': `attachment; filename="${name}"` });
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(leaderboardCsv(rows, watcher.info.gridKeys));
    return reply.type('application/json; charset=utf-8').send(leaderboardJson(leaderboardSummary(rows, watcher.info, ranking)));
  });

  app.get('/files/*', async (request, reply) => {
    // The raw path, not the router's decoded one: every segment is judged as the client sent it.
    const rawPath = request.raw.url!.split('?')[0].slice('/files/'.length);
    const slash = rawPath.indexOf('/');
    try {
      if (slash <= 0) throw new PathRefusedError(400, 'no file named');
      let key: string;
      try {
        key = decodeURIComponent(rawPath.slice(0, slash));
      } catch {
        throw new PathRefusedError(400, 'badly encoded sweep');
      }
      const segments = pathSegments(rawPath.slice(slash + 1));
      const watcher = await library.get(key);
      if (!watcher) throw new PathRefusedError(404, 'no such sweep');
      const file = await resolveInside(root, watcher.dir, segments);
      const type = FILE_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      const download = (request.query as Record<string, string | undefined>).download !== undefined;
      reply.headers({ ...COMMON_HEADERS, 'content-security-policy': FILE_POLICY, 'cache-control': 'no-cache' });
      if (download) reply.header('content-disposition', `attachment; filename="${basename(file).replace(/[^A-Za-z0-9._-]/g, '_')}"`);
      return reply.type(type).send(createReadStream(file));
    } catch (err) {
      if (err instanceof PathRefusedError) return reply.code(err.status).headers(COMMON_HEADERS).type('text/plain').send(`${err.message}\n`);
      throw err;
    }
  });

  try {
    await app.listen({ host, port: options.port ?? 0 });
  } catch (err) {
    await library.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new InputError({ file: '--port', path: '', message: `${options.port} is in use`, hint: 'choose another, or leave --port out for a free one' });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new InputError({ file: '--host', path: '', message: `cannot listen on ${host}: no such address on this machine` });
    if (code === 'EACCES') throw new InputError({ file: '--port', path: '', message: `${options.port} needs privileges`, hint: 'use a port above 1023' });
    throw err;
  }
  port = (app.server.address() as AddressInfo).port;
  // Read every sweep now, not when the first page asks: that page then opens at once.
  void library.summaries().catch(() => undefined);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${shownHost}:${port}`;
  return {
    url: options.token === undefined ? `${origin}/` : `${origin}/?token=${options.token}`,
    origin,
    port,
    close: async () => {
      for (const stream of streams) stream.end();
      await library.close();
      await app.close();
    },
  };
}
