/** A config and a sweep file are told apart: `validate` checks both, `train` and `run` name the wrong one in one line. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers.js';
import { tinySweep, writeSweep } from '../sweep/sweep-files.js';

const quick = join('sweeps', 'mnist-quick.json');
const config = join('configs', 'mnist-small.json');

test('validate accepts the shipped sweep, checking its base config and every trial', async () => {
  const r = await runCli(['validate', quick]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${quick}: valid sweep (8 trials over filters, dropout, learning_rate, dataset mnist 28x28x1); run it with \`convsweep run ${quick}\`\n`);
  const bad = await writeSweep(tinySweep({ dropout: [0.2, 1.5] }));
  const refused = await runCli(['validate', bad]);
  assert.equal(refused.code, 2);
  assert.equal(refused.stderr, `${bad}: /grid/dropout: value 1.5 makes the config invalid: /layers/3/rate: must be < 1, got 1.5\n`);
});

test('train or bench on a sweep, run on a config: one line saying which it is and the command that takes it', async () => {
  const out = join(await tempDir(), 'never');
  for (const command of ['train', 'bench']) {
    const r = await runCli([command, quick]);
    assert.equal(r.code, 2, command);
    assert.equal(r.stderr, `${quick}: this is a sweep file, not a config file (run it with \`convsweep run ${quick}\`)\n`);
  }
  const r = await runCli(['run', config, '--out', out]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `${config}: this is a config file, not a sweep file (train it with \`convsweep train ${config}\`)\n`);
  assert.equal((await runCli(['validate', config])).code, 0, 'a config still validates as before');
});

test('schema --sweep prints the sweep schema, schema the config schema', async () => {
  const sweep = await runCli(['schema', '--sweep']);
  assert.equal(sweep.code, 0);
  assert.equal(JSON.parse(sweep.stdout).title, 'SweepDefinition');
  assert.equal(JSON.parse((await runCli(['schema'])).stdout).title, 'ModelConfig');
});
