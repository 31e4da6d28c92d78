import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { writeReport } from '../../src/report/aggregate.js';
import { runSweep, type SweepRunOptions } from '../../src/sweep/run-sweep.js';
import { TrialStatus, type TrialOutcome } from '../../src/sweep/trial.js';
import { tempDir } from '../helpers.js';
import { tinySweep, writeSweep } from './sweep-files.js';

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

/** Every file of a folder tree with its mtime and content, to prove a finished trial was not rewritten. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    files.set(path, `${(await stat(path)).mtimeMs}:${(await readFile(path)).toString('base64')}`);
  }
  return files;
}

function sweepOptions(sweepFile: string, outDir: string, extra: Partial<SweepRunOptions> = {}): SweepRunOptions {
  return { sweepFile, outDir, backend: 'wasm', workers: 2, writeReport, ...extra };
}

test('a 2-worker sweep with one variant whose loss becomes NaN: that trial fails, the others complete; --resume reruns only what did not finish', async () => {
  // A learning rate of 1e30 overflows the loss within two batches; the other two rates train normally.
  const file = await writeSweep(tinySweep({ learning_rate: [0.01, 1e30, 0.02] }));
  const outDir = join(await tempDir(), 'results');
  const ended: [string, TrialOutcome['status']][] = [];
  let maxRunning = 0;
  let running = 0;
  const summary = await runSweep(sweepOptions(file, outDir, {
    listener: {
      onTrialStart: () => (maxRunning = Math.max(maxRunning, ++running)),
      onTrialEnd: (trial, outcome) => {
        running--;
        ended.push([trial.label, outcome.status]);
      },
    },
  }));
  assert.deepEqual({ ...summary, outDir: undefined }, { outDir: undefined, total: 3, skipped: 0, completed: 2, pruned: 0, failed: 1, notRun: 0, interrupted: false, timeUp: false, epochsRun: 2, epochsPlanned: 3, pruner: undefined });
  assert.equal(maxRunning, 2, 'two trials ran at once');
  assert.deepEqual(new Map(ended), new Map([['lr=0.01', 'completed'], ['lr=1e+30', 'failed'], ['lr=0.02', 'completed']]));

  const stored = await readJson(join(outDir, 'sweep.json'));
  assert.deepEqual(stored.grid, { learning_rate: [0.01, 1e30, 0.02] });
  assert.equal(stored.metric, 'test_accuracy');
  assert.equal(stored.goal, 'maximize');
  assert.equal(stored.resolved_base.name, 'tiny');
  assert.equal(stored.trials.length, 3);

  const trialsDir = join(outDir, 'trials');
  const ids = stored.trials.map((t: { id: string }) => t.id);
  assert.deepEqual((await readdir(trialsDir)).sort(), [...ids].sort(), 'one folder a trial, no staging leftovers');
  const [good, nan, other] = ids.map((id: string) => join(trialsDir, id));
  const trialJson = await readJson(join(good, 'trial.json'));
  assert.deepEqual(trialJson, { id: ids[0], label: 'lr=0.01', number: 1, index: 0, values: { learning_rate: 0.01 }, seed: 1 });
  const metrics = await readJson(join(good, 'metrics.json'));
  assert.equal(metrics.seed, 1);
  assert.equal(metrics.train_examples + metrics.val_examples, 240);
  assert.equal(metrics.test_examples, 100);
  assert.ok(existsSync(join(good, 'model')) && existsSync(join(good, 'history.csv')), 'a trial folder holds everything train writes');
  assert.deepEqual((await readdir(nan)).sort(), ['error.json', 'trial.json']);
  const error = await readJson(join(nan, 'error.json'));
  assert.equal(error.status, 'failed');
  assert.equal(error.kind, 'nan');
  assert.match(error.message, /loss became/);
  assert.deepEqual(error.values, { learning_rate: 1e30 });
  const log = (await readFile(join(outDir, 'sweep.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(log.filter((l) => l.event === 'trial-end').map((l) => l.status).sort(), ['completed', 'completed', 'failed']);

  // Without --resume a used folder is refused, with a hint.
  await assert.rejects(runSweep(sweepOptions(file, outDir)), (err: unknown) => err instanceof InputError && /not empty \(add --resume/.test(err.message));

  // --resume: the finished trial stays byte- and mtime-identical; the failed one and one made
  // incomplete (its metrics.json gone) run again.
  const before = await snapshot(good);
  await rm(join(other, 'metrics.json'));
  const started: string[] = [];
  const resumed = await runSweep(sweepOptions(file, outDir, { resume: true, listener: { onTrialStart: (t) => started.push(t.label) } }));
  assert.deepEqual(started.sort(), ['lr=0.02', 'lr=1e+30']);
  assert.equal(resumed.skipped, 1);
  assert.equal(resumed.completed, 1);
  assert.equal(resumed.failed, 1);
  assert.deepEqual(await snapshot(good), before);
  assert.ok(existsSync(join(other, 'metrics.json')));
  assert.equal((await readJson(join(nan, 'error.json'))).kind, 'nan');

  // A different sweep cannot resume this folder.
  const changed = await writeSweep(tinySweep({ learning_rate: [0.01, 0.03] }));
  await assert.rejects(runSweep(sweepOptions(changed, outDir, { resume: true })), (err: unknown) => err instanceof InputError && /does not match the sweep in .*sweep\.json \(grid, trials differ\)/.test(err.message));
});

test('process isolation: each trial in a child process loading its own data; a trial past trial_timeout_s fails as a timeout', async () => {
  const file = await writeSweep(tinySweep({ dropout: [0.1, 0.3] }));
  const outDir = join(await tempDir(), 'results');
  const epochs: string[] = [];
  const summary = await runSweep(sweepOptions(file, outDir, { isolation: 'process', listener: { onTrialEpoch: (trial, row) => epochs.push(`${trial.label}@${row.epoch}`) } }));
  assert.equal(summary.completed, 2);
  assert.deepEqual(epochs.sort(), ['dropout=0.1@1', 'dropout=0.3@1'], 'progress crosses the process and the thread');
  for (const id of await readdir(join(outDir, 'trials'))) {
    const metrics = await readJson(join(outDir, 'trials', id, 'metrics.json'));
    assert.equal(metrics.backend, 'wasm');
    assert.equal(metrics.test_examples, 100);
  }

  // 20 epochs on 2000 images take far longer than 1 s: the trial is stopped and recorded as failed.
  const slow = await writeSweep(tinySweep({ dropout: [0.1] }, { epochs: 20, train_limit: 2000, trial_timeout_s: 1 }));
  const slowOut = join(await tempDir(), 'results');
  const timedOut = await runSweep(sweepOptions(slow, slowOut, { isolation: 'process', abortGraceMs: 2000 }));
  assert.equal(timedOut.failed, 1);
  const [id] = await readdir(join(slowOut, 'trials'));
  assert.equal((await readJson(join(slowOut, 'trials', id, 'error.json'))).kind, 'timeout');
  assert.deepEqual((await readdir(join(slowOut, 'trials', id))).sort(), ['error.json', 'trial.json']);
});

test('cancelling a sweep stops its running trials and records nothing for them', async () => {
  const file = await writeSweep(tinySweep({ dropout: [0.1, 0.2, 0.3] }, { epochs: 20, train_limit: 2000 }));
  const outDir = join(await tempDir(), 'results');
  const controller = new AbortController();
  const statuses: TrialOutcome['status'][] = [];
  const summary = await runSweep(sweepOptions(file, outDir, {
    signal: controller.signal,
    listener: {
      onTrialEpoch: () => controller.abort(),
      onTrialEnd: (_t, outcome) => statuses.push(outcome.status),
    },
  }));
  assert.equal(summary.interrupted, true);
  assert.equal(summary.notRun, 3);
  assert.deepEqual(statuses, [TrialStatus.STOPPED, TrialStatus.STOPPED]);
  assert.deepEqual(await readdir(join(outDir, 'trials')), []);
});

test('thread isolation: a trial past trial_timeout_s fails as a timeout and the next trial runs', async () => {
  // The first trial (20 epochs on 2000 images) cannot finish in 2 s; the second (1 epoch on 240) can.
  const file = await writeSweep(tinySweep({ epochs: [20, 1] }, { epochs: undefined, train_limit: 2000, trial_timeout_s: 2 }));
  const outDir = join(await tempDir(), 'results');
  const summary = await runSweep(sweepOptions(file, outDir, { workers: 1, abortGraceMs: 2000 }));
  assert.equal(summary.failed, 1);
  const rows = (await readJson(join(outDir, 'leaderboard.json'))).rows as { status: string; error_kind: string | null; epochs_run: number | null }[];
  assert.deepEqual(rows.map((r) => [r.status, r.error_kind]), [['completed', null], ['failed', 'timeout']]);
});

test('a trial that runs out of WebAssembly memory fails as oom; its thread is replaced and the next trial completes', async () => {
  // 4096 images of 26x26x512 activations are 5.6 GB: more than a wasm32 heap can ever hold.
  const grid = { batch_size: [4096, 32], 'layers[0].filters': [512] };
  const file = await writeSweep(tinySweep(grid, { train_limit: 4096 }));
  const outDir = join(await tempDir(), 'results');
  const summary = await runSweep(sweepOptions(file, outDir, { workers: 1 }));
  assert.equal(summary.completed, 1);
  assert.equal(summary.failed, 1);
  const rows = (await readJson(join(outDir, 'leaderboard.json'))).rows as { status: string; error_kind: string | null; error: string | null }[];
  assert.deepEqual(rows.map((r) => [r.status, r.error_kind]), [['completed', null], ['failed', 'oom']]);
  assert.match(rows[1].error!, /memory/i);
});

test('pool threads that die (their JavaScript heap capped below what a trial needs): the trials fail, the sweep ends and reports instead of hanging', async () => {
  // The first trial's thread dies under it (oom). Piscina does not replace a thread that dies while
  // starting, so the replacement's death leaves the pool empty: the second trial fails with that
  // reason rather than waiting for a thread that never comes.
  const file = await writeSweep(tinySweep({ dropout: [0.1, 0.2] }));
  const outDir = join(await tempDir(), 'results');
  const summary = await runSweep(sweepOptions(file, outDir, { workers: 1, threadHeapMb: 4 }));
  assert.equal(summary.failed, 2);
  const rows = (await readJson(join(outDir, 'leaderboard.json'))).rows as { error_kind: string | null; error: string | null }[];
  assert.deepEqual(rows.map((r) => r.error_kind), ['oom', 'crashed']);
  assert.match(rows[0].error!, /^worker died: .*memory/);
  assert.match(rows[1].error!, /^pool threads fail to start: .*memory/);
  assert.ok(existsSync(join(outDir, 'report.html')), 'the report is written');
});

test('a grid that gained a value resumes: finished trials kept (renumbered in the grown grid), only the new point runs; a grid that lost one refuses', async () => {
  const outDir = join(await tempDir(), 'out');
  const first = await writeSweep(tinySweep({ learning_rate: [0.01, 0.02] }));
  const ran = await runSweep(sweepOptions(first, outDir));
  assert.equal(ran.completed, 2);
  const folders = await readdir(join(outDir, 'trials'));
  const models = new Map<string, Map<string, string>>();
  for (const id of folders) models.set(id, await snapshot(join(outDir, 'trials', id, 'model')));

  // The new value comes first: the kept trials become numbers 2 and 3.
  const grown = await writeSweep(tinySweep({ learning_rate: [0.005, 0.01, 0.02] }));
  const started: string[] = [];
  let announced: { kept: number; added: number } | undefined;
  const resumed = await runSweep(sweepOptions(grown, outDir, { resume: true, listener: { onStart: (info) => (announced = info.grown), onTrialStart: (t) => started.push(t.label) } }));
  assert.deepEqual(started, ['lr=0.005']);
  assert.deepEqual(announced, { kept: 2, added: 1 });
  assert.deepEqual(resumed.grown, { kept: 2, added: 1 });
  assert.equal(resumed.skipped, 2);
  assert.equal(resumed.completed, 1);
  for (const [id, before] of models) assert.deepEqual(await snapshot(join(outDir, 'trials', id, 'model')), before, `${id}: its model is the one trained first`);
  const numbers = new Map<string, number>();
  for (const id of await readdir(join(outDir, 'trials'))) {
    const record = await readJson(join(outDir, 'trials', id, 'trial.json'));
    numbers.set(record.label, record.number);
  }
  assert.deepEqual(Object.fromEntries(numbers), { 'lr=0.005': 1, 'lr=0.01': 2, 'lr=0.02': 3 });
  const stored = await readJson(join(outDir, 'sweep.json'));
  assert.deepEqual(stored.grid, { learning_rate: [0.005, 0.01, 0.02] });
  const leaderboard = (await readFile(join(outDir, 'leaderboard.csv'), 'utf8')).trim().split('\n');
  assert.equal(leaderboard.length, 4, 'three ranked trials and the header');

  // Resuming the grown grid again runs nothing.
  const again = await runSweep(sweepOptions(grown, outDir, { resume: true }));
  assert.equal(again.skipped, 3);
  assert.equal(again.completed, 0);

  // Removing a value would drop a finished trial from the report: refused, nothing written.
  const sweepJson = await readFile(join(outDir, 'sweep.json'), 'utf8');
  const shrunk = await writeSweep(tinySweep({ learning_rate: [0.005, 0.01] }));
  await assert.rejects(runSweep(sweepOptions(shrunk, outDir, { resume: true })), (err: unknown) => err instanceof InputError && /\(grid, trials differ\) \(a grid can gain values on --resume, not lose them: lr=0\.02 ran in this folder/.test(err.message));
  assert.equal(await readFile(join(outDir, 'sweep.json'), 'utf8'), sweepJson);
});
