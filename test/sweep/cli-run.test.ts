import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, runCli, runInterrupted, tempDir } from '../helpers.js';
import { tinySweep, writeSweep } from './sweep-files.js';

test('run --dry-run: the trials as a table, nothing trained or written', async () => {
  const out = join(await tempDir(), 'never');
  const r = await runCli(['run', join(repoRoot, 'sweeps', 'mnist-quick.json'), '--dry-run', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^number\s+id\s+label$/);
  assert.equal(lines.length, 1 + 8 + 1);
  assert.match(lines[1], /^1\s+[0-9a-f]{10}\s+filters=\S+ dropout=\S+ lr=\S+$/);
  assert.match(lines[9], /^8 trials would run into /);
  assert.equal(existsSync(out), false);
});

test('run --dry-run of a TPE sweep lists its start-up trials and says what TPE does with the rest; a bad distribution is exit 2 from --dry-run too', async () => {
  const sweep = {
    name: 'tpe-dry',
    base: tinySweep({}).base,
    method: 'tpe',
    max_trials: 20,
    tpe: { startup_trials: 3 },
    space: { learning_rate: { distribution: 'log_uniform', min: 0.0001, max: 0.01 }, dropout: [0.1, 0.3] },
    early_stopping: { type: 'asha', min_epochs: 1, reduction_factor: 3 },
    epochs: 4,
  };
  const out = join(await tempDir(), 'never');
  const r = await runCli(['run', await writeSweep(sweep), '--dry-run', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1 + 3 + 1);
  assert.match(lines[1], /^1\s+0001-[0-9a-f]{6}\s+lr=0\.\d+ dropout=0\.[13]$/);
  assert.match(lines[4], /^20 trials would run into .* \(the 3 start-up trials; TPE chooses the other 17 from their results\), ASHA on val_accuracy/);
  assert.equal(existsSync(out), false);
  const bad = await runCli(['run', await writeSweep({ ...sweep, space: { learning_rate: { distribution: 'log_uniform', min: -1, max: 0.01 } } }), '--dry-run', '--out', out]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr.trim(), /^\S+: \/space\/learning_rate\/min: -1 is not above 0, but log_uniform draws on a log scale \(log distributions take the values themselves/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.equal(existsSync(out), false);
});

test('run: an invalid value is exit 2, one line naming the sweep file, the key and the value', async () => {
  const file = await writeSweep(tinySweep({ dropout: [0.2, 1.5] }));
  const r = await runCli(['run', file, '--out', join(await tempDir(), 'out')]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), `${file}: /grid/dropout: value 1.5 makes the config invalid: /layers/3/rate: must be < 1, got 1.5`);
});

test('run: exit 1 when a trial failed, with both trials saved', async () => {
  const file = await writeSweep(tinySweep({ learning_rate: [0.01, 1e30] }));
  const out = join(await tempDir(), 'out');
  const r = await runCli(['run', file, '--out', out, '--backend', 'wasm', '--workers', '2']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /1 completed, 1 failed, 0 not run, of 2 trials/);
  assert.match(r.stderr, /FAILED \S+ lr=1e\+30 {2}nan: loss became/);
  assert.equal((await readdir(join(out, 'trials'))).length, 2);
});

test('Ctrl-C after the first trial: exit 130, finished trials intact, then --resume completes the rest', async () => {
  const file = await writeSweep(tinySweep({ dropout: [0.1, 0.2, 0.3, 0.4] }, { epochs: 3, train_limit: 600 }));
  const out = join(await tempDir(), 'out');
  const args = ['run', file, '--out', out, '--backend', 'wasm', '--workers', '1'];
  const interrupted = await runInterrupted(args, /\[1\/4\] done /);
  assert.equal(interrupted.code, 130, interrupted.stderr);
  assert.match(interrupted.stderr, /interrupted: finished trials are saved/);
  const trialsDir = join(out, 'trials');
  const finished = await readdir(trialsDir);
  assert.ok(finished.length >= 1 && finished.length < 4, `finished: ${finished.join(', ')}`);
  const before = new Map<string, string>();
  for (const id of finished) {
    const metrics = join(trialsDir, id, 'metrics.json');
    before.set(id, `${(await stat(metrics)).mtimeMs}:${await readFile(metrics, 'utf8')}`);
  }

  const resumed = await runCli([...args, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`${4 - finished.length} completed, 0 failed, ${finished.length} finished earlier, 0 not run, of 4 trials`));
  assert.equal((await readdir(trialsDir)).length, 4);
  for (const [id, was] of before) {
    const metrics = join(trialsDir, id, 'metrics.json');
    assert.equal(`${(await stat(metrics)).mtimeMs}:${await readFile(metrics, 'utf8')}`, was, `trial ${id} was rewritten`);
  }
});

/** history.csv without its timing column: what must repeat exactly for the same config, seed and backend. */
async function historyWithoutSeconds(runDir: string): Promise<string[]> {
  const [header, ...rows] = (await readFile(join(runDir, 'history.csv'), 'utf8')).trim().split('\n');
  const seconds = header.split(',').indexOf('seconds');
  assert.ok(seconds >= 0, 'history.csv has a seconds column');
  return [header, ...rows].map((line) => line.split(',').filter((_, i) => i !== seconds).join(','));
}

test('train best/config.json retrains the winning trial exactly: the sweep\'s data limits travel in the config', async () => {
  const file = await writeSweep(tinySweep({ learning_rate: [0.01, 0.003] }, { epochs: 2, train_limit: 300, test_limit: 120 }));
  const out = join(await tempDir(), 'out');
  const sweep = await runCli(['run', file, '--out', out, '--backend', 'wasm', '--workers', '1']);
  assert.equal(sweep.code, 0, sweep.stderr);
  const best = JSON.parse(await readFile(join(out, 'best', 'config.json'), 'utf8'));
  assert.deepEqual(best.dataset, { name: 'mnist', train_limit: 300, test_limit: 120 });
  const winner = JSON.parse(await readFile(join(out, 'best', 'trial.json'), 'utf8')).id as string;

  const retrainDir = join(await tempDir(), 'retrain');
  const retrain = await runCli(['train', join(out, 'best', 'config.json'), '--out', retrainDir, '--backend', 'wasm']);
  assert.equal(retrain.code, 0, retrain.stderr);
  assert.deepEqual(await historyWithoutSeconds(retrainDir), await historyWithoutSeconds(join(out, 'trials', winner)));
  const [again, original] = await Promise.all([retrainDir, join(out, 'trials', winner)].map(async (dir) => JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'))));
  for (const field of ['test_accuracy', 'test_loss', 'train_accuracy', 'train_loss', 'best_epoch', 'seed']) assert.equal(again[field], original[field], field);
});
