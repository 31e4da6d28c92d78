/** Sweep-file settings read by loadSweep: max_retries, its default and its bounds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSweep } from '../../src/sweep/load.js';
import { inputError } from '../helpers.js';
import { tinySweep, writeSweep } from './sweep-files.js';

test('max_retries: 2 unless set; a negative or fractional count is refused in one line naming the field', async () => {
  assert.equal((await loadSweep(await writeSweep(tinySweep({ learning_rate: [0.01] })))).maxRetries, 2);
  assert.equal((await loadSweep(await writeSweep({ ...tinySweep({ learning_rate: [0.01] }), max_retries: 0 }))).maxRetries, 0);
  for (const bad of [-1, 1.5, 'two']) {
    const file = await writeSweep({ ...tinySweep({ learning_rate: [0.01] }), max_retries: bad });
    assert.match(await inputError(loadSweep(file)), new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: /max_retries: `));
  }
});
