import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../src/backend/select.js';
import { checkAgainstDataset, loadConfigFile } from '../../src/config/load.js';
import { InputError } from '../../src/errors.js';
import { writeReport, type ReportResult } from '../../src/report/aggregate.js';
import { parseCsv } from '../../src/report/read-trials.js';
import { PNG_SCALE } from '../../src/charts/render.js';
import { trialId } from '../../src/sweep/trial.js';
import { runTraining } from '../../src/train/run.js';
import { mnistSlice, runCli, tempDir } from '../helpers.js';
import { buildSweepFolder, COMPLETED, CORRUPT_METRICS, CORRUPT_TRIAL, FAILED, FAILED_MESSAGE, sweepRecord, writeFailedTrial } from './sweep-fixture.js';
import { pngSize } from './png.js';
import { svgSize } from './svg.js';

const runCommand = (args: string[]) => runCli(args);

const read = (path: string) => readFile(path, 'utf8');

let dir: string;
let first: ReportResult;

before(async () => {
  await selectBackend('wasm');
  dir = await buildSweepFolder();
  first = await writeReport(dir);
});

const COMPLETED_IDS = COMPLETED.map(trialId);
const ALL_IDS = [...COMPLETED_IDS, trialId(FAILED), trialId(CORRUPT_METRICS), trialId(CORRUPT_TRIAL)];

describe('leaderboard', () => {
  it('ranks the completed trials by test accuracy, then lists the failed one and the two unreadable ones', async () => {
    const rows = first.rows;
    assert.equal(rows.length, 6);
    assert.deepEqual(rows.map((r) => r.status), ['completed', 'completed', 'completed', 'failed', 'unreadable', 'unreadable']);
    assert.deepEqual(new Set(rows.slice(0, 3).map((r) => r.trial_id)), new Set(COMPLETED_IDS));
    const accuracies = rows.slice(0, 3).map((r) => r.test_accuracy!);
    assert.deepEqual(accuracies, [...accuracies].sort((a, b) => b - a));
    assert.equal(first.bestTrialId, rows[0].trial_id);
    assert.equal(rows[3].trial_id, trialId(FAILED));
    assert.equal(rows[3].error, FAILED_MESSAGE);
    assert.match(rows.find((r) => r.trial_id === trialId(CORRUPT_METRICS))!.error!, /^metrics\.json: not valid JSON/);
    assert.match(rows.find((r) => r.trial_id === trialId(CORRUPT_TRIAL))!.error!, /^trial\.json: not valid JSON/);
  });

  it('leaderboard.csv: the issue\'s columns, arrays as quoted "4,8" text, the failed message escaped', async () => {
    const csv = await read(join(dir, 'leaderboard.csv'));
    const [header, ...rows] = parseCsv(csv);
    assert.deepEqual(header, ['rank', 'number', 'trial_id', 'status', 'filters', 'learning_rate', 'test_accuracy', 'test_loss', 'val_accuracy', 'val_loss', 'train_accuracy', 'train_loss', 'best_epoch', 'epochs_run', 'params', 'duration_s', 'backend', 'error']);
    assert.equal(rows.length, 6);
    assert.deepEqual(rows.map((r) => r[2]), first.rows.map((r) => r.trial_id));
    assert.deepEqual(rows.map((r) => r[0]), ['1', '2', '3', '', '', '']);
    for (const r of rows.slice(0, 3)) {
      assert.match(r[4], /^[48],8$/);
      assert.equal(r[16], 'wasm');
      assert.ok(Number(r[6]) > 0.2, `test accuracy ${r[6]}`);
      assert.equal(r[17], '');
    }
    assert.ok(csv.includes(',"8,8",0.003,'), 'array values quoted');
    assert.equal(rows[3][17], FAILED_MESSAGE);
    assert.ok(csv.includes('"loss became NaN at epoch 1 <b>""bad"" & worse</b>"'));
    assert.deepEqual(rows[5].slice(3, 6), ['unreadable', '', ''], 'no values for a trial whose trial.json is corrupted');
  });

  it('leaderboard.csv rounds metrics as the report prints them; leaderboard.json keeps them in full', async () => {
    const [header, ...rows] = parseCsv(await read(join(dir, 'leaderboard.csv')));
    const json = JSON.parse(await read(join(dir, 'leaderboard.json')));
    const col = (name: string) => header.indexOf(name);
    for (const [i, r] of rows.slice(0, 3).entries()) {
      for (const name of ['test_accuracy', 'test_loss', 'val_accuracy', 'val_loss', 'train_accuracy', 'train_loss']) {
        assert.match(r[col(name)], /^\d+\.\d{4,5}$/, `${name} ${r[col(name)]}`);
        assert.ok(Math.abs(Number(r[col(name)]) - json.rows[i][name]) < 1e-4, name);
      }
      assert.match(r[col('duration_s')], /^\d+\.\d+$/);
      assert.match(r[col('params')], /^\d+$/);
    }
    assert.ok(json.rows.slice(0, 3).some((r: { test_loss: number }) => String(r.test_loss).length > 10), 'full precision in the JSON');
  });

  it('leaderboard.json: rank_by, goal, counts, best, values as written', async () => {
    const json = JSON.parse(await read(join(dir, 'leaderboard.json')));
    assert.equal(json.sweep, 'fixture-sweep');
    assert.equal(json.rank_by, 'test_accuracy');
    assert.equal(json.goal, 'maximize');
    assert.deepEqual(json.grid_keys, ['filters', 'learning_rate']);
    assert.deepEqual(json.trials, { total: 6, completed: 3, pruned: 0, failed: 1, unreadable: 2 });
    assert.equal(json.best_trial_id, first.bestTrialId);
    assert.deepEqual(json.rows[3].values, FAILED);
    assert.equal(json.rows[3].error_kind, 'nan');
  });

  it('rebuilt from unchanged trials: byte-identical CSV, JSON and charts', async () => {
    const before = new Map<string, Buffer>();
    const files = ['leaderboard.csv', 'leaderboard.json', ...(await readdir(join(dir, 'charts'))).map((f) => join('charts', f))];
    for (const f of files) before.set(f, await readFile(join(dir, f)));
    await writeReport(dir);
    for (const f of files) assert.ok(before.get(f)!.equals(await readFile(join(dir, f))), `${f} changed`);
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('.')), [], 'no staging leftovers');
  });
});

describe('charts', () => {
  it('one per grid key, plus leaderboard, parallel coordinates, top curves, the search history and every trial\'s epochs; each PNG decodes at 2x its SVG', async () => {
    const names = (await readdir(join(dir, 'charts'))).filter((f) => f.endsWith('.svg')).sort();
    // No sweep.log in the fixture, so no history by time; three completed trials are too few for importance.
    assert.deepEqual(names, ['epoch-curves.svg', 'leaderboard.svg', 'parallel-coordinates.svg', 'param-1-filters.svg', 'param-2-learning_rate.svg', 'search-history.svg', 'top-curves.svg']);
    for (const name of names) {
      const svg = await read(join(dir, 'charts', name));
      const png = await readFile(join(dir, 'charts', name.replace(/\.svg$/, '.png')));
      const size = svgSize(svg);
      assert.deepEqual(pngSize(png, name), { width: size.width * PNG_SCALE, height: size.height * PNG_SCALE }, name);
      assert.ok(size.width > 300 && size.height > 150, `${name} ${size.width}x${size.height}`);
    }
    const params = await read(join(dir, 'charts', 'param-1-filters.svg'));
    for (const text of ['test accuracy by filters', '4,8', '8,8', 'mean of trials']) assert.ok(params.includes(`>${text}<`), text);
    const parallel = await read(join(dir, 'charts', 'parallel-coordinates.svg'));
    for (const text of ['filters', 'learning_rate', 'test accuracy']) assert.ok(parallel.includes(`>${text}<`), `axis name ${text}`);
    const curves = await read(join(dir, 'charts', 'top-curves.svg'));
    assert.ok(curves.includes('>validation accuracy<'));
    for (const row of first.rows.slice(0, 3)) assert.ok(curves.includes(`>#${row.rank} ${row.label}<`), `legend entry of ${row.label}`);
  });
});

describe('report.html', () => {
  it('has every trial row, every chart and the best trial\'s three figures inline, and loads nothing from the network', async () => {
    const html = await read(join(dir, 'report.html'));
    for (const id of ALL_IDS) assert.ok(html.includes(`data-trial="${id}"`), `row of ${id}`);
    const charts = (await readdir(join(dir, 'charts'))).filter((f) => f.endsWith('.svg')).length;
    assert.equal((html.match(/<svg\b/g) ?? []).length, charts + 3, 'sweep charts + curves + two confusion matrices');
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique across the inlined SVGs');
    assert.doesNotMatch(html, /<(script|img|link|iframe)\b[^>]*\s(src|href)=/i, 'no external resources');
    assert.doesNotMatch(html, /url\(\s*['"]?https?:/i);
    assert.doesNotMatch(html, /@import|@font-face/);
    assert.ok(html.includes('Best: '));
    assert.match(html, /\d+ predicted as \d+: \d+ times?/);
    assert.ok(html.includes('Per-class accuracy'));
  });

  it('says why trials failed in the summary box and beside their status, not only in a far column', async () => {
    const html = await read(join(dir, 'report.html'));
    const box = /<div class="headline">([\s\S]*?)<\/div>/.exec(html)![1];
    assert.match(box, /3 completed, 1 failed, 2 unreadable/);
    assert.ok(box.includes(`<code>${trialId(FAILED)}</code>`) && box.includes('nan: loss became NaN at epoch 1 &lt;b&gt;'), box);
    assert.match(box, /unreadable: metrics\.json: not valid JSON/);
    assert.ok(html.includes('<th>status</th><th>error</th>'), 'the error column follows the status');
    assert.ok(html.includes('<td>failed (nan)</td><td class="error">loss became NaN'));
  });

  it('gives commands that work when pasted where the report was made, and keeps the paper\'s figure apart from this run\'s', async () => {
    const html = await read(join(dir, 'report.html'));
    assert.ok(html.includes(`<code>convsweep train ${join(dir, 'best', 'config.json')}</code>`));
    assert.ok(html.includes(`<code>convsweep report ${dir} --rank-by val_accuracy</code>`));
    assert.doesNotMatch(html, /report DIR|train best\/config\.json/);
    assert.match(html, /not from this sweep: in the paper's Fig\. 5/);
  });

  it('tells the wall time of the sweep (sweep.log) from the trials\' time added up', async () => {
    const copy = join(await tempDir(), 'timed');
    await cp(dir, copy, { recursive: true });
    // Two runs of the folder (a Ctrl-C and a --resume): 60 s and 28 s by the clock.
    const log = [
      { time: '2026-12-01T10:00:00.000Z', event: 'start' },
      { time: '2026-12-01T10:01:00.000Z', event: 'end' },
      { time: '2026-12-01T11:00:00.000Z', event: 'start' },
      { time: '2026-12-01T11:00:20.000Z', event: 'trial-end' },
      { time: '2026-12-01T11:00:28.000Z', event: 'end' },
    ];
    await writeFile(join(copy, 'sweep.log'), `${log.map((l) => JSON.stringify({ level: 30, ...l })).join('\n')}\n`);
    await writeReport(copy);
    const html = await read(join(copy, 'report.html'));
    assert.match(html, /<dt>Wall time<\/dt><dd>1 min 28 s, from the start of the sweep to its end/);
    assert.match(html, /<dt>Trial time<\/dt><dd>[^<]* added up over 3 completed trials/);
    assert.doesNotMatch(await read(join(dir, 'report.html')), /Wall time/, 'no sweep.log, no wall time');
  });

  it('escapes every user string', async () => {
    const html = await read(join(dir, 'report.html'));
    assert.ok(html.includes('loss became NaN at epoch 1 &lt;b&gt;&quot;bad&quot; &amp; worse&lt;/b&gt;'));
    assert.ok(!html.includes('<b>"bad"'), 'the raw error message never appears');
    assert.ok(html.includes('Report test &lt;sweep&gt; &amp; &quot;friends&quot;'));
    assert.ok(!html.includes('<sweep>'));
  });
});

describe('best/', () => {
  it('holds the best trial\'s config.json byte for byte, its model, metrics.json and trial.json', async () => {
    const trialDir = join(dir, 'trials', first.bestTrialId!);
    assert.equal(await read(join(dir, 'best', 'config.json')), await read(join(trialDir, 'config.json')));
    assert.equal(await read(join(dir, 'best', 'metrics.json')), await read(join(trialDir, 'metrics.json')));
    const trial = JSON.parse(await read(join(dir, 'best', 'trial.json')));
    assert.equal(trial.id, first.bestTrialId);
    assert.deepEqual(trial.values, first.rows[0].values);
    assert.deepEqual((await readdir(join(dir, 'best', 'model'))).sort(), (await readdir(join(trialDir, 'model'))).sort());
  });

  it('validates and trains as is', async () => {
    const { config, file } = await loadConfigFile(join(dir, 'best', 'config.json'));
    const data = await mnistSlice(200, 100);
    checkAgainstDataset(config, file, { imageShape: data.imageShape, classes: data.classes });
    const outDir = join(await tempDir(), 'retrain');
    const metrics = await runTraining({ config, configFile: file, data, backend: 'wasm', outDir, overrides: { epochs: 1 } });
    assert.equal(metrics.epochs_run, 1);
    assert.equal(metrics.params, first.rows[0].params);
    assert.ok(existsSync(join(outDir, 'model', 'model.json')));
  });
});

describe('--rank-by', () => {
  it('val_accuracy ranks by validation accuracy (descending) and best/ follows it', async () => {
    const copy = join(await tempDir(), 'copy');
    await cp(dir, copy, { recursive: true });
    const result = await writeReport(copy, { rankBy: 'val_accuracy' });
    assert.deepEqual(result.ranking, { metric: 'val_accuracy', goal: 'maximize' });
    const val = result.rows.slice(0, 3).map((r) => r.val_accuracy!);
    assert.deepEqual(val, [...val].sort((a, b) => b - a));
    assert.equal(JSON.parse(await read(join(copy, 'leaderboard.json'))).rank_by, 'val_accuracy');
    assert.equal(JSON.parse(await read(join(copy, 'best', 'trial.json'))).id, result.bestTrialId);
    assert.ok((await read(join(copy, 'report.html'))).includes('is an honest estimate'));
    const loss = await writeReport(copy, { rankBy: 'test_loss' });
    const losses = loss.rows.slice(0, 3).map((r) => r.test_loss!);
    assert.deepEqual(losses, [...losses].sort((a, b) => a - b));
  });
});

describe('bad input', () => {
  it('a missing folder, a folder without sweep.json, without trials/, with an empty trials/ are InputErrors', async () => {
    const root = await tempDir();
    const expectInput = async (path: string, pattern: RegExp, options = {}) =>
      assert.rejects(writeReport(path, options), (err: unknown) => err instanceof InputError && pattern.test(err.message));
    await expectInput(join(root, 'nope'), /nope: no such folder/);
    await mkdir(join(root, 'plain'));
    await expectInput(join(root, 'plain'), /plain: not a sweep folder \(no sweep\.json\)/);
    await mkdir(join(root, 'sw'));
    await writeFile(join(root, 'sw', 'sweep.json'), JSON.stringify(sweepRecord()));
    await expectInput(join(root, 'sw'), new RegExp(`sw: has no trials/ folder, so no trial has run \\(run the sweep first: \`convsweep run\` on its sweep file with --out ${join(root, 'sw')}\\)`));
    await mkdir(join(root, 'sw', 'trials', '.abc.partial-1-ff'), { recursive: true });
    await expectInput(join(root, 'sw'), new RegExp(`trials: no trials yet \\(.*--resume --out ${join(root, 'sw')}\\)`), { ifEmpty: 'error' });
    const skipped = await writeReport(join(root, 'sw'));
    assert.equal(skipped.written, false);
    assert.ok(!existsSync(join(root, 'sw', 'leaderboard.csv')));
    await writeFile(join(root, 'sw', 'sweep.json'), '{"grid": ');
    await expectInput(join(root, 'sw'), /sweep\.json: not valid JSON/);
  });

  it('a sweep where every trial failed: leaderboard and report of the failures, no best/', async () => {
    const root = join(await tempDir(), 'all-failed');
    await mkdir(join(root, 'trials'), { recursive: true });
    await writeFile(join(root, 'sweep.json'), JSON.stringify(sweepRecord()));
    await mkdir(join(root, 'best'));
    await writeFile(join(root, 'best', 'config.json'), '{}');
    await writeFailedTrial(join(root, 'trials'), FAILED, 'out of memory');
    const result = await writeReport(root);
    assert.equal(result.bestTrialId, null);
    assert.ok(!existsSync(join(root, 'best')), 'a stale best/ is removed');
    assert.ok((await read(join(root, 'report.html'))).includes('No trial completed yet'));
    assert.equal(parseCsv(await read(join(root, 'leaderboard.csv')))[1][17], 'out of memory');
    const best = await runCommand(['best', root]);
    assert.equal(best.code, 2);
    assert.match(best.stderr, /no completed trial \(1 failed, 0 unreadable\)/);
  });
});

describe('commands', () => {
  it('report DIR rebuilds and says who won; best DIR prints the config; best -o writes it', async () => {
    const copy = join(await tempDir(), 'cli');
    await cp(dir, copy, { recursive: true });
    await rm(join(copy, 'charts'), { recursive: true });
    const report = await runCommand(['report', copy]);
    assert.equal(report.code, 0, report.stderr);
    const lines = report.stdout.trim().split('\n');
    assert.equal(lines[0], '3 completed, 1 failed, 2 unreadable; ranked by test_accuracy (maximize)');
    // Why the three did not complete, then the winner and the report's path.
    assert.match(lines[1], new RegExp(`^failed: ${trialId(FAILED)} filters=8,8 lr=0\\.003 nan: loss became NaN`));
    assert.match(lines[2], /^unreadable: \w+ .*metrics\.json: not valid JSON/);
    assert.match(lines[4], new RegExp(`^best: ${first.bestTrialId} \\S+ lr=\\S+ test_accuracy 0\\.\\d{4}$`));
    assert.equal(lines[5], `report: ${join(copy, 'report.html')}`);
    assert.ok(existsSync(join(copy, 'charts', 'leaderboard.png')));
    assert.equal(await read(join(copy, 'leaderboard.csv')), await read(join(dir, 'leaderboard.csv')));

    const config = await read(join(dir, 'trials', first.bestTrialId!, 'config.json'));
    const best = await runCommand(['best', copy]);
    assert.equal(best.code, 0, best.stderr);
    assert.equal(best.stdout, config);
    const out = join(copy, 'picked', 'best.json');
    const written = await runCommand(['best', copy, '-o', out]);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(written.stdout, '');
    assert.equal(await read(out), config);
  });

  it('exit 2 with one line for a folder that is not a sweep, an empty trials/ and an unknown --rank-by', async () => {
    const root = await tempDir();
    const notSweep = await runCommand(['report', root]);
    assert.equal(notSweep.code, 2);
    assert.equal(notSweep.stderr, `${root}: not a sweep folder (no sweep.json) (give the folder \`convsweep run\` wrote, e.g. results/<sweep name>)\n`);
    await mkdir(join(root, 'trials'));
    await writeFile(join(root, 'sweep.json'), JSON.stringify(sweepRecord()));
    const empty = await runCommand(['report', root]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /trials: no trials yet/);
    const bestEmpty = await runCommand(['best', root]);
    assert.equal(bestEmpty.code, 2);
    const badMetric = await runCommand(['report', dir, '--rank-by', 'accuracy']);
    assert.equal(badMetric.code, 2);
    assert.match(badMetric.stderr, /rank-by/);
  });
});
