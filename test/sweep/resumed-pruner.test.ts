/**
 * What a resumed sweep's pruner learns beyond the finished trials: the epochs sweep.log recorded
 * for the unfinished ones, and finished histories with epochs missing (reported while the
 * coordinator was down) kept at their places.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loggedEpochs } from '../../src/sweep/logged-epochs.js';
import { AshaPruner } from '../../src/sweep/pruner/asha.js';
import { valuesByEpoch } from '../../src/sweep/pruner/pruner.js';
import { tempDir } from '../helpers.js';

test('valuesByEpoch: each value at its epoch, a hole where an epoch was not reported; ASHA records no rung from a hole', () => {
  const values = valuesByEpoch([{ epoch: 2, v: 0.7 }, { epoch: 3, v: 0.8 }], (row) => row.v);
  assert.deepEqual(values, [undefined, 0.7, 0.8]);
  const asha = new AshaPruner({ minEpochs: 1, reductionFactor: 3, maxEpochs: 8, goal: 'maximize' });
  asha.finished(1, 'completed', values);
  assert.deepEqual(asha.recordedAt(), [0, 1], 'rung 3 holds epoch 3, not the third value reported');
  asha.shouldStop(2, 3, 0.9);
  assert.equal(asha.shouldStop(3, 3, 0.75), true, 'below the 2/3 quantile of 0.8 and 0.9');
});

test('loggedEpochs: the trial-epoch lines of the given trials, in order; other ids, other events and torn lines skipped; no log, nothing', async () => {
  const dir = await tempDir();
  const log = join(dir, 'sweep.log');
  const line = (o: Record<string, unknown>) => JSON.stringify({ level: 30, time: '2026-01-01T00:00:00.000Z', ...o, msg: 'm' });
  await writeFile(log, [
    line({ event: 'start', trials: 3 }),
    line({ event: 'trial-epoch', id: '0001-aa', number: 1, epoch: 1, val_accuracy: 0.5 }),
    line({ event: 'trial-epoch', id: '0002-old', number: 2, epoch: 1, val_accuracy: 0.9 }),
    line({ event: 'trial-epoch', id: '0003-cc', number: 3, epoch: 1, val_accuracy: null, verdict: 'stop' }),
    line({ event: 'trial-end', id: '0001-aa', number: 1, status: 'pruned' }),
    line({ event: 'trial-epoch', id: '0001-aa', number: 1, epoch: 2, val_accuracy: 0.6 }),
    '{"level":30,"event":"trial-epoch","id":"0003-cc","num',
  ].join('\n'));
  const ids = new Map([[1, '0001-aa'], [2, '0002-new'], [3, '0003-cc']]);
  const epochs = await loggedEpochs(log, ids, 'val_accuracy');
  assert.deepEqual(epochs.map((e) => [e.number, e.epoch, e.value]), [[1, 1, 0.5], [3, 1, Number.NaN], [1, 2, 0.6]]);
  assert.deepEqual(await loggedEpochs(join(dir, 'none.log'), ids, 'val_accuracy'), []);
});
