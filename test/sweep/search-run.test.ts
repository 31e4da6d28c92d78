import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { writeReport } from '../../src/report/aggregate.js';
import { planSweep, runSweep } from '../../src/sweep/run-sweep.js';
import { parseCsv } from '../../src/train/history-csv.js';
import { tempDir } from '../helpers.js';
import { tinyNet, writeSweep } from './sweep-files.js';

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

function searchSweep(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'search',
    base: tinyNet({ validation_split: 0.25 }),
    method: 'random',
    max_trials: 6,
    space: { learning_rate: { distribution: 'log_uniform', min: 0.0002, max: 0.05 }, dropout: [0.1, 0.5] },
    epochs: 3,
    train_limit: 320,
    test_limit: 100,
    seed: 5,
    early_stopping: { type: 'asha', metric: 'val_accuracy', min_epochs: 1, reduction_factor: 2 },
    ...extra,
  };
}

test('a random sweep with ASHA on the local pool: losing trials stop after an epoch, are evaluated and saved as pruned; the leaderboard ranks completed trials first; resume keeps them', async () => {
  const file = await writeSweep(searchSweep({}));
  const outDir = join(await tempDir(), 'results');
  const summary = await runSweep({ sweepFile: file, outDir, backend: 'wasm', workers: 1, writeReport });
  assert.equal(summary.total, 6);
  assert.equal(summary.completed + summary.pruned, 6, JSON.stringify(summary));
  assert.ok(summary.pruned >= 1 && summary.completed >= 1, JSON.stringify(summary));
  assert.equal(summary.pruner, 'ASHA');
  assert.ok(summary.epochsRun < summary.epochsPlanned && summary.epochsPlanned === 18, JSON.stringify(summary));

  const trialsDir = join(outDir, 'trials');
  const folders = (await readdir(trialsDir)).sort();
  assert.deepEqual(folders.map((f) => f.slice(0, 5)), ['0001-', '0002-', '0003-', '0004-', '0005-', '0006-'], 'folders named by trial number');
  let prunedSeen = 0;
  for (const id of folders) {
    const metrics = await readJson(join(trialsDir, id, 'metrics.json'));
    const trial = await readJson(join(trialsDir, id, 'trial.json'));
    assert.equal(trial.number, Number(id.slice(0, 4)));
    const history = parseCsv(await readFile(join(trialsDir, id, 'history.csv'), 'utf8')).filter((r) => r.length > 1);
    assert.equal(history.length - 1, metrics.epochs_run, 'one history row an epoch run');
    assert.ok(existsSync(join(trialsDir, id, 'model', 'model.json')) || existsSync(join(trialsDir, id, 'model.json')) || (await readdir(join(trialsDir, id))).some((f) => f.startsWith('model')), 'the model is saved');
    if (metrics.status === 'pruned') {
      prunedSeen++;
      assert.ok(metrics.epochs_run < 3, `pruned after ${metrics.epochs_run} epochs`);
      assert.ok(typeof metrics.test_accuracy === 'number', 'a pruned trial is evaluated');
    } else assert.equal(metrics.status, 'completed');
  }
  assert.equal(prunedSeen, summary.pruned);

  const log = (await readFile(join(outDir, 'sweep.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(log.filter((l) => l.event === 'trial-epoch' && l.verdict === 'stop').length, summary.pruned, 'each pruned trial heard one stop verdict');
  assert.equal(log.filter((l) => l.event === 'trial-end' && l.status === 'pruned').length, summary.pruned);

  const [header, ...rows] = parseCsv(await readFile(join(outDir, 'leaderboard.csv'), 'utf8')).filter((r) => r.length > 1);
  assert.deepEqual(header.slice(0, 4), ['rank', 'number', 'trial_id', 'status']);
  const statuses = rows.map((r) => r[3]);
  assert.deepEqual(statuses, [...statuses].sort((a, b) => (a === b ? 0 : a === 'completed' ? -1 : 1)), 'completed rows before pruned ones');
  assert.ok(rows.filter((r) => r[3] === 'pruned').every((r) => r[0] === ''), 'pruned trials are not ranked');
  const best = await readJson(join(outDir, 'best', 'metrics.json'));
  assert.equal(best.status, 'completed', 'best/ is a completed trial');

  const charts = await readdir(join(outDir, 'charts'));
  for (const chart of ['search-history', 'search-history-time', 'epoch-curves', 'value-learning_rate']) assert.ok(charts.includes(`${chart}.svg`), `charts/${chart}.svg in ${charts.join(' ')}`);
  const scatter = JSON.parse(await readFile(join(outDir, 'charts', 'value-learning_rate.vl.json'), 'utf8'));
  assert.equal(scatter.encoding.x.scale.type, 'log', 'a log-distributed setting on a log axis');
  assert.ok(!charts.some((c) => c.startsWith('param-') && c.includes('learning_rate')), 'no chart a distinct value for a distribution');

  const again = await runSweep({ sweepFile: file, outDir, backend: 'wasm', workers: 1, writeReport, resume: true });
  assert.equal(again.skipped, 6, 'completed and pruned trials are kept on resume');
  assert.equal(again.completed + again.pruned + again.failed, 0);
});

test('a TPE + median sweep interrupted after 3 trials and resumed: the finished trials are kept untouched and the search continues to its max_trials', async () => {
  const file = await writeSweep(searchSweep({ method: 'tpe', max_trials: 6, tpe: { startup_trials: 3 }, early_stopping: { type: 'median', metric: 'val_loss', startup_trials: 2, warmup_epochs: 1 } }));
  const outDir = join(await tempDir(), 'results');
  const controller = new AbortController();
  let ended = 0;
  const first = await runSweep({ sweepFile: file, outDir, backend: 'wasm', workers: 1, writeReport, signal: controller.signal, listener: { onTrialEnd: () => ++ended === 3 && controller.abort() } });
  assert.equal(first.interrupted, true);
  const kept = new Map<string, string>();
  for (const id of await readdir(join(outDir, 'trials'))) kept.set(id, await readFile(join(outDir, 'trials', id, 'metrics.json'), 'utf8'));
  assert.equal(kept.size, 3, [...kept.keys()].join(' '));
  const second = await runSweep({ sweepFile: file, outDir, backend: 'wasm', workers: 1, writeReport, resume: true });
  assert.equal(second.skipped, 3);
  assert.equal(second.completed + second.pruned + second.failed, 3);
  const folders = (await readdir(join(outDir, 'trials'))).sort();
  assert.deepEqual(folders.map((f) => f.slice(0, 4)), ['0001', '0002', '0003', '0004', '0005', '0006']);
  for (const [id, metrics] of kept) assert.equal(await readFile(join(outDir, 'trials', id, 'metrics.json'), 'utf8'), metrics, `${id} untouched`);
  const log = (await readFile(join(outDir, 'sweep.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(log.filter((l) => l.event === 'trial-start').map((l) => l.number), [1, 2, 3, 4, 5, 6], 'each number started once');
});

test('refused before anything is written: a distribution on a setting that is not numeric, a bound that makes the config invalid, ASHA rungs at or past the epochs', async () => {
  const refused = async (extra: Record<string, unknown>): Promise<string> => {
    const err = await planSweep({ sweepFile: await writeSweep(searchSweep(extra)) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof InputError, `refused: ${JSON.stringify(extra)}`);
    assert.equal(err.problems.length, 1, err.message);
    return `${err.problems[0].path}: ${err.problems[0].message}`;
  };
  assert.match(await refused({ space: { optimizer: { distribution: 'uniform', min: 0, max: 1 } } }), /^\/space\/optimizer: optimizer is not a number in the base config, so it cannot take a uniform distribution/);
  assert.match(await refused({ space: { dropout: { distribution: 'uniform', min: 0.1, max: 1.5 } } }), /^\/space\/dropout: bound 1.5 makes the config invalid: \/layers\/3\/rate: must be < 1/);
  assert.match(await refused({ early_stopping: { type: 'asha', min_epochs: 3 } }), /^\/early_stopping\/min_epochs: 3 is not below the trials' 3 epochs/);
});

test('a TPE sweep lists its start-up trials before running; the same seed gives the same ones', async () => {
  const file = await writeSweep(searchSweep({ method: 'tpe', max_trials: 12, tpe: { startup_trials: 4 } }));
  const plan = await planSweep({ sweepFile: file });
  assert.equal(plan.trials.length, 4);
  assert.equal(plan.search.sampler.maxTrials, 12);
  assert.deepEqual(plan.trials.map((t) => t.number), [1, 2, 3, 4]);
  const again = await planSweep({ sweepFile: file });
  assert.deepEqual(again.trials.map((t) => t.values), plan.trials.map((t) => t.values));
  // TPE's start-up trials are random's first ones.
  const random = await planSweep({ sweepFile: await writeSweep(searchSweep({ max_trials: 12 })) });
  assert.deepEqual(random.trials.slice(0, 4).map((t) => t.values), plan.trials.map((t) => t.values));
});
