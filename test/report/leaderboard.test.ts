import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { csvColumns, leaderboardCsv, rankTrials, resolveRanking, valueText, type Ranking } from '../../src/report/leaderboard.js';
import { parseCsv, type TrialEntry } from '../../src/report/read-trials.js';
import type { RunMetrics } from '../../src/train/metrics.js';

function metrics(m: Partial<RunMetrics>): RunMetrics {
  return {
    test_accuracy: 0.9, test_loss: 0.3, train_accuracy: 0.95, train_loss: 0.2, val_accuracy: 0.91, val_loss: 0.28,
    best_epoch: 3, best_by: 'val_loss', epochs_run: 3, stopped_early: false, params: 1000, duration_s: 10, backend: 'wasm',
    seed: 1, dataset: 'mnist', train_examples: 900, val_examples: 100, test_examples: 500, train_img_per_s: 100, tfjs_version: '4.22.0',
    ...m,
  };
}

function done(id: string, m: Partial<RunMetrics>, values: Record<string, unknown> = { lr: 0.1 }, index = 0): TrialEntry {
  return { id, dir: `/x/${id}`, status: 'completed', label: id, index, values, metrics: metrics(m) };
}

const byTestAccuracy: Ranking = { metric: 'test_accuracy', goal: 'maximize' };
const ids = (entries: { trial_id: string }[]) => entries.map((r) => r.trial_id);

describe('ranking', () => {
  it('ranks by the metric, then lower test_loss, then fewer params, then trial id', () => {
    const rows = rankTrials(
      [
        done('e', { test_accuracy: 0.95, test_loss: 0.2, params: 500 }),
        done('d', { test_accuracy: 0.95, test_loss: 0.2, params: 500 }),
        done('c', { test_accuracy: 0.95, test_loss: 0.2, params: 400 }),
        done('b', { test_accuracy: 0.95, test_loss: 0.1, params: 9000 }),
        done('a', { test_accuracy: 0.90, test_loss: 0.01, params: 1 }),
        done('f', { test_accuracy: 0.97, test_loss: 0.9, params: 9999 }),
      ],
      byTestAccuracy,
    );
    assert.deepEqual(ids(rows), ['f', 'b', 'c', 'd', 'e', 'a']);
    assert.deepEqual(rows.map((r) => r.rank), [1, 2, 3, 4, 5, 6]);
  });

  it('is the same whatever order the trials are read in', () => {
    const trials = [done('x', { test_accuracy: 0.5 }), done('y', { test_accuracy: 0.5 }), done('z', { test_accuracy: 0.7 }), done('w', { test_accuracy: 0.5, test_loss: 0.1 })];
    const expected = ids(rankTrials(trials, byTestAccuracy));
    assert.deepEqual(expected, ['z', 'w', 'x', 'y']);
    assert.deepEqual(ids(rankTrials([...trials].reverse(), byTestAccuracy)), expected);
  });

  it('minimises losses; a trial without the metric (no validation split) ranks after those with one', () => {
    const trials = [done('a', { val_loss: 0.5 }), done('b', { val_loss: null, val_accuracy: null }), done('c', { val_loss: 0.2 })];
    assert.deepEqual(ids(rankTrials(trials, { metric: 'val_loss', goal: 'minimize' })), ['c', 'a', 'b']);
    assert.deepEqual(ids(rankTrials(trials, { metric: 'val_accuracy', goal: 'maximize' })), ['a', 'c', 'b']);
  });

  it('puts failed trials after completed ones and unreadable ones last, none of them ranked', () => {
    const rows = rankTrials(
      [
        { id: 'u', dir: '/x/u', status: 'unreadable', label: 'u', index: null, values: null, error: 'metrics.json: not valid JSON' },
        { id: 'f2', dir: '/x/f2', status: 'failed', label: 'f2', index: 5, values: { lr: 1 }, error: 'loss became NaN', kind: 'nan' },
        { id: 'f1', dir: '/x/f1', status: 'failed', label: 'f1', index: 2, values: { lr: 2 }, error: 'timeout', kind: 'timeout' },
        done('ok', { test_accuracy: 0.1 }),
      ],
      byTestAccuracy,
    );
    assert.deepEqual(ids(rows), ['ok', 'f1', 'f2', 'u']);
    assert.deepEqual(rows.map((r) => r.rank), [1, null, null, null]);
    assert.equal(rows[1].error, 'timeout');
    assert.equal(rows[1].error_kind, 'timeout');
    assert.equal(rows[3].error, 'metrics.json: not valid JSON');
  });
});

describe('pruned trials', () => {
  it('come after the completed ones, ordered by the metric but unranked, before failed ones', () => {
    const pruned = (id: string, acc: number, number: number): TrialEntry => ({ ...done(id, { test_accuracy: acc, status: 'pruned', epochs_run: 1 }), status: 'pruned', number });
    const rows = rankTrials(
      [
        pruned('p1', 0.99, 1),
        { id: 'f', dir: '/x/f', status: 'failed', label: 'f', index: 2, values: { lr: 1 }, error: 'nan', kind: 'nan' },
        done('c1', { test_accuracy: 0.5 }, { lr: 0.2 }, 3),
        pruned('p2', 0.2, 5),
        done('c2', { test_accuracy: 0.7 }, { lr: 0.3 }, 4),
      ],
      byTestAccuracy,
    );
    assert.deepEqual(ids(rows), ['c2', 'c1', 'p1', 'p2', 'f']);
    assert.deepEqual(rows.map((r) => r.rank), [1, 2, null, null, null]);
    assert.deepEqual(rows.map((r) => r.number), [5, 4, 1, 5, 3]);
    assert.deepEqual(rows.map((r) => r.status), ['completed', 'completed', 'pruned', 'pruned', 'failed']);
  });
});

describe('--rank-by', () => {
  const sweep = { metric: 'test_loss', goal: 'maximize' as const };
  it('keeps the sweep goal for the sweep\'s own metric and takes the natural goal for any other', () => {
    assert.deepEqual(resolveRanking(sweep), { metric: 'test_loss', goal: 'maximize' });
    assert.deepEqual(resolveRanking(sweep, 'val_accuracy'), { metric: 'val_accuracy', goal: 'maximize' });
    assert.deepEqual(resolveRanking(sweep, 'val_loss'), { metric: 'val_loss', goal: 'minimize' });
    assert.deepEqual(resolveRanking(sweep, 'duration_s'), { metric: 'duration_s', goal: 'minimize' });
    assert.deepEqual(resolveRanking({ metric: 'test_accuracy', goal: 'maximize' }, 'test_accuracy'), { metric: 'test_accuracy', goal: 'maximize' });
  });
  it('refuses a name that is not a metric column, listing the choices', () => {
    assert.throws(() => resolveRanking(sweep, 'accuracy'), (err: unknown) => err instanceof InputError && /--rank-by: cannot rank by "accuracy" \(one of test_accuracy, .*duration_s\)/.test(err.message));
  });
});

describe('leaderboard CSV', () => {
  it('has the columns in order: rank, number, trial_id, status, grid keys as written, metrics, backend, error', () => {
    assert.deepEqual(csvColumns(['filters', 'layers[0].kernel_size']), [
      'rank', 'number', 'trial_id', 'status', 'filters', 'layers[0].kernel_size',
      'test_accuracy', 'test_loss', 'val_accuracy', 'val_loss', 'train_accuracy', 'train_loss', 'best_epoch', 'epochs_run', 'params', 'duration_s', 'backend', 'error',
    ]);
  });

  it('writes grid values as text (arrays as 64,32,32) and escapes commas, quotes and newlines', () => {
    const values = { filters: [64, 32, 32], note: 'say "hi", twice', kernel: [[3, 3], [5, 5]], flag: true };
    const rows = rankTrials(
      [
        done('a', { test_accuracy: 0.5 }, values),
        { id: 'b', dir: '/x/b', status: 'failed', label: 'b', index: 1, values: { filters: [8], note: 'x', kernel: [[1, 1]], flag: false }, error: 'boom, "quoted"\nsecond line', kind: 'error' },
      ],
      byTestAccuracy,
    );
    const csv = leaderboardCsv(rows, ['filters', 'note', 'kernel', 'flag']);
    assert.ok(csv.includes('"64,32,32","say ""hi"", twice","[[3,3],[5,5]]",true,0.5000,'), csv);
    const parsed = parseCsv(csv).filter((r) => r.length > 1);
    assert.equal(parsed.length, 3);
    assert.deepEqual(parsed[1].slice(0, 8), ['1', '1', 'a', 'completed', '64,32,32', 'say "hi", twice', '[[3,3],[5,5]]', 'true']);
    assert.deepEqual(parsed[2].slice(0, 4), ['', '2', 'b', 'failed']);
    assert.equal(parsed[2][parsed[2].length - 1], 'boom, "quoted"\nsecond line');
    assert.ok(csv.endsWith('\n'));
  });

  it('formats values like the trial labels do', () => {
    assert.equal(valueText([64, 32, 32]), '64,32,32');
    assert.equal(valueText(0.0001), '0.0001');
    assert.equal(valueText('Adam'), 'Adam');
    assert.equal(valueText({ l2: 0.01 }), '{"l2":0.01}');
  });
});
