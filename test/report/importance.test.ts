import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parameterImportance } from '../../src/report/importance.js';
import { trialRng } from '../../src/sweep/sampler/seeded.js';

test('PED-ANOVA names the one setting that decides the score, and gives the settings that do not near nothing', () => {
  const rng = trialRng(11, 1);
  const trials = Array.from({ length: 80 }, () => {
    const lr = 10 ** (-4 + 3 * rng());
    const dropout = 0.1 + 0.4 * rng();
    const optimizer = rng() < 0.5 ? 'Adam' : 'SGD';
    // Only the learning rate matters: best near 0.003, on a log scale.
    const score = 0.99 - 0.05 * Math.abs(Math.log10(lr) - Math.log10(0.003)) + 0.001 * rng();
    return { values: { learning_rate: lr, dropout, optimizer }, score };
  });
  const importances = parameterImportance({ trials, keys: ['dropout', 'optimizer', 'learning_rate'], logKeys: new Set(['learning_rate']), goal: 'maximize' });
  assert.deepEqual(importances.map((i) => i.key)[0], 'learning_rate');
  const share = Object.fromEntries(importances.map((i) => [i.key, i.importance]));
  assert.ok(share.learning_rate > 0.6, JSON.stringify(share));
  assert.ok(Math.abs(importances.reduce((s, i) => s + i.importance, 0) - 1) < 1e-9, 'shares sum to 1');
  // The same trials ranked the other way round: the worst learning rates are now the "best" ones, still the one that matters.
  const minimized = parameterImportance({ trials, keys: ['dropout', 'optimizer', 'learning_rate'], logKeys: new Set(['learning_rate']), goal: 'minimize' });
  assert.equal(minimized[0].key, 'learning_rate');
  assert.deepEqual(parameterImportance({ trials: trials.slice(0, 3), keys: ['dropout', 'learning_rate'], goal: 'maximize' }), [], 'too few trials to tell');
});
