/** Mistakes in a sweep or in limits, as `validate` (which checks a sweep as `run` does) and `train` report them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { repoRoot, runCli, tempDir } from '../helpers.js';
import { tinySweep, writeSweep } from '../sweep/sweep-files.js';

test('a misspelt metric gets a did-you-mean like every other key', async () => {
  const file = await writeSweep(tinySweep({ learning_rate: [0.01] }, { metric: 'val_acc' }));
  const r = await runCli(['validate', file]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `${file}: /metric: must be one of test_accuracy, test_loss, val_accuracy, val_loss, train_accuracy, train_loss (did you mean "val_accuracy"?)\n`);
});

test('a misspelt grid key is reported once, as the key\'s, not once per value', async () => {
  const file = await writeSweep(tinySweep({ learning_rat: [0.01, 0.003, 0.001] }));
  const r = await runCli(['validate', file]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `${file}: /grid/learning_rat: every value makes the config invalid: /learning_rat: unknown key "learning_rat" (did you mean "learning_rate"?)\n`);
  // A value of its own still takes the blame alone.
  const one = await writeSweep(tinySweep({ dropout: [0.2, 1.5] }));
  assert.match((await runCli(['validate', one])).stderr, /^\S+: \/grid\/dropout: value 1\.5 makes the config invalid/);
});

test('a validation set of a handful of images is refused before training, with the limit that would do', async () => {
  const out = join(await tempDir(), 'never');
  const r = await runCli(['train', join(repoRoot, 'configs', 'fig2-example.json'), '--train-limit', '10', '--out', out, '--backend', 'wasm']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /fig2-example\.json: \/validation_split: 0\.1 of 10 training examples leaves 1 for validation, too few .* \(raise --train-limit to 100 or more, or set validation_split to 0/);
  const sweep = await writeSweep(tinySweep({ learning_rate: [0.01, 0.003] }, { train_limit: 50 }));
  const refused = await runCli(['validate', sweep]);
  assert.equal(refused.code, 2);
  assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
  assert.match(refused.stderr, /\/grid\/learning_rate: every value makes the config invalid: \/validation_split: 0\.1 of 50 training examples leaves 5/);
});
