/**
 * The dashboard's rules against the real server: it serves only files under its folder (`..`,
 * encoded `%2e%2e` and `%2f`, absolute paths and symbolic links out are refused), binds a loopback
 * address unless given a token, then wants the token on every request, and refuses a foreign Host on
 * loopback (DNS rebinding). `serve` turns a bad --host or --port into one line and exit 2.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { appendFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkBinding } from '../../src/serve/access.js';
import { startDashboard, type Dashboard } from '../../src/serve/server.js';
import { inputError, runCli, tempDir } from '../helpers.js';
import { planTrials, writeFinishedSweep } from './dashboard-fixture.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with its path sent exactly as written (fetch would resolve the dots first). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const SECRET = 'secret-outside-the-served-folder';

describe('files: only under the served folder', () => {
  let dashboard: Dashboard;
  let root: string;
  let trialId: string;
  let linkedId: string;

  before(async () => {
    const top = await tempDir('convsweep-serve-sec-');
    root = join(top, 'results');
    await writeFile(join(top, 'outside.txt'), SECRET);
    const trials = planTrials(3, 2);
    trialId = trials[0].id;
    await writeFinishedSweep(join(root, 'sweep-a'), trials);
    await mkdir(join(root, 'sweep-a', 'links'));
    await symlink(join(top, 'outside.txt'), join(root, 'sweep-a', 'links', 'out.txt'));
    await symlink(top, join(root, 'sweep-a', 'links', 'up'));
    await writeFile(join(root, 'sweep-a', 'links', 'inside.txt'), 'inside');
    // A trial whose log is a link out of the folder, and a log line naming a path as its trial.
    linkedId = trials[1].id;
    await rm(join(root, 'sweep-a', 'trials', linkedId, 'train.log'));
    await symlink(join(top, 'outside.txt'), join(root, 'sweep-a', 'trials', linkedId, 'train.log'));
    await appendFile(join(root, 'sweep-a', 'sweep.log'), `${JSON.stringify({ level: 30, time: new Date().toISOString(), event: 'trial-start', id: '../..', number: 9, values: {} })}\n`);
    dashboard = await startDashboard({ dir: root });
  });
  after(async () => dashboard?.close());

  it('serves a trial file, and a download as an attachment', async () => {
    const ok = await get(dashboard.port, `/files/sweep-a/trials/${trialId}/config.json`);
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body).learning_rate, planTrials(3, 2)[0].values.learning_rate);
    assert.match(String(ok.headers['content-security-policy']), /sandbox/);
    const download = await get(dashboard.port, `/files/sweep-a/trials/${trialId}/config.json?download=1`);
    assert.match(String(download.headers['content-disposition']), /^attachment; filename="config.json"$/);
    assert.equal((await get(dashboard.port, '/files/sweep-a/links/inside.txt')).body, 'inside');
  });

  for (const path of [
    '/files/sweep-a/../../outside.txt',
    '/files/sweep-a/trials/../../../outside.txt',
    '/files/sweep-a/%2e%2e/%2e%2e/outside.txt',
    '/files/sweep-a/%2E%2E%2F%2E%2E%2Foutside.txt',
    '/files/sweep-a/trials%2f..%2f..%2f..%2foutside.txt',
    '/files/sweep-a//etc/passwd',
    '/files/sweep-a/%2fetc%2fpasswd',
    '/files/sweep-a/..%5c..%5coutside.txt',
    '/files/..%2f/outside.txt',
    '/files/%2e%2e/outside.txt',
    '/files/sweep-a/links/out.txt',
    '/files/sweep-a/links/up/outside.txt',
    '/files/sweep-a/trials',
    '/files/sweep-a/%00',
  ]) {
    it(`refuses ${path}`, async () => {
      const answer = await get(dashboard.port, path);
      assert.ok(answer.status >= 400 && answer.status < 500, `${path}: ${answer.status}`);
      assert.ok(!answer.body.includes(SECRET) && !answer.body.includes('root:'), `${path} leaked: ${answer.body}`);
    });
  }

  it('a trial page does not follow a link out of the folder, and a log line cannot name a path as a trial', async () => {
    const detail = await get(dashboard.port, `/api/sweeps/sweep-a/trials/${linkedId}`);
    assert.equal(detail.status, 200);
    assert.equal(JSON.parse(detail.body).log, '');
    assert.ok(!detail.body.includes(SECRET));
    assert.equal((await get(dashboard.port, '/api/sweeps/sweep-a/trials/..%2F..')).status, 404);
    const state = JSON.parse((await get(dashboard.port, '/api/sweeps/sweep-a')).body);
    assert.deepEqual(state.trials.map((t: { id: string }) => t.id).sort(), planTrials(3, 2).map((t) => t.id).sort());
  });

  it('refuses a Host that is not a loopback name (a rebound domain) while bound to loopback', async () => {
    const answer = await get(dashboard.port, '/api/sweeps', { host: 'evil.example:80' });
    assert.equal(answer.status, 403);
    assert.equal((await get(dashboard.port, '/api/sweeps', { host: `localhost:${dashboard.port}` })).status, 200);
  });
});

describe('host and token', () => {
  it('a non-loopback host without a token is refused, with one line', async () => {
    const message = await inputError((async () => checkBinding('0.0.0.0', undefined))());
    assert.match(message, /^--host: 0\.0\.0\.0 is not a loopback address/);
    assert.doesNotThrow(() => checkBinding('127.0.0.1', undefined));
    assert.doesNotThrow(() => checkBinding('::1', undefined));
    assert.doesNotThrow(() => checkBinding('0.0.0.0', 'abcdefgh12'));
    assert.match(await inputError((async () => checkBinding('0.0.0.0', 'short'))()), /^--token: must be at least 8 characters/);
  });

  it('serve: --host 0.0.0.0 without --token, a bad port or a missing folder is exit 2 with one line', async () => {
    const dir = await tempDir();
    for (const [args, pattern] of [
      [['serve', dir, '--host', '0.0.0.0'], /^--host: 0\.0\.0\.0 is not a loopback address: .*--token/],
      [['serve', dir, '--port', '70000'], /^--port: must be a whole number from 0 to 65535, got 70000/],
      [['serve', join(dir, 'nope')], /nope: no such folder/],
    ] as const) {
      const r = await runCli([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(r.stdout, '');
    }
  });

  it('with a token, every request carries it: ?token= once (then a cookie), or a Bearer header', async () => {
    const root = join(await tempDir(), 'results');
    await writeFinishedSweep(join(root, 'sweep-t'), planTrials(2, 2));
    const token = 'tok-0123456789abcdef';
    const dashboard = await startDashboard({ dir: root, token });
    try {
      assert.match(dashboard.url, new RegExp(`/\\?token=${token}$`));
      for (const path of ['/', '/api/sweeps', '/api/sweeps/sweep-t/events', '/files/sweep-t/sweep.json', '/vendor/uplot.js', '/assets/style.css']) {
        assert.equal((await get(dashboard.port, path)).status, 401, path);
        assert.equal((await get(dashboard.port, path, { cookie: `convsweep_token_${dashboard.port}=wrong-token-1` })).status, 401, path);
      }
      assert.equal((await get(dashboard.port, '/api/sweeps?token=nope-nope-nope')).status, 401);
      const first = await get(dashboard.port, `/sweep/sweep-t?token=${token}`);
      assert.equal(first.status, 303);
      assert.equal(first.headers.location, '/sweep/sweep-t');
      const cookie = String(first.headers['set-cookie']).split(';')[0];
      assert.equal(cookie, `convsweep_token_${dashboard.port}=${token}`);
      assert.match(String(first.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
      assert.equal((await get(dashboard.port, '/api/sweeps', { cookie })).status, 200);
      const bearer = await get(dashboard.port, '/api/sweeps', { authorization: `Bearer ${token}` });
      assert.equal(bearer.status, 200);
      assert.equal(JSON.parse(bearer.body).sweeps[0].header.name, 'dashboard-fixture');
    } finally {
      await dashboard.close();
    }
  });
});
