/**
 * How `convsweep run` ends, as the user reads it: who won and where the report is, commands that
 * paste from where they stand, and no "saved" when nothing was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { runCli, runInterrupted, tempDir } from '../helpers.js';
import { tinySweep, writeSweep } from '../sweep/sweep-files.js';

test('run ends with the winner, why a trial failed, the report and the command that retrains the winner', async () => {
  const file = await writeSweep(tinySweep({ learning_rate: [0.01, 1e30] }));
  const out = join(await tempDir(), 'out');
  const r = await runCli(['run', file, '--out', out, '--backend', 'wasm', '--workers', '1']);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines.slice(0, 1), ['1 completed, 1 failed, 0 not run, of 2 trials']);
  assert.match(lines[1], /^failed: [0-9a-f]{10} lr=1e\+30 nan: loss became/);
  assert.match(lines[2], /^best: [0-9a-f]{10} lr=0\.01 test_accuracy 0\.\d{4}$/);
  assert.equal(lines[3], `report: ${join(out, 'report.html')}`);
  assert.equal(lines[4], `retrain the best: convsweep train ${join(out, 'best', 'config.json')}`);
  assert.doesNotMatch(r.stdout, /saved to/);
  // `report` ends the same way.
  const report = await runCli(['report', out]);
  assert.deepEqual(report.stdout.trim().split('\n').slice(1), lines.slice(1, 4));
});

test('Ctrl-C before any trial finished: no "saved", and a resume command with the sweep file and its limits', async () => {
  const file = await writeSweep(tinySweep({ dropout: [0.1, 0.2] }, { epochs: 5, train_limit: 2000 }));
  const out = join(await tempDir(), 'out');
  const r = await runInterrupted(['run', file, '--out', out, '--backend', 'wasm', '--workers', '1', '--test-limit', '50'], /start [0-9a-f]{10}/);
  assert.equal(r.code, 130, r.stderr);
  assert.doesNotMatch(r.stdout, /saved to|report:/);
  assert.match(r.stdout, /no trial finished, so there is no report yet/);
  assert.ok(r.stderr.includes(`interrupted: no trial had finished; continue with \`convsweep run ${file} --resume --out ${out} --test-limit 50\``), r.stderr);
});
