/**
 * optuna-journal.log as Optuna reads it: a real random + ASHA sweep on an MNIST slice (completed,
 * pruned and failed trials; log, stepped, integer and categorical settings, one of them a JSON
 * object) and a real grid sweep (with failed trials, an unreadable one and no sweep.log) are loaded by Optuna itself
 * (test/report/optuna_load.py on python3-optuna) and compared, field by field, with what their
 * folders say. Skipped when Optuna is not installed, except in CI.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseCsv } from '../../src/train/history-csv.js';
import { repoRoot, runCli, tempDir } from '../helpers.js';
import { tinyNet, tinySweep, writeSweep } from '../sweep/sweep-files.js';

const python = process.env.OPTUNA_PYTHON ?? '/usr/bin/python3';
const loader = join(repoRoot, 'test', 'report', 'optuna_load.py');
const hasOptuna = spawnSync(python, ['-c', 'import optuna'], { stdio: 'ignore' }).status === 0;
// In CI (.ci/run installs python3-optuna) a missing Optuna fails the tests instead of skipping them.
const skip = !hasOptuna && process.env.CI !== 'true' && `no Optuna for ${python} (apt-get install python3-optuna)`;

interface OptunaTrial {
  number: number;
  state: string;
  value: number | null;
  params: Record<string, unknown>;
  distributions: Record<string, { name: string; attributes: Record<string, unknown> }>;
  intermediate_values: Record<string, number>;
  user_attrs: Record<string, unknown>;
  datetime_start: { iso: string; timestamp: number } | null;
  datetime_complete: { iso: string; timestamp: number } | null;
}

interface OptunaView {
  optuna: string;
  study: { name: string; directions: string[]; user_attrs: Record<string, unknown>; best_trial_number: number | null };
  trials: OptunaTrial[];
  importances: Record<string, number> | string;
  plots: Record<string, string>;
  appended: { trials: number; expected: number; params: string[] };
}

async function loadWithOptuna(journal: string, study: string): Promise<OptunaView> {
  const { stdout } = await promisify(execFile)(python, [loader, journal, study], { timeout: 120_000, maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as OptunaView;
}

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));
const readOptionalJson = async (path: string) => readJson(path).catch(() => undefined);

/** What a trial folder says, read straight from its files. */
interface FolderTrial {
  id: string;
  trial?: { number?: number; index?: number; label: string; values: Record<string, unknown> };
  metrics?: Record<string, unknown>;
  error?: { kind: string; message: string };
  history: Record<string, string>[];
}

async function readFolderTrials(dir: string): Promise<FolderTrial[]> {
  const ids = (await readdir(join(dir, 'trials'))).filter((n) => !n.startsWith('.')).sort();
  return Promise.all(
    ids.map(async (id) => {
      const trialDir = join(dir, 'trials', id);
      const [header, ...rows] = parseCsv(await readFile(join(trialDir, 'history.csv'), 'utf8').catch(() => '')).filter((r) => r.length > 1);
      return {
        id,
        trial: await readOptionalJson(join(trialDir, 'trial.json')),
        metrics: await readOptionalJson(join(trialDir, 'metrics.json')),
        error: await readOptionalJson(join(trialDir, 'error.json')),
        history: rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))),
      };
    }),
  );
}

/** sweep.log's trial-start and trial-end times, in milliseconds since the epoch. */
async function logTimes(dir: string): Promise<Map<string, { start?: number; end?: number }>> {
  const times = new Map<string, { start?: number; end?: number }>();
  for (const line of (await readFile(join(dir, 'sweep.log'), 'utf8')).split('\n').filter(Boolean)) {
    const entry = JSON.parse(line);
    if (entry.event !== 'trial-start' && entry.event !== 'trial-end') continue;
    const t = times.get(entry.id) ?? {};
    t[entry.event === 'trial-start' ? 'start' : 'end'] = Date.parse(entry.time);
    times.set(entry.id, t);
  }
  return times;
}

/** A setting's value as Optuna holds it: scalars as they are, lists and objects as their JSON text. */
const asChoice = (v: unknown) => (v === null || typeof v !== 'object' ? v : JSON.stringify(v));

function assertTrialMatchesFolder(seen: OptunaTrial, folder: FolderTrial, metric: string, epochMetric: string) {
  const what = `trial ${seen.number} (${folder.id})`;
  assert.equal(seen.user_attrs.trial_id, folder.id, what);
  if (folder.trial) assert.equal(seen.user_attrs.label, folder.trial.label, what);
  if (folder.error) {
    assert.equal(seen.state, 'FAIL', what);
    assert.equal(seen.value, null, what);
    assert.equal(seen.user_attrs.failure_kind, folder.error.kind, what);
    assert.equal(seen.user_attrs.failure_message, folder.error.message, what);
  } else if (folder.metrics && typeof folder.metrics[metric] === 'number') {
    assert.equal(seen.state, folder.metrics.status === 'pruned' ? 'PRUNED' : 'COMPLETE', what);
    assert.equal(seen.value, folder.metrics[metric], what);
    for (const key of ['test_accuracy', 'test_loss', 'epochs_run']) assert.equal(seen.user_attrs[key], folder.metrics[key], `${what}: ${key}`);
  } else {
    assert.equal(seen.state, 'FAIL', `${what}: unreadable`);
    assert.equal(seen.user_attrs.status, 'unreadable', what);
  }
  const expectedParams = Object.fromEntries(Object.entries(folder.trial?.values ?? {}).map(([k, v]) => [k, asChoice(v)]));
  assert.deepEqual(seen.params, expectedParams, `${what}: params`);
  const expectedIntermediate = Object.fromEntries(folder.history.filter((r) => r[epochMetric] !== '').map((r) => [r.epoch, Number(r[epochMetric])]));
  assert.deepEqual(seen.intermediate_values, expectedIntermediate, `${what}: intermediate values`);
  const finished = seen.state === 'COMPLETE' || seen.state === 'PRUNED';
  assert.equal(Object.keys(seen.intermediate_values).length, finished ? folder.metrics!.epochs_run : 0, `${what}: one value an epoch run`);
}

describe('a random + ASHA sweep in Optuna', { skip }, () => {
  let dir: string;
  let view: OptunaView;
  let journal: string;

  before(async () => {
    // One categorical choice (an L2 of 1e38) makes the loss overflow: those trials fail at their first batch.
    const space = {
      learning_rate: { distribution: 'log_uniform', min: 0.002, max: 0.05 },
      dropout: { distribution: 'uniform', min: 0.1, max: 0.5, q: 0.1 },
      batch_size: { distribution: 'int_log_uniform', min: 16, max: 64 },
      'layers[0].filters': { distribution: 'int_uniform', min: 2, max: 6, q: 2 },
      'layers[4].kernel_regularizer': [{ l2: 0.001 }, { l2: 0.0001 }, { l2: 1e38 }],
      optimizer: ['Adam', 'SGD'],
    };
    const sweep = {
      name: 'optuna-mix',
      base: tinyNet({ validation_split: 0.25 }),
      method: 'random',
      max_trials: 12,
      space,
      early_stopping: { type: 'asha', metric: 'val_accuracy', min_epochs: 1, reduction_factor: 2 },
      epochs: 3,
      train_limit: 320,
      test_limit: 100,
      seed: 5,
    };
    dir = join(await tempDir(), 'optuna-mix');
    const run = await runCli(['run', await writeSweep(sweep), '--out', dir, '--backend', 'wasm', '--workers', '1']);
    assert.equal(run.code, 1, `run exits 1 when trials failed: ${run.stderr}`);
    journal = join(dir, 'optuna-journal.log');
    view = await loadWithOptuna(journal, 'optuna-mix');
  });

  it('has every trial in convsweep\'s order, with its state, value, params, per-epoch values and test figures', async () => {
    const folders = await readFolderTrials(dir);
    const states = new Set(view.trials.map((t) => t.state));
    assert.deepEqual([...states].sort(), ['COMPLETE', 'FAIL', 'PRUNED'], 'the fixture has every state');
    assert.equal(view.trials.length, folders.length);
    const byNumber = [...folders].sort((a, b) => a.trial!.number! - b.trial!.number!);
    view.trials.forEach((seen, i) => {
      assert.equal(seen.number, i);
      assert.equal(seen.number, byNumber[i].trial!.number! - 1, 'Optuna counts from 0, convsweep from 1');
      assert.equal(seen.user_attrs.convsweep_number, byNumber[i].trial!.number);
      assertTrialMatchesFolder(seen, byNumber[i], 'test_accuracy', 'val_accuracy');
    });
  });

  it('gives each setting its distribution: log, stepped and integer ones numeric, lists categorical with objects as JSON text', () => {
    const expected = {
      learning_rate: { name: 'FloatDistribution', attributes: { low: 0.002, high: 0.05, log: true, step: null } },
      dropout: { name: 'FloatDistribution', attributes: { low: 0.1, high: 0.5, log: false, step: 0.1 } },
      batch_size: { name: 'IntDistribution', attributes: { low: 16, high: 64, log: true, step: 1 } },
      'layers[0].filters': { name: 'IntDistribution', attributes: { low: 2, high: 6, log: false, step: 2 } },
      'layers[4].kernel_regularizer': { name: 'CategoricalDistribution', attributes: { choices: ['{"l2":0.001}', '{"l2":0.0001}', '{"l2":1e+38}'] } },
      optimizer: { name: 'CategoricalDistribution', attributes: { choices: ['Adam', 'SGD'] } },
    };
    for (const trial of view.trials) assert.deepEqual(trial.distributions, expected, `trial ${trial.number}`);
  });

  it('times each trial by sweep.log, and names the study, its direction and metrics', async () => {
    const times = await logTimes(dir);
    for (const trial of view.trials) {
      const logged = times.get(trial.user_attrs.trial_id as string)!;
      assert.ok(Math.abs(trial.datetime_start!.timestamp * 1000 - logged.start!) < 1, `trial ${trial.number} start`);
      assert.ok(Math.abs(trial.datetime_complete!.timestamp * 1000 - logged.end!) < 1, `trial ${trial.number} end`);
    }
    assert.equal(view.study.name, 'optuna-mix');
    assert.deepEqual(view.study.directions, ['MAXIMIZE']);
    assert.deepEqual(view.study.user_attrs, { metric: 'test_accuracy', goal: 'maximize', intermediate_metric: 'val_accuracy', method: 'random', pruner: 'asha' });
    const leaderboard = await readJson(join(dir, 'leaderboard.json'));
    assert.equal(view.trials[view.study.best_trial_number!].user_attrs.trial_id, leaderboard.best_trial_id, 'Optuna\'s best trial is the leaderboard\'s');
  });

  it('opens in Optuna\'s importances and plots, and Optuna can go on sampling the study', () => {
    // In CI (.ci/run installs scikit-learn and plotly) none may be skipped.
    const required = process.env.CI === 'true';
    if (typeof view.importances === 'string') assert.ok(!required && view.importances.startsWith('skipped:'), view.importances);
    else assert.deepEqual(Object.keys(view.importances).sort(), ['batch_size', 'dropout', 'layers[0].filters', 'layers[4].kernel_regularizer', 'learning_rate', 'optimizer']);
    for (const [plot, outcome] of Object.entries(view.plots)) assert.ok(outcome === 'ok' || (!required && outcome.startsWith('skipped:')), `${plot}: ${outcome}`);
    assert.equal(view.appended.trials, view.appended.expected, 'a trial Optuna adds joins the study');
    assert.equal(view.appended.params.length, 6, 'TPE proposes every setting');
  });

  it('is rewritten byte for byte when the report is rebuilt, and export writes the same anywhere', async () => {
    const first = await readFile(journal);
    const report = await runCli(['report', dir]);
    assert.equal(report.code, 0, report.stderr);
    assert.ok(first.equals(await readFile(journal)), 'report rewrites the same journal');
    const out = join(await tempDir(), 'elsewhere', 'study.log');
    const exported = await runCli(['export', dir, '--out', out]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.ok(first.equals(await readFile(out)), 'export writes the same journal');
    assert.match(exported.stdout, /^12 trials of study "optuna-mix" written to .*study\.log\n/);
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('.')), [], 'no temporary files left');
  });
});

describe('a grid sweep folder in Optuna', { skip }, () => {
  it('has every grid key categorical, and failed and unreadable trials as FAIL with their reason', async () => {
    // An absurd learning rate overflows the tiny net's L2 penalty: those trials fail.
    const grid = { 'layers[0].kernel_size': [3, [3, 5]], learning_rate: [0.01, 1e30] };
    const dir = join(await tempDir(), 'grid');
    const run = await runCli(['run', await writeSweep(tinySweep(grid, { base: tinyNet({ validation_split: 0.25 }), epochs: 2 })), '--out', dir, '--backend', 'wasm', '--workers', '1']);
    assert.equal(run.code, 1, `run exits 1 when trials failed: ${run.stderr}`);
    // A trial whose metrics.json was cut short, and a sweep that lost its sweep.log.
    const ids = (await readdir(join(dir, 'trials'))).sort();
    const completed = (await readFolderTrials(dir)).find((f) => f.metrics)!;
    const cut = join(dir, 'trials', 'zz-cut');
    await mkdir(cut);
    await copyFile(join(dir, 'trials', completed.id, 'trial.json'), join(cut, 'trial.json'));
    await writeFile(join(cut, 'metrics.json'), '{"test_accuracy": 0.9, "test_lo');
    await rm(join(dir, 'sweep.log'));
    const exported = await runCli(['export', dir]);
    assert.equal(exported.code, 0, exported.stderr);

    const view = await loadWithOptuna(join(dir, 'optuna-journal.log'), 'tiny-sweep');
    const folders = await readFolderTrials(dir);
    assert.equal(view.trials.length, ids.length + 1);
    // In grid order; the copied trial.json gives the cut trial the same number as its original, whose folder name comes first.
    const byNumber = [...folders].sort((a, b) => a.trial!.number! - b.trial!.number! || (a.id < b.id ? -1 : 1));
    view.trials.forEach((seen, i) => assertTrialMatchesFolder(seen, byNumber[i], 'test_accuracy', 'val_accuracy'));
    assert.deepEqual(view.trials.map((t) => t.state).sort(), ['COMPLETE', 'COMPLETE', 'FAIL', 'FAIL', 'FAIL']);
    for (const trial of view.trials) {
      assert.deepEqual(trial.distributions, {
        'layers[0].kernel_size': { name: 'CategoricalDistribution', attributes: { choices: [3, '[3,5]'] } },
        learning_rate: { name: 'CategoricalDistribution', attributes: { choices: [0.01, 1e30] } },
      });
    }
    const unreadable = view.trials.filter((t) => t.user_attrs.status === 'unreadable');
    assert.deepEqual(unreadable.map((t) => t.user_attrs.trial_id), ['zz-cut']);
    assert.equal(unreadable[0].user_attrs.failure_kind, 'unreadable');
    assert.match(String(unreadable[0].user_attrs.failure_message), /metrics\.json/);
    // No sweep.log: a finished trial's times come from its metrics.json (written at its end) and its duration.
    for (const trial of view.trials.filter((t) => t.state === 'COMPLETE')) {
      const folder = folders.find((f) => f.id === trial.user_attrs.trial_id)!;
      assert.ok(Math.abs(trial.datetime_complete!.timestamp - trial.datetime_start!.timestamp - Number(folder.metrics!.duration_s)) < 0.002, `trial ${trial.number} lasts its duration_s`);
    }
  });
});

describe('convsweep export refuses', () => {
  it('a folder that is not a sweep folder: exit 2, one line naming it', async () => {
    const missing = join(await tempDir(), 'no-such-sweep');
    const r = await runCli(['export', missing]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`${missing}: no such folder`), r.stderr);
    const empty = await tempDir();
    const notSweep = await runCli(['export', empty]);
    assert.equal(notSweep.code, 2);
    assert.match(notSweep.stderr, new RegExp(`^${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a sweep folder \\(no sweep.json\\)[^\n]*\n$`));
  });

  it('to replace a file that is not a journal it wrote, or a folder: exit 2, the file untouched', async () => {
    const dir = join(await tempDir(), 'sweep');
    const trial = join(dir, 'trials', 'a');
    await writeSweepFolder(dir, trial);
    const other = join(await tempDir(), 'my-studies.log');
    await writeFile(other, '{"op_code": 0, "worker_id": "1234-abcd", "study_name": "mine", "directions": [1]}\n');
    const r = await runCli(['export', dir, '--out', other]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `${other}: exists and is not a journal convsweep wrote (choose another --out, or remove the file first)\n`);
    assert.equal(await readFile(other, 'utf8'), '{"op_code": 0, "worker_id": "1234-abcd", "study_name": "mine", "directions": [1]}\n');
    const folder = await tempDir();
    const intoFolder = await runCli(['export', dir, '--out', folder]);
    assert.equal(intoFolder.code, 2);
    assert.equal(intoFolder.stderr, `${folder}: is a folder, not a file (give a file name, e.g. --out ${join(folder, 'optuna-journal.log')})\n`);
    await copyFile(join(dir, 'optuna-journal.log'), other);
    const again = await runCli(['export', dir, '--out', other]);
    assert.equal(again.code, 0, again.stderr);
  });
});

describe('a sweep ranked by a loss', () => {
  it('is a study that minimizes, whose intermediate values are the validation loss', async () => {
    const dir = join(await tempDir(), 'loss');
    await writeSweepFolder(dir, join(dir, 'trials', 'a'), { metric: 'test_loss' });
    const [study, ...attrs] = (await readFile(join(dir, 'optuna-journal.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(study, { op_code: 0, worker_id: 'convsweep', study_name: 'one', directions: [1] });
    const userAttrs = Object.assign({}, ...attrs.filter((op) => op.op_code === 2).map((op) => op.user_attr));
    assert.deepEqual(userAttrs, { metric: 'test_loss', goal: 'minimize', intermediate_metric: 'val_loss', method: 'grid', pruner: 'none' });
  });
});

/** A one-trial sweep folder, failed trial only: enough for export to have something to write. */
async function writeSweepFolder(dir: string, trialDir: string, extra: Record<string, unknown> = {}): Promise<void> {
  await mkdir(trialDir, { recursive: true });
  await writeFile(join(dir, 'sweep.json'), JSON.stringify({ name: 'one', grid: { learning_rate: [0.1] }, ...extra }));
  await writeFile(join(trialDir, 'trial.json'), JSON.stringify({ id: 'a', label: 'lr=0.1', number: 1, index: 0, values: { learning_rate: 0.1 }, seed: 1 }));
  await writeFile(join(trialDir, 'error.json'), JSON.stringify({ id: 'a', label: 'lr=0.1', number: 1, values: { learning_rate: 0.1 }, status: 'failed', kind: 'error', message: 'boom' }));
  const r = await runCli(['export', dir]);
  assert.equal(r.code, 0, r.stderr);
}
