import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/errors.js';
import { historyOf } from '../../src/sweep/executor/replay.js';
import { loadSweep } from '../../src/sweep/load.js';
import { observe } from '../../src/sweep/loop.js';
import { AshaPruner } from '../../src/sweep/pruner/asha.js';
import { MedianPruner } from '../../src/sweep/pruner/median.js';
import { replaySearch, type ReplaySearchOptions } from '../../src/sweep/replay-search.js';
import { RandomSampler } from '../../src/sweep/sampler/random.js';
import type { RecordedTrial } from '../../src/sweep/search.js';
import { parseSpace, type Dimension } from '../../src/sweep/space.js';
import { sampledTrialId, trialLabel } from '../../src/sweep/trial.js';
import type { RunnableConfig } from '../../src/train/run.js';
import { syntheticTable } from './curve-fixture.js';
import { tinyNet, writeSweep } from './sweep-files.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function refusal(sweep: Record<string, unknown>): Promise<string[]> {
  const file = await writeSweep(sweep);
  try {
    await loadSweep(file);
  } catch (err) {
    assert.ok(err instanceof InputError, `an InputError, not ${err}`);
    return err.problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.fail('the sweep was accepted');
}

const randomSweep = (extra: Record<string, unknown>) => ({ name: 's', base: tinyNet(), method: 'random', max_trials: 4, space: { learning_rate: { distribution: 'log_uniform', min: 0.001, max: 0.1 } }, ...extra });

test('bad search definitions are refused with one line naming the key', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [randomSweep({ space: { learning_rate: { distribution: 'gaussian', min: 0, max: 1 } } }), /^\/space\/learning_rate\/distribution: unknown distribution "gaussian"/],
    [randomSweep({ space: { dropout: { distribution: 'uniform', min: 0.5, max: 0.1 } } }), /^\/space\/dropout\/min: min 0.5 is above max 0.1/],
    [randomSweep({ space: { learning_rate: { distribution: 'log_uniform', min: 0, max: 0.1 } } }), /^\/space\/learning_rate\/min: 0 is not above 0/],
    [randomSweep({ space: { batch_size: { distribution: 'int_uniform', min: 16.5, max: 64 } } }), /^\/space\/batch_size\/min: 16.5 is not a whole number/],
    [randomSweep({ max_trials: undefined }), /^\/max_trials: missing required key "max_trials"/],
    [randomSweep({ max_trials: 0 }), /^\/max_trials: /],
    [randomSweep({ early_stopping: { type: 'asha', reduction_factor: 1 } }), /^\/early_stopping\/reduction_factor: must be >= 2/],
    [randomSweep({ early_stopping: { type: 'asha', metric: 'test_accuracy' } }), /^\/early_stopping\/metric: must be a per-epoch metric/],
    [{ name: 's', base: tinyNet(), grid: { learning_rate: { distribution: 'uniform', min: 0.001, max: 0.01 } } }, /^\/grid\/learning_rate: a grid lists the values to try; distributions are for random and tpe sweeps/],
    [randomSweep({ grid: { learning_rate: [0.01] }, space: undefined }), /^\/grid: a random sweep draws its trials from "space"/],
  ];
  for (const [sweep, expected] of cases) {
    const lines = await refusal(sweep);
    assert.ok(lines.some((l) => expected.test(l)), `expected ${expected} among ${JSON.stringify(lines)}`);
  }
});

test('random draws are reproducible, inside their bounds, on their steps, and spread on a log scale', () => {
  const dims: Dimension[] = parseSpace(
    {
      learning_rate: { distribution: 'log_uniform', min: 0.0001, max: 0.01 },
      dropout: { distribution: 'uniform', min: 0.1, max: 0.5, q: 0.05 },
      units: { distribution: 'int_log_uniform', min: 16, max: 256 },
      optimizer: ['Adam', 'SGD'],
    },
    'x.json',
  );
  const a = new RandomSampler(dims, 3, 400);
  const b = new RandomSampler(dims, 3, 400);
  const draws = Array.from({ length: 400 }, (_, i) => a.propose(i + 1));
  assert.deepEqual(draws.slice(0, 20), Array.from({ length: 20 }, (_, i) => b.propose(i + 1)), 'same seed, same trials');
  assert.notDeepEqual(draws[0], new RandomSampler(dims, 4, 1).propose(1), 'another seed, other trials');
  for (const d of draws) {
    const lr = d.learning_rate as number;
    assert.ok(lr >= 0.0001 && lr <= 0.01, `lr ${lr}`);
    const dropout = d.dropout as number;
    assert.ok(Math.abs(Math.round((dropout - 0.1) / 0.05) * 0.05 + 0.1 - dropout) < 1e-9 && dropout >= 0.1 && dropout <= 0.5, `dropout ${dropout} on the 0.05 steps`);
    assert.ok(Number.isInteger(d.units) && (d.units as number) >= 16 && (d.units as number) <= 256);
    assert.ok(d.optimizer === 'Adam' || d.optimizer === 'SGD');
  }
  // log_uniform: half the draws below the geometric middle (0.001), not the arithmetic one (0.005).
  const below = draws.filter((d) => (d.learning_rate as number) < 0.001).length;
  assert.ok(below > 160 && below < 240, `${below} of 400 below 0.001`);
  assert.ok(new Set(draws.map((d) => d.dropout)).size === 9, 'all nine dropout steps drawn');
});

test('ASHA: rungs at min_epochs × rfᵏ; the first trial at a rung goes on; one below the top third stops', () => {
  const asha = new AshaPruner({ minEpochs: 1, reductionFactor: 3, maxEpochs: 10, goal: 'maximize' });
  assert.deepEqual(asha.rungs, [1, 3, 9]);
  assert.equal(asha.shouldStop(1, 1, 0.5), false, 'first at the rung');
  assert.equal(asha.shouldStop(2, 1, 0.9), false, 'better than the cutoff');
  assert.equal(asha.shouldStop(3, 1, 0.6), true, 'below the 2/3 quantile of 0.5 and 0.9 (0.767)');
  assert.equal(asha.shouldStop(4, 2, 0.1), false, 'epoch 2 is no rung');
  assert.equal(asha.shouldStop(5, 1, Number.NaN), true, 'a diverged trial stops');
  const minimize = new AshaPruner({ minEpochs: 2, reductionFactor: 2, maxEpochs: 8, goal: 'minimize' });
  assert.deepEqual(minimize.rungs, [2, 4]);
  minimize.shouldStop(1, 2, 0.3);
  assert.equal(minimize.shouldStop(2, 2, 0.2), false, 'a lower loss goes on');
  assert.equal(minimize.shouldStop(3, 2, 0.9), true, 'a higher loss stops');
  // Rebuilt from finished histories: the same records as live reports.
  const rebuilt = new AshaPruner({ minEpochs: 1, reductionFactor: 3, maxEpochs: 10, goal: 'maximize' });
  rebuilt.finished(1, 'pruned', [0.5]);
  rebuilt.finished(2, 'completed', [0.9, 0.92, 0.95, 0.96]);
  assert.deepEqual(rebuilt.recordedAt(), [2, 1, 0]);
  assert.equal(rebuilt.shouldStop(3, 1, 0.6), true);
});

test('median rule: nothing stops before the start-up trials and the warm-up; then a trial worse than the median at its epoch stops', () => {
  const rule = new MedianPruner({ startupTrials: 2, warmupEpochs: 1, goal: 'maximize' });
  assert.equal(rule.shouldStop(1, 2, 0.1), false, 'no completed trial yet');
  rule.finished(1, 'failed', []);
  rule.finished(2, 'completed', [0.5, 0.7, 0.8]);
  rule.finished(3, 'pruned', [0.1, 0.1]);
  assert.equal(rule.shouldStop(4, 2, 0.1), false, 'one completed trial, two needed');
  rule.finished(5, 'completed', [0.6, 0.8, 0.9]);
  assert.equal(rule.shouldStop(6, 1, 0.1), false, 'warm-up epoch');
  assert.equal(rule.shouldStop(6, 2, 0.76), false, 'above the median 0.75');
  assert.equal(rule.shouldStop(7, 2, 0.74), true, 'below the median 0.75');
  assert.equal(rule.shouldStop(8, 5, 0.1), false, 'no completed trial reached epoch 5');
});

const base = (extra: Partial<ReplaySearchOptions> = {}): ReplaySearchOptions => ({ table: syntheticTable(), method: 'random', seed: 1, maxTrials: 30, pruning: { type: 'asha' }, ...extra });

test('replay: random + ASHA trains a fraction of the epochs, stops losing trials at the rungs, and is reproducible', async () => {
  const result = await replaySearch(base());
  assert.equal(result.trials.length, 30);
  assert.equal(result.completed + result.pruned, 30);
  assert.ok(result.pruned >= 15, `${result.pruned} of 30 pruned`);
  assert.ok(result.epochs < 0.5 * 30 * 8, `${result.epochs} of 240 epochs`);
  for (const t of result.trials.filter((t) => t.status === 'pruned')) assert.ok([1, 3].includes(t.epochs), `pruned at a rung, not after epoch ${t.epochs}`);
  assert.deepEqual(await replaySearch(base()), result, 'one worker: the same file gives the same trials and results');
  const other = await replaySearch(base({ seed: 2 }));
  assert.notDeepEqual(other.trials.map((t) => t.values), result.trials.map((t) => t.values));
  const noPruning = await replaySearch(base({ pruning: { type: 'none' } }));
  assert.equal(noPruning.epochs, 240);
  assert.deepEqual(noPruning.trials.map((t) => t.values).sort(), result.trials.map((t) => t.values).sort(), 'random draws the same trials with or without pruning');
});

test('replay: with 3 workers, random asks for the same trials as with one, and the simulated clock runs them in parallel', async () => {
  const one = await replaySearch(base({ pruning: { type: 'none' }, maxTrials: 12 }));
  const three = await replaySearch(base({ pruning: { type: 'none' }, maxTrials: 12, capacity: 3 }));
  const byNumber = (r: typeof one) => [...r.trials].sort((a, b) => a.number - b.number).map((t) => t.values);
  assert.deepEqual(byNumber(three), byNumber(one));
  assert.ok(three.seconds < 0.5 * one.seconds, `3 workers ${three.seconds.toFixed(0)} s against 1 worker ${one.seconds.toFixed(0)} s`);
});

test('replay: TPE finds better trials than random search for the same 25 trials (20 seeds)', async () => {
  const bestsOf = async (method: 'random' | 'tpe') => {
    const bests: number[] = [];
    for (let seed = 1; seed <= 20; seed++) bests.push((await replaySearch(base({ method, seed, maxTrials: 25, pruning: { type: 'none' } }))).best);
    return bests;
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const random = await bestsOf('random');
  const tpe = await bestsOf('tpe');
  assert.ok(median(tpe) >= median(random), `median: TPE ${median(tpe).toFixed(4)} against random ${median(random).toFixed(4)}`);
  assert.ok(mean(tpe) > mean(random) + 0.001, `mean: TPE ${mean(tpe).toFixed(4)} against random ${mean(random).toFixed(4)}`);
});

test('replay: a search interrupted and resumed from its records ends exactly as an uninterrupted one (TPE + ASHA)', async () => {
  const options = base({ method: 'tpe', maxTrials: 20, tpe: { startupTrials: 5, eiCandidates: 24, gamma: 0.1 } });
  const whole = await replaySearch(options);
  // Stop after 8 trials ended, as a Ctrl-C would: the running trial is not recorded.
  const controller = new AbortController();
  const first = await replaySearch({ ...options, signal: controller.signal, listeners: [(e) => e.type === 'ended' && e.trial.number === 8 && controller.abort()] });
  assert.ok(first.trials.length < 20);
  const table = options.table;
  const recorded: RecordedTrial[] = first.trials.map((t) => {
    const history = historyOf(table.rows.find((r) => JSON.stringify(r.values) === JSON.stringify(t.values))!, t.epochs);
    const trial = { id: sampledTrialId(t.number, t.values), label: trialLabel(t.values), number: t.number, index: t.number - 1, values: t.values, seed: 1, config: { epochs: 8 } as RunnableConfig };
    return { ...observe(trial, t.status as 'completed' | 'pruned', history, { metric: 'val_accuracy', goal: 'maximize' }), trial, history };
  });
  const resumed = await replaySearch({ ...options, recorded });
  const all = [...first.trials, ...resumed.trials].sort((a, b) => a.number - b.number);
  assert.deepEqual(all, [...whole.trials].sort((a, b) => a.number - b.number));
});

test('replay: the median rule stops trials below the median of the completed ones, after its start-up trials', async () => {
  const result = await replaySearch(base({ maxTrials: 30, pruning: { type: 'median', startupTrials: 5, warmupEpochs: 1 } }));
  const byNumber = [...result.trials].sort((a, b) => a.number - b.number);
  const firstCompleted = byNumber.filter((t) => t.status === 'completed').slice(0, 5);
  assert.equal(firstCompleted.length, 5);
  const lastStartup = firstCompleted[4].number;
  assert.ok(byNumber.filter((t) => t.number <= lastStartup && t.status === 'pruned').length === 0, 'nothing pruned before 5 trials completed (one worker)');
  assert.ok(result.pruned >= 5, `${result.pruned} pruned`);
  for (const t of byNumber.filter((x) => x.status === 'pruned')) assert.ok(t.epochs >= 2, 'never within the warm-up epoch');
});

test('replay: no trial starts once max_time_s has passed on the clock', async () => {
  const unlimited = await replaySearch(base({ pruning: { type: 'none' }, maxTrials: 20 }));
  const limited = await replaySearch(base({ pruning: { type: 'none' }, maxTrials: 20, maxTimeS: unlimited.seconds / 3 }));
  assert.equal(limited.timeUp, true);
  assert.ok(limited.trials.length < 20 && limited.trials.length > 0, `${limited.trials.length} trials`);
  assert.deepEqual(limited.trials, unlimited.trials.slice(0, limited.trials.length), 'the same trials, cut short');
});
