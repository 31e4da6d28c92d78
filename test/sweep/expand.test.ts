import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/errors.js';
import { planSweep } from '../../src/sweep/run-sweep.js';
import { trialId, trialLabel } from '../../src/sweep/trial.js';
import { mnistSmall, tinyNet, tinySweep, writeSweep } from './sweep-files.js';

type Layer = Record<string, unknown>;
const layersOf = (config: unknown) => (config as { layers: Layer[] }).layers;

/** Expects the sweep to be refused with a line matching each pattern, prefixed by the sweep file. */
async function assertRefused(sweep: unknown, patterns: RegExp[], overrides = {}): Promise<void> {
  const file = await writeSweep(sweep);
  await assert.rejects(planSweep({ sweepFile: file, overrides }), (err: unknown) => {
    assert.ok(err instanceof InputError, String(err));
    const lines = err.message.split('\n');
    for (const pattern of patterns) assert.ok(lines.some((l) => l.startsWith(`${file}: `) && pattern.test(l)), `no line matches ${pattern}:\n${err.message}`);
    return true;
  });
}

test('shortcuts: the cartesian product in file order, last key fastest, each variant set where it should be', async () => {
  const file = await writeSweep({ base: mnistSmall, grid: { filters: [[8, 16], [16, 32]], dropout: [0.2, 0.3], learning_rate: [0.001, 0.002] } }, 'quick.json');
  const { trials, sweep, outDir } = await planSweep({ sweepFile: file });
  assert.equal(sweep.name, 'quick');
  assert.equal(outDir, 'results/quick');
  assert.equal(trials.length, 8);
  assert.deepEqual(trials.map((t) => t.index), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(trials.slice(0, 3).map((t) => t.values), [
    { filters: [8, 16], dropout: 0.2, learning_rate: 0.001 },
    { filters: [8, 16], dropout: 0.2, learning_rate: 0.002 },
    { filters: [8, 16], dropout: 0.3, learning_rate: 0.001 },
  ]);
  assert.deepEqual(trials[4].values, { filters: [16, 32], dropout: 0.2, learning_rate: 0.001 });
  assert.equal(trials[7].label, 'filters=16,32 dropout=0.3 lr=0.002');
  const last = trials[7].config;
  assert.deepEqual(layersOf(last).filter((l) => l.type === 'Conv2D').map((l) => l.filters), [16, 32]);
  assert.deepEqual(layersOf(last).filter((l) => l.type === 'Dropout').map((l) => l.rate), [0.3]);
  assert.equal(last.learning_rate, 0.002);
  // One seed for all (the sweep's default 1: mnist-small has none), so trials differ by their values only.
  assert.deepEqual(new Set(trials.map((t) => t.seed)), new Set([1]));
  assert.ok(trials.every((t) => t.config.seed === 1));
  // The base is untouched by the variants.
  assert.deepEqual(layersOf(sweep.base).filter((l) => l.type === 'Conv2D').map((l) => l.filters), [16, 32]);
});

test('a single number sets every layer of a shortcut; units spares the output layer', async () => {
  const file = await writeSweep({ base: mnistSmall, grid: { filters: [12], units: [128], batch_size: [16], epochs: [2], optimizer: ['SGD'] } });
  const [trial] = (await planSweep({ sweepFile: file })).trials;
  const layers = layersOf(trial.config);
  assert.deepEqual(layers.filter((l) => l.type === 'Conv2D').map((l) => l.filters), [12, 12]);
  assert.deepEqual(layers.filter((l) => l.type === 'Dense').map((l) => l.units), [128, 10]);
  assert.equal(trial.config.batch_size, 16);
  assert.equal(trial.config.epochs, 2);
  assert.equal(trial.config.optimizer, 'SGD');
});

test('paths reach into layers, callbacks and top-level fields; seed as a grid key varies the seed', async () => {
  const base = tinyNet({ callbacks: [{ type: 'EarlyStopping', monitor: 'val_loss' }] });
  const file = await writeSweep({ base, grid: { 'layers[0].kernel_size': [[3, 3], 5], 'callbacks[0].patience': [2], validation_split: [0.2], seed: [7, 8] } });
  const { trials } = await planSweep({ sweepFile: file });
  assert.equal(trials.length, 4);
  assert.deepEqual(layersOf(trials[0].config)[0].kernel_size, [3, 3]);
  assert.equal(layersOf(trials[2].config)[0].kernel_size, 5);
  assert.equal((trials[0].config.callbacks[0] as { patience: number }).patience, 2);
  assert.equal(trials[0].config.validation_split, 0.2);
  assert.deepEqual(trials.map((t) => t.seed), [7, 8, 7, 8]);
  assert.equal(trials[1].label, 'layers[0].kernel_size=3,3 callbacks[0].patience=2 validation_split=0.2 seed=8');
});

test('ids: 10 hex characters from the values alone, stable across runs, distinct across trials', async () => {
  const sweep = { base: mnistSmall, grid: { dropout: [0.2, 0.3], learning_rate: [0.001, 0.0005] } };
  const first = (await planSweep({ sweepFile: await writeSweep(sweep) })).trials;
  const again = (await planSweep({ sweepFile: await writeSweep(sweep) })).trials;
  assert.deepEqual(again.map((t) => t.id), first.map((t) => t.id));
  assert.ok(first.every((t) => /^[0-9a-f]{10}$/.test(t.id)));
  assert.equal(new Set(first.map((t) => t.id)).size, 4);
  // The same values written differently (1e-3, reordered values) give the same trial the same id.
  const reordered = (await planSweep({ sweepFile: await writeSweep('{"base": ' + JSON.stringify(mnistSmall) + ', "grid": {"dropout": [0.3, 0.2], "learning_rate": [5e-4, 1e-3]}}') })).trials;
  assert.deepEqual(new Set(reordered.map((t) => t.id)), new Set(first.map((t) => t.id)));
  assert.equal(trialId({ dropout: 0.2, learning_rate: 0.001 }), first[0].id);
  assert.equal(trialLabel({ filters: [64, 32, 32], dropout: 0.3, learning_rate: 0.001 }), 'filters=64,32,32 dropout=0.3 lr=0.001');
});

test('sweep fields train_limit, test_limit and epochs apply to every trial; flags replace them', async () => {
  const file = await writeSweep(tinySweep({ dropout: [0.1] }, { epochs: 2 }));
  const fromFile = await planSweep({ sweepFile: file });
  assert.equal(fromFile.trials[0].config.epochs, 2);
  assert.deepEqual(fromFile.sweep.settings, { epochs: 2, trainLimit: 240, testLimit: 100 });
  const flagged = await planSweep({ sweepFile: file, overrides: { epochs: 3, trainLimit: 300, testLimit: undefined } });
  assert.equal(flagged.trials[0].config.epochs, 3);
  assert.deepEqual(flagged.sweep.settings, { epochs: 3, trainLimit: 300, testLimit: 100 });
  // The limits are in each trial's config, which therefore retrains it alone.
  assert.deepEqual(fromFile.trials[0].config.dataset, { name: 'mnist', train_limit: 240, test_limit: 100 });
  assert.deepEqual(flagged.trials[0].config.dataset, { name: 'mnist', train_limit: 300, test_limit: 100 });
});

test('a grid key dataset.train_limit replaces the sweep\'s train_limit, and is checked against the data', async () => {
  const file = await writeSweep(tinySweep({ 'dataset.train_limit': [100, 200] }));
  const plan = await planSweep({ sweepFile: file });
  assert.deepEqual(plan.trials.map((t) => t.config.dataset.train_limit), [100, 200]);
  assert.deepEqual(plan.trials.map((t) => t.config.dataset.test_limit), [100, 100]);
  // One example: validation_split 0.1 takes it, and nothing is left to train on.
  await assertRefused(tinySweep({ 'dataset.train_limit': [1, 200] }), [/\/grid\/dataset\.train_limit: value 1 makes the config invalid: \/validation_split: leaves no training example out of 1/]);
});

test('refused: a value that makes the config invalid names the sweep file, the key, the value and the config problem', async () => {
  await assertRefused({ base: mnistSmall, grid: { dropout: [0.2, 1.5] } }, [/^\S+: \/grid\/dropout: value 1\.5 makes the config invalid: \/layers\/5\/rate: must be < 1/]);
  await assertRefused({ base: mnistSmall, grid: { learning_rate: [0.001, -1, 'fast'] } }, [/\/grid\/learning_rate: value -1 makes the config invalid: \/learning_rate/, /\/grid\/learning_rate: value "fast" makes the config invalid: \/learning_rate/]);
});

test('refused: a new leaf the config does not know, with the validator\'s suggestion', async () => {
  await assertRefused({ base: mnistSmall, grid: { 'layers[0].kernal_size': [3] } }, [/\/grid\/layers\[0\]\.kernal_size: value 3 makes the config invalid: \/layers\/0.*kernal_size.*did you mean "kernel_size"/]);
});

test('refused: a path whose parent does not exist, and keys that are neither shortcut nor path', async () => {
  await assertRefused({ base: mnistSmall, grid: { 'layers[20].kernel_size': [3], 'callbacks[0].patience': [1], 'optimizer.momentum': [0.9], 'filters!': [1] } }, [
    /\/grid\/layers\[20\]\.kernel_size: layers\[20\] does not exist in the base config \(layers has 8 entries\)/,
    /\/grid\/callbacks\[0\]\.patience: callbacks\[0\] does not exist in the base config \(callbacks has 0 entries\)/,
    /\/grid\/optimizer\.momentum: optimizer is not an object/,
    /\/grid\/filters!: is neither a shortcut nor a path into the config/,
  ]);
});

test('refused: shortcuts that do not fit the base config', async () => {
  await assertRefused({ base: mnistSmall, grid: { filters: [[8, 16, 32]] } }, [/\/grid\/filters: value \[8,16,32\] has 3 entries but the base config has 2 Conv2D layers/]);
  const noDropout = tinyNet();
  (noDropout.layers as Layer[]).splice(3, 1);
  await assertRefused({ base: noDropout, grid: { dropout: [0.2], units: [32] } }, [/\/grid\/dropout: the base config has no Dropout layers/, /\/grid\/units: the base config has no Dense layers before the output layer/]);
});

test('refused: empty value lists, repeated values, an empty grid, unknown sweep fields', async () => {
  await assertRefused({ base: mnistSmall, grid: { dropout: [], learning_rate: [0.001, 0.001] }, metrc: 'test_loss' }, [/\/grid\/dropout: has no values to try/, /\/metrc: unknown key "metrc" \(did you mean "metric"\?\)/]);
  await assertRefused({ base: mnistSmall, grid: { learning_rate: [0.001, 1e-3] } }, [/\/grid\/learning_rate: value 0\.001 is listed twice/]);
  await assertRefused({ base: mnistSmall, grid: {} }, [/\/grid: is empty/]);
});

test('refused: a base config that is missing or invalid, pointing into the sweep file', async () => {
  await assertRefused({ base: 'no-such-config.json', grid: { dropout: [0.2] } }, [/\/base: /]);
  await assertRefused({ base: { layers: [{ type: 'Conv2D', filters: 4, kernel_size: 3, input_shape: [28, 28, 1] }, { type: 'Flatten' }, { type: 'Dense', units: 10 }], learning_rte: 0.1 }, grid: { dropout: [0.2] } }, [/\/base\/learning_rte/]);
});

test('refused: a combination invalid only together, naming the combination', async () => {
  // Each kernel alone fits 28×28, both together shrink the map below the second kernel.
  await assertRefused({ base: mnistSmall, grid: { 'layers[0].kernel_size': [3, 13], 'layers[2].kernel_size': [3, 9] } }, [/\/grid: the combination layers\[0\]\.kernel_size=13 layers\[2\]\.kernel_size=9 makes the config invalid: /]);
});

test('refused: epochs both swept and overridden', async () => {
  await assertRefused({ base: mnistSmall, grid: { epochs: [1, 2] }, epochs: 3 }, [/\/epochs: epochs is also a grid key/]);
  const file = await writeSweep({ base: mnistSmall, grid: { epochs: [1, 2] } });
  await assert.rejects(planSweep({ sweepFile: file, overrides: { epochs: 1 } }), /--epochs: epochs is a grid key/);
});
