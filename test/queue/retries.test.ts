/**
 * Trials whose workers vanish, on a real Redis with real worker processes: a poison trial (it kills
 * every worker process that runs it) is run max_retries + 1 times, on as many workers, and then
 * failed as lost with the reason, while the other trials complete on the workers left.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { trialId } from '../../src/sweep/trial.js';
import { runCli, tempDir } from '../helpers.js';
import { tinySweep, writeSweep } from '../sweep/sweep-files.js';
import { leaderboard, sweepLog, useRedis } from './cluster.js';

const cluster = useRedis();
const preload = pathToFileURL(join(import.meta.dirname, 'poison-preload.js')).href;

describe('distributed sweeps: retries and poison trials', () => {
  test('a poison trial is retried max_retries times, then failed as lost with the reason; the other trials complete and only its workers die', async (t) => {
    const url = cluster.url(t);
    if (!url) return;
    const poison = trialId({ learning_rate: 0.02 });
    const env = { NODE_OPTIONS: `--import=${preload}`, CONVSWEEP_TEST_POISON_TRIAL: poison };
    const workers = await Promise.all(['a', 'b', 'c'].map((n) => cluster.startWorker(t, url, `poison-${n}`, { quickRecovery: true, env })));
    const file = await writeSweep({ ...tinySweep({ learning_rate: [0.003, 0.01, 0.02, 0.03] }, { train_limit: 400 }), max_retries: 1 });
    const out = join(await tempDir(), 'out');
    const r = await runCli(['run', file, '--queue', url, '--out', out]);
    assert.equal(r.code, 1, `one trial failed: ${r.stderr}`);
    const rows = await leaderboard(out);
    assert.deepEqual(rows.map((row) => [row.status, row.error_kind]).sort(), [['completed', null], ['completed', null], ['completed', null], ['failed', 'lost']]);
    const died = await Promise.all(workers.map(async (w) => ({ w, exit: w.child.exitCode === null && w.child.signalCode === null ? undefined : await w.exited })));
    const dead = died.filter((d) => d.exit?.signal === 'SIGKILL').map((d) => d.w);
    assert.equal(dead.length, 2, 'max_retries + 1 = 2 workers died, the third lived');
    for (const w of dead) assert.deepEqual(w.trialsWith('trial-start').at(-1), poison, `${w.name} died running the poison trial`);
    const starts = workers.flatMap((w) => w.trialsWith('trial-start')).filter((id) => id === poison);
    assert.equal(starts.length, 2, 'the poison trial ran twice: once, and one retry');
    const survivor = workers.find((w) => !dead.includes(w))!;
    assert.ok(survivor.lines.some((l) => l.event === 'lost' && l.id === `trial-${poison}`), 'the survivor failed it without running it');
    const reason = JSON.parse(await readFile(join(out, 'trials', poison, 'error.json'), 'utf8'));
    assert.equal(reason.kind, 'lost');
    assert.match(reason.message, new RegExp(`^its worker stopped answering 2 times \\(last: worker poison-[abc] on ${hostname()}\\)$`));
    assert.ok(dead.some((w) => reason.message.includes(`worker ${w.name} `)), 'the worker named is one that died');
    const end = (await sweepLog(out)).find((l) => l.event === 'trial-end' && l.id === poison);
    assert.deepEqual([end?.status, end?.kind, end?.message], ['failed', 'lost', reason.message]);
    assert.match(r.stdout, new RegExp(`failed: ${poison} lr=0.02 lost: its worker stopped answering 2 times`));
  });
});
