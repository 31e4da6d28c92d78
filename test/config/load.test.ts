import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkAgainstDataset, loadConfigFile, outputShapes, parseConfigText, validateConfig, type ResolvedConfig } from '../../src/config/load.js';
import { formatProblem, InputError, type Problem } from '../../src/errors.js';

/** dist/test/config/ → the repo root. */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const mnist = { imageShape: [28, 28, 1] as [number, number, number], classes: 10 };

const firstConv = { type: 'Conv2D', filters: 8, kernel_size: 3, activation: 'relu', input_shape: [28, 28, 1] };
const head = [{ type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' }];

/** A valid small net with `layer` in place of the pooling layer (index 1), and `extra` top-level settings. */
function withLayer(layer: object, extra: object = {}): object {
  return { layers: [firstConv, layer, ...head], ...extra };
}

function withFirst(changes: object): object {
  return { layers: [{ ...firstConv, ...changes }, ...head] };
}

function problemsOf(raw: unknown): Problem[] {
  try {
    validateConfig(raw, 'c.json');
  } catch (err) {
    assert.ok(err instanceof InputError, String(err));
    return err.problems;
  }
  assert.fail('expected the config to be rejected');
}

/** The one problem of `raw`, checked against its expected path and a part of its message and hint. */
function assertProblem(raw: unknown, path: string, message: string, hint?: string): void {
  const problems = problemsOf(raw);
  const listed = problems.map(formatProblem).join('\n');
  assert.equal(problems.length, 1, `expected one problem, got:\n${listed}`);
  const [p] = problems;
  assert.equal(p.file, 'c.json');
  assert.equal(p.path, path, listed);
  assert.ok(p.message.includes(message), `message ${JSON.stringify(p.message)} lacks ${JSON.stringify(message)}`);
  if (hint !== undefined) assert.ok(p.hint?.includes(hint), `hint ${JSON.stringify(p.hint)} lacks ${JSON.stringify(hint)}`);
}

function valid(raw: unknown): ResolvedConfig {
  return validateConfig(raw, 'c.json');
}

describe('parseConfigText', () => {
  it('parses JSON', () => {
    assert.deepEqual(parseConfigText('{"layers": []}', 'c.json'), { layers: [] });
  });

  it('names the line and column of a syntax error', () => {
    assert.throws(
      () => parseConfigText('{\n  "epochs": 3\n  "batch_size": 32\n}', 'c.json'),
      (err: InputError) => {
        assert.equal(err.problems.length, 1);
        assert.equal(err.message, "c.json: invalid JSON at line 3, column 3: expected ',' or '}', found \"\\\"\"");
        return true;
      },
    );
  });

  it('locates errors that V8 reports without a position', () => {
    // V8 says only "Unexpected token '}', … is not valid JSON" here.
    assert.throws(() => parseConfigText('{"epochs": }', 'c.json'), /line 1, column 12: expected a value, found "}"/);
    assert.throws(() => parseConfigText('{"epochs": tru}', 'c.json'), /line 1, column 12: expected a value/);
    assert.throws(() => parseConfigText('', 'c.json'), /line 1, column 1: expected a value, found the end of the file/);
  });

  it('points out a trailing comma', () => {
    assert.throws(
      () => parseConfigText('{"layers": [1, 2,]}', 'c.json'),
      (err: InputError) => {
        assert.equal(err.problems[0].path, '');
        assert.match(err.problems[0].message, /line 1, column 18: expected a value, found "]"/);
        assert.equal(err.problems[0].hint, 'JSON allows no comma before } or ]');
        return true;
      },
    );
  });

  it('finds unterminated strings and bad escapes', () => {
    assert.throws(() => parseConfigText('{"name": "abc', 'c.json'), /line 1, column 14: expected a closing quote, found the end of the file/);
    assert.throws(() => parseConfigText('{"name": "a\\qb"}', 'c.json'), /line 1, column 12: expected an escape/);
    assert.throws(() => parseConfigText('{} {}', 'c.json'), /line 1, column 4: expected the end of the file/);
  });

  it('accepts a byte-order mark', () => {
    assert.deepEqual(parseConfigText('\uFEFF{"epochs": 2}', 'c.json'), { epochs: 2 });
  });
});

describe('validateConfig: defaults', () => {
  it('fills the documented defaults', () => {
    const config = valid({ layers: [firstConv, ...head] });
    assert.equal(config.batch_size, 32);
    assert.equal(config.validation_split, 0.1);
    assert.equal(config.loss, 'categorical_crossentropy');
    assert.equal(config.optimizer, 'Adam');
    assert.equal(config.learning_rate, 0.001);
    assert.equal(config.epochs, 1);
    assert.deepEqual(config.metrics, ['accuracy']);
    assert.deepEqual(config.callbacks, []);
    assert.deepEqual(config.dataset, { name: 'mnist' });
    assert.equal(config.seed, undefined);
    assert.deepEqual(config.layers[0], { ...firstConv, strides: 1, padding: 'valid', use_bias: true, kernel_initializer: 'glorot_uniform', bias_initializer: 'zeros' });
  });

  it('leaves the given object as written', () => {
    const raw = { layers: [{ ...firstConv }, ...head] };
    valid(raw);
    assert.deepEqual(raw, { layers: [firstConv, ...head] });
  });

  it('fills the defaults of EarlyStopping and ReduceLROnPlateau', () => {
    const config = valid({ ...withFirst({}), callbacks: [{ type: 'EarlyStopping' }, { type: 'ReduceLROnPlateau', factor: 0.5 }] });
    assert.deepEqual(config.callbacks, [
      { type: 'EarlyStopping', monitor: 'val_loss', patience: 0, min_delta: 0, restore_best_weights: false },
      { type: 'ReduceLROnPlateau', monitor: 'val_loss', patience: 10, factor: 0.5, min_delta: 0.0001, min_lr: 0 },
    ]);
  });
});

describe('validateConfig: unknown keys', () => {
  it('suggests the nearest top-level key', () => {
    assertProblem({ ...withFirst({}), learning_rte: 0.01 }, '/learning_rte', 'unknown key "learning_rte"', 'did you mean "learning_rate"?');
  });

  it('suggests the nearest key of the layer type', () => {
    assertProblem(withFirst({ filter: 8 }), '/layers/0/filter', 'unknown key "filter"', 'did you mean "filters"?');
  });

  it('reports a misspelt required key once', () => {
    assertProblem({ layers: [{ type: 'Conv2D', filter: 8, kernel_size: 3, input_shape: [28, 28, 1] }, ...head] }, '/layers/0/filter', 'unknown key "filter"', 'did you mean "filters"?');
  });

  it('still checks the key that a misspelt one resembles', () => {
    const problems = problemsOf(withFirst({ filters: 0, filter: 8 }));
    assert.deepEqual(
      problems.map((p) => p.path),
      ['/layers/0/filter', '/layers/0/filters'],
    );
  });

  it('lists the allowed keys when none is close', () => {
    assertProblem(withLayer({ type: 'Flatten', colour: 3 }), '/layers/1/colour', 'unknown key "colour"', 'allowed keys: type, name, input_shape');
  });

  it('names the types a key of another type belongs to', () => {
    assertProblem(withLayer({ type: 'Flatten', units: 3 }), '/layers/1/units', 'unknown key "units"', 'Flatten takes name, input_shape; units is for Dense');
    assertProblem({ ...withFirst({}), callbacks: [{ type: 'EarlyStopping', factor: 0.5 }] }, '/callbacks/0/factor', 'unknown key "factor"', 'EarlyStopping takes monitor, patience, min_delta, restore_best_weights; factor is for ReduceLROnPlateau');
  });

  it('reports each unknown key once, in its own layer type only', () => {
    const problems = problemsOf(withLayer({ type: 'Dense', units: 4, padding: 'same', filter: 3 }));
    assert.deepEqual(
      problems.map((p) => p.path),
      ['/layers/1/padding', '/layers/1/filter'],
    );
  });

  it('treats __proto__ and constructor as plain unknown keys', () => {
    const raw = JSON.parse(
      '{"layers": [{"type": "Conv2D", "filters": 8, "kernel_size": 3, "input_shape": [28, 28, 1], "__proto__": {"polluted": 1}}, {"type": "Flatten"}, {"type": "Dense", "units": 10}], "constructor": {}}',
    );
    const problems = problemsOf(raw);
    assert.deepEqual(
      problems.map((p) => [p.path, p.message]),
      [
        ['/constructor', 'unknown key "constructor"'],
        ['/layers/0/__proto__', 'unknown key "__proto__"'],
      ],
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('escapes keys in the JSON pointer', () => {
    assertProblem({ ...withFirst({}), 'a/b~c': 1 }, '/a~1b~0c', 'unknown key "a/b~c"');
  });
});

describe('validateConfig: layer types', () => {
  it('reports an unknown layer type once, with the nearest type', () => {
    assertProblem(withLayer({ type: 'Conv2d', filters: 8, kernel_size: 3 }), '/layers/1/type', 'unknown layer type "Conv2d"', 'did you mean "Conv2D"?');
    assertProblem(withLayer({ type: 'MaxPool2D' }), '/layers/1/type', 'unknown layer type "MaxPool2D"', 'did you mean "MaxPooling2D"?');
  });

  for (const type of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`rejects ${type} as an unknown layer type`, () => {
      const raw = JSON.parse(
        `{"layers": [{"type": "Conv2D", "filters": 8, "kernel_size": 3, "input_shape": [28, 28, 1]}, {"type": ${JSON.stringify(type)}}, {"type": "Flatten"}, {"type": "Dense", "units": 10}]}`,
      );
      assertProblem(raw, '/layers/1/type', `unknown layer type "${type}"`, 'one of: Conv2D, DepthwiseConv2D, SeparableConv2D, MaxPooling2D, AveragePooling2D');
    });
  }

  it('wants a string type', () => {
    assertProblem(withLayer({ type: 3 }), '/layers/1/type', 'must be a string naming the layer type, got 3', 'one of: Conv2D');
    assertProblem(withLayer({ units: 3 }), '/layers/1/type', 'missing required key "type"', 'one of: Conv2D');
  });

  it('reports a missing required field of the layer type', () => {
    assertProblem(withFirst({ filters: undefined }), '/layers/0/filters', 'missing required key "filters"');
    assertProblem(withLayer({ type: 'Dropout' }), '/layers/1/rate', 'missing required key "rate"');
    assertProblem(withLayer({ type: 'Activation' }), '/layers/1/activation', 'missing required key "activation"');
  });

  it('checks field values within the layer type only', () => {
    assertProblem(withLayer({ type: 'Dropout', rate: 1 }), '/layers/1/rate', 'must be < 1, got 1');
    assertProblem(withFirst({ filters: 0 }), '/layers/0/filters', 'must be >= 1, got 0');
    assertProblem(withFirst({ name: '1st' }), '/layers/0/name', 'must match pattern');
  });
});

describe('validateConfig: enums', () => {
  it('suggests the nearest padding', () => {
    assertProblem(withFirst({ padding: 'vaild' }), '/layers/0/padding', 'unknown value "vaild"', 'did you mean "valid"?');
  });

  it('lists the allowed paddings when none is close', () => {
    assertProblem(withFirst({ padding: 'causal' }), '/layers/0/padding', 'unknown value "causal"', 'one of: valid, same');
  });

  it('reports a wrong type once, not also as an enum mismatch', () => {
    assertProblem(withFirst({ padding: 1 }), '/layers/0/padding', 'must be a string, got 1');
  });

  it('suggests the nearest activation', () => {
    assertProblem(withFirst({ activation: 'rleu' }), '/layers/0/activation', 'unknown value "rleu"', 'did you mean "relu"?');
    assertProblem(withLayer({ type: 'Activation', activation: 'softmx' }), '/layers/1/activation', 'unknown value "softmx"', 'did you mean "softmax"?');
  });

  it('suggests the nearest optimizer name', () => {
    assertProblem({ ...withFirst({}), optimizer: 'Adamm' }, '/optimizer', 'unknown optimizer "Adamm"', 'did you mean "Adam"?');
    assertProblem({ ...withFirst({}), optimizer: 'Nadam-ish' }, '/optimizer', 'unknown optimizer "Nadam-ish"', 'one of: Adam, SGD, RMSprop, Adagrad');
  });

  it('suggests the nearest loss', () => {
    assertProblem({ ...withFirst({}), loss: 'categorical_crossentropi' }, '/loss', 'unknown value "categorical_crossentropi"', 'did you mean "categorical_crossentropy"?');
  });

  it('checks the metrics', () => {
    // An abbreviation of the only value is completed, as a typo would be.
    assertProblem({ ...withFirst({}), metrics: ['acc'] }, '/metrics/0', 'unknown value "acc"', 'did you mean "accuracy"?');
    assertProblem({ ...withFirst({}), metrics: ['loss'] }, '/metrics/0', 'unknown value "loss"', 'one of: accuracy');
  });
});

describe('validateConfig: kernel sizes and strides', () => {
  it('accepts an integer and a pair', () => {
    assert.equal(valid(withFirst({ kernel_size: 5 })).layers[0].type, 'Conv2D');
    assert.deepEqual(outputShapes(valid(withFirst({ kernel_size: [3, 5] })))[0], [26, 24, 8]);
  });

  it('wants a pair of exactly two', () => {
    assertProblem(withFirst({ kernel_size: [3] }), '/layers/0/kernel_size', 'must have exactly 2 items, got 1');
    assertProblem(withFirst({ kernel_size: [3, 3, 3] }), '/layers/0/kernel_size', 'must have exactly 2 items, got 3');
  });

  it('reports a value of neither form once', () => {
    assertProblem(withFirst({ kernel_size: '3' }), '/layers/0/kernel_size', 'must be an integer or a list of 2 integers, got "3"');
    assertProblem(withFirst({ strides: 0 }), '/layers/0/strides', 'must be >= 1, got 0');
    assertProblem(withFirst({ kernel_size: [3, 1.5] }), '/layers/0/kernel_size/1', 'must be an integer, got 1.5');
  });
});

describe('validateConfig: regularizers', () => {
  for (const regularizer of [{ l2: 0.005 }, { l1: 0.001 }, { l1: 0.001, l2: 0.005 }, { class_name: 'L2', config: { l2: 0.005 } }, { class_name: 'L1L2', config: { l1: 0.1, l2: 0.2 } }]) {
    it(`accepts ${JSON.stringify(regularizer)}`, () => {
      assert.deepEqual(valid(withFirst({ kernel_regularizer: regularizer })).layers[0], { ...valid(withFirst({})).layers[0], kernel_regularizer: regularizer });
    });
  }

  it('rejects {"l3": 1} as an unknown key of the factors form only', () => {
    assertProblem(withFirst({ kernel_regularizer: { l3: 1 } }), '/layers/0/kernel_regularizer/l3', 'unknown key "l3"', 'allowed keys: l1, l2');
  });

  it('checks the serialized form by its own rules', () => {
    assertProblem(withFirst({ kernel_regularizer: { class_name: 'L3', config: { l2: 0.005 } } }), '/layers/0/kernel_regularizer/class_name', 'unknown value "L3"', 'one of: L1, L2, L1L2');
    assertProblem(withFirst({ kernel_regularizer: { class_name: 'L2', config: { l22: 0.005 } } }), '/layers/0/kernel_regularizer/config/l22', 'unknown key "l22"', 'did you mean "l2"?');
    assertProblem(withFirst({ bias_regularizer: { class_name: 'L2' } }), '/layers/0/bias_regularizer/config', 'missing required key "config"');
  });

  it('rejects an empty or negative regularizer', () => {
    assertProblem(withFirst({ kernel_regularizer: {} }), '/layers/0/kernel_regularizer', 'must not be empty', 'set at least one of: l1, l2');
    assertProblem(withFirst({ kernel_regularizer: { l2: -1 } }), '/layers/0/kernel_regularizer/l2', 'must be >= 0, got -1');
    assertProblem(withFirst({ kernel_regularizer: 0.005 }), '/layers/0/kernel_regularizer', 'must be an object, got 0.005', '{"l2": 0.005}');
  });
});

describe('validateConfig: optimizer', () => {
  const withOptimizer = (optimizer: unknown) => ({ ...withFirst({}), optimizer });

  it('accepts a name, capitalised or lower case', () => {
    for (const name of ['Adam', 'SGD', 'RMSprop', 'Adagrad', 'adam', 'sgd', 'rmsprop', 'adagrad']) {
      assert.equal(valid(withOptimizer(name)).optimizer, name);
    }
  });

  it("accepts each optimizer's own Keras settings, under either spelling of its type", () => {
    const settings = [
      { type: 'Adam', beta_1: 0.8, beta_2: 0.99, epsilon: 1e-8 },
      { type: 'adam', beta_1: 0.8 },
      { type: 'SGD', momentum: 0.9, nesterov: true },
      { type: 'sgd' },
      { type: 'RMSprop', rho: 0.8, momentum: 0.5, epsilon: 1e-6, centered: true },
      { type: 'rmsprop', centered: false },
      { type: 'Adagrad', initial_accumulator_value: 0.2 },
      { type: 'adagrad' },
    ];
    for (const optimizer of settings) {
      // As written: no defaults are filled in (the trainer applies Keras').
      assert.deepEqual(valid(withOptimizer(optimizer)).optimizer, optimizer);
    }
  });

  it("refuses a setting of another optimizer, naming the type's own and the setting's owners", () => {
    assertProblem(withOptimizer({ type: 'Adam', momentum: 0.9 }), '/optimizer/momentum', 'unknown key "momentum"', 'Adam takes beta_1, beta_2, epsilon; momentum is for SGD, RMSprop');
    assertProblem(withOptimizer({ type: 'adam', nesterov: true }), '/optimizer/nesterov', 'unknown key "nesterov"', 'Adam takes beta_1, beta_2, epsilon; nesterov is for SGD');
    assertProblem(withOptimizer({ type: 'SGD', epsilon: 1e-7 }), '/optimizer/epsilon', 'unknown key "epsilon"', 'SGD takes momentum, nesterov; epsilon is for Adam, RMSprop');
    assertProblem(withOptimizer({ type: 'RMSprop', beta_1: 0.9 }), '/optimizer/beta_1', 'unknown key "beta_1"', 'RMSprop takes rho, momentum, epsilon, centered; beta_1 is for Adam');
    assertProblem(withOptimizer({ type: 'Adagrad', rho: 0.9 }), '/optimizer/rho', 'unknown key "rho"', 'Adagrad takes initial_accumulator_value; rho is for RMSprop');
  });

  it('reports each refused setting on its own line', () => {
    const problems = problemsOf(withOptimizer({ type: 'Adam', momentum: 0.9, nesterov: true }));
    assert.deepEqual(
      problems.map(formatProblem),
      [
        'c.json: /optimizer/momentum: unknown key "momentum" (Adam takes beta_1, beta_2, epsilon; momentum is for SGD, RMSprop)',
        'c.json: /optimizer/nesterov: unknown key "nesterov" (Adam takes beta_1, beta_2, epsilon; nesterov is for SGD)',
      ],
    );
  });

  it('suggests the nearest key for a typo, and lists the keys for anything else', () => {
    assertProblem(withOptimizer({ type: 'SGD', momentun: 0.9 }), '/optimizer/momentun', 'unknown key "momentun"', 'did you mean "momentum"?');
    assertProblem(withOptimizer({ type: 'Adam', beta_3: 0.9 }), '/optimizer/beta_3', 'unknown key "beta_3"', 'did you mean "beta_1"?');
    assertProblem(withOptimizer({ type: 'Adam', amsgrad: true }), '/optimizer/amsgrad', 'unknown key "amsgrad"', 'allowed keys: type, beta_1, beta_2, epsilon');
  });

  it('refuses an unknown optimizer type with a suggestion', () => {
    assertProblem(withOptimizer({ type: 'Adamm' }), '/optimizer/type', 'unknown optimizer type "Adamm"', 'did you mean "Adam"?');
    assertProblem(withOptimizer({ type: 'SGDD', momentum: 0.9 }), '/optimizer/type', 'unknown optimizer type "SGDD"', 'did you mean "SGD"?');
    assertProblem(withOptimizer({ type: 'Sgd' }), '/optimizer/type', 'unknown optimizer type "Sgd"', 'did you mean "SGD"?');
    assertProblem(withOptimizer({ type: 'Adadelta' }), '/optimizer/type', 'unknown optimizer type "Adadelta"', 'one of: Adam, SGD, RMSprop, Adagrad');
    assertProblem(withOptimizer('Adamm'), '/optimizer', 'unknown optimizer "Adamm"', 'did you mean "Adam"?');
  });

  it('names the types when the type is missing or not a string', () => {
    assertProblem(withOptimizer({ momentum: 0.9 }), '/optimizer/type', 'missing required key "type"', 'one of: Adam, SGD, RMSprop, Adagrad');
    assertProblem(withOptimizer({ type: 5 }), '/optimizer/type', 'must be a string naming the optimizer type, got 5', 'one of: Adam, SGD, RMSprop, Adagrad');
  });

  it('checks the ranges of the settings', () => {
    assertProblem(withOptimizer({ type: 'Adam', beta_1: 1 }), '/optimizer/beta_1', 'must be < 1, got 1');
    assertProblem(withOptimizer({ type: 'SGD', momentum: 1.5 }), '/optimizer/momentum', 'must be <= 1, got 1.5');
    assertProblem(withOptimizer({ type: 'RMSprop', centered: 'yes' }), '/optimizer/centered', 'must be true or false, got "yes"');
    assertProblem(withOptimizer({ type: 'Adagrad', initial_accumulator_value: 0 }), '/optimizer/initial_accumulator_value', 'must be > 0, got 0');
  });

  it('reports a value of neither form once', () => {
    assertProblem(withOptimizer(5), '/optimizer', 'must be a string or an object, got 5', 'a name such as "Adam"');
  });
});

describe('validateConfig: callbacks', () => {
  it('reports an unknown callback type once', () => {
    assertProblem({ ...withFirst({}), callbacks: [{ type: 'EarlyStoping', patience: 3 }] }, '/callbacks/0/type', 'unknown callback type "EarlyStoping"', 'did you mean "EarlyStopping"?');
    assertProblem({ ...withFirst({}), callbacks: [{ type: 'ModelCheckpoint' }] }, '/callbacks/0/type', 'unknown callback type "ModelCheckpoint"', 'one of: EarlyStopping, ReduceLROnPlateau');
  });

  it('checks the fields of the callback type', () => {
    assertProblem({ ...withFirst({}), callbacks: [{ type: 'ReduceLROnPlateau', patiense: 3 }] }, '/callbacks/0/patiense', 'unknown key "patiense"', 'did you mean "patience"?');
    assertProblem({ ...withFirst({}), callbacks: [{ type: 'ReduceLROnPlateau', factor: 2 }] }, '/callbacks/0/factor', 'must be < 1, got 2');
    assertProblem(
      { ...withFirst({}), callbacks: [{ type: 'EarlyStopping', monitor: 'val_acc' }] },
      '/callbacks/0/monitor',
      'unknown value "val_acc"',
      'did you mean "val_accuracy"?',
    );
  });
});

describe('validateConfig: dataset', () => {
  it('accepts the embedded MNIST and IDX files', () => {
    assert.deepEqual(valid({ ...withFirst({}), dataset: { name: 'mnist' } }).dataset, { name: 'mnist' });
    const idx = { format: 'idx', name: 'fashion-mnist', train_images: 'a', train_labels: 'b', test_images: 'c', test_labels: 'd' };
    assert.deepEqual(valid({ ...withFirst({}), dataset: idx }).dataset, idx);
  });

  it('checks an IDX dataset by its own rules', () => {
    const problems = problemsOf({ ...withFirst({}), dataset: { format: 'idx', train_images: 'a', train_labels: 'b', test_images: 'c' } });
    assert.deepEqual(
      problems.map((p) => [p.path, p.message]),
      [['/dataset/test_labels', 'missing required key "test_labels"']],
    );
    assertProblem(
      { ...withFirst({}), dataset: { format: 'idx', train_images: 'a', train_labels: 'b', test_images: 'c', test_label: 'd' } },
      '/dataset/test_label',
      'unknown key "test_label"',
      'did you mean "test_labels"?',
    );
  });

  it('checks the embedded form by its own rules', () => {
    assertProblem({ ...withFirst({}), dataset: { name: 'cifar10' } }, '/dataset/name', 'unknown value "cifar10"', 'one of: mnist');
  });
});

describe('validateConfig: plain values', () => {
  it('reports wrong types and ranges', () => {
    assertProblem({ ...withFirst({}), epochs: '10' }, '/epochs', 'must be an integer, got "10"');
    assertProblem({ ...withFirst({}), batch_size: 0 }, '/batch_size', 'must be >= 1, got 0');
    assertProblem({ ...withFirst({}), validation_split: 1 }, '/validation_split', 'must be < 1, got 1');
    assertProblem({ layers: [] }, '/layers', 'must have at least 1 item, got 0');
    assertProblem([], '', 'must be an object, got a list');
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ layers: [{ ...firstConv, filter: 3, padding: 'vaild' }, ...head], learning_rte: 1, epochs: 0 });
    assert.deepEqual(problems.map((p) => p.path).sort(), ['/epochs', '/layers/0/filter', '/layers/0/padding', '/learning_rte']);
  });
});

describe('validateConfig: input_shape and layer names', () => {
  it('wants input_shape on the first layer', () => {
    assertProblem({ layers: [{ type: 'Conv2D', filters: 8, kernel_size: 3 }, ...head] }, '/layers/0/input_shape', 'the first layer needs input_shape', 'e.g. [28, 28, 1]');
  });

  it('takes input_shape on the first layer only', () => {
    assertProblem(withLayer({ type: 'MaxPooling2D', input_shape: [28, 28, 1] }), '/layers/1/input_shape', 'only the first layer takes input_shape');
  });

  it('wants three positive dimensions', () => {
    assertProblem(withFirst({ input_shape: [28, 28] }), '/layers/0/input_shape', 'must have exactly 3 items, got 2');
    assertProblem(withFirst({ input_shape: [28, 0, 1] }), '/layers/0/input_shape/1', 'must be >= 1, got 0');
  });

  it('wants unique layer names', () => {
    const raw = { layers: [{ ...firstConv, name: 'conv' }, { type: 'Conv2D', filters: 4, kernel_size: 3, name: 'conv' }, ...head] };
    assertProblem(raw, '/layers/1/name', 'duplicate layer name "conv"', 'also the name of /layers/0');
  });
});

describe('validateConfig: output shapes', () => {
  it('reports a layer whose output would be empty', () => {
    const raw = { layers: [{ ...firstConv, kernel_size: 28 }, { type: 'MaxPooling2D' }, ...head] };
    assertProblem(raw, '/layers/1', 'MaxPooling2D output would be 0x0 (input 1x1, pool 2, valid padding)');
  });

  it('names the kernel, strides and padding of an empty convolution', () => {
    assertProblem(withFirst({ kernel_size: [3, 30] }), '/layers/0', 'Conv2D output would be 26x-1 (input 28x28, kernel 3x30, valid padding)');
    const raw = { layers: [{ ...firstConv, kernel_size: 27 }, { type: 'Conv2D', filters: 4, kernel_size: 3, strides: 2 }, ...head] };
    assertProblem(raw, '/layers/1', 'Conv2D output would be 0x0 (input 2x2, kernel 3, strides 2, valid padding)');
  });

  it('keeps same padding non-empty', () => {
    const raw = { layers: [{ ...firstConv, kernel_size: 28 }, { type: 'MaxPooling2D', padding: 'same' }, ...head] };
    assert.deepEqual(outputShapes(valid(raw)), [[1, 1, 8], [1, 1, 8], [8], [10]]);
  });

  it('computes the shape after each layer', () => {
    const raw = {
      layers: [
        { ...firstConv, padding: 'same', strides: 2 },
        { type: 'AveragePooling2D', pool_size: 3, strides: 2 },
        { type: 'BatchNormalization' },
        { type: 'Conv2D', filters: 6, kernel_size: [3, 2] },
        { type: 'GlobalMaxPooling2D' },
        { type: 'Dense', units: 5 },
        { type: 'Dropout', rate: 0.5 },
        { type: 'Dense', units: 10 },
      ],
    };
    assert.deepEqual(outputShapes(valid(raw)), [[14, 14, 8], [6, 6, 8], [6, 6, 8], [4, 5, 6], [6], [5], [5], [10]]);
  });

  it('allows Dense on an image, as Keras does', () => {
    const raw = { layers: [firstConv, { type: 'Dense', units: 4 }, ...head] };
    assert.deepEqual(outputShapes(valid(raw)), [[26, 26, 8], [26, 26, 4], [2704], [10]]);
  });

  it('wants a flat output per example', () => {
    assertProblem({ layers: [firstConv, { type: 'Dense', units: 10 }] }, '/layers/1', 'the model outputs 26x26x10 per example, but must output a flat vector of class scores', 'add a Flatten');
  });

  it('wants an image before convolutions and pooling', () => {
    assertProblem({ layers: [firstConv, ...head, { type: 'MaxPooling2D' }] }, '/layers/3', 'MaxPooling2D needs an image-shaped input (height, width, channels), but gets [10]');
    assertProblem({ layers: [firstConv, { type: 'Flatten' }, { type: 'Flatten' }, { type: 'Dense', units: 10 }] }, '/layers/2', 'Flatten needs a multi-dimensional input, but gets [5408]');
  });
});

describe('checkAgainstDataset', () => {
  it('accepts a config that fits the dataset', () => {
    checkAgainstDataset(valid(withFirst({})), 'c.json', mnist);
  });

  it('wants the input shape of the dataset', () => {
    const config = valid({ layers: [{ ...firstConv, input_shape: [64, 64, 1] }, ...head] });
    assert.throws(
      () => checkAgainstDataset(config, 'c.json', mnist),
      (err: InputError) => {
        assert.deepEqual(err.problems.map(formatProblem), ["c.json: /layers/0/input_shape: [64, 64, 1] does not match the dataset's images [28, 28, 1] (use [28, 28, 1])"]);
        return true;
      },
    );
  });

  it('wants one output unit per class', () => {
    const config = valid({ layers: [firstConv, { type: 'Flatten' }, { type: 'Dense', units: 32 }, { type: 'Dense', units: 12, activation: 'softmax' }] });
    assert.throws(
      () => checkAgainstDataset(config, 'c.json', mnist),
      (err: InputError) => {
        assert.deepEqual(err.problems.map(formatProblem), ['c.json: /layers/3/units: 12 output units, but the dataset has 10 classes (set units to 10)']);
        return true;
      },
    );
  });

  it('looks through shape-preserving layers after the last Dense', () => {
    const layers = (units: number) => [firstConv, { type: 'Flatten' }, { type: 'Dense', units }, { type: 'Activation', activation: 'softmax' }, { type: 'Dropout', rate: 0.1 }];
    checkAgainstDataset(valid({ layers: layers(10) }), 'c.json', mnist);
    assert.throws(() => checkAgainstDataset(valid({ layers: layers(3) }), 'c.json', mnist), /\/layers\/2\/units: 3 output units, but the dataset has 10 classes/);
  });

  it('names the layer when the output width does not come from a Dense layer', () => {
    const config = valid({ layers: [{ ...firstConv, filters: 7 }, { type: 'GlobalAveragePooling2D' }] });
    assert.throws(() => checkAgainstDataset(config, 'c.json', mnist), /c\.json: \/layers\/1: the model outputs 7 values per example, but the dataset has 10 classes/);
  });

  it('wants one unit per class for binary_crossentropy too (one-hot targets)', () => {
    checkAgainstDataset(valid({ ...withFirst({}), loss: 'binary_crossentropy' }), 'c.json', mnist);
    const single = valid({ layers: [firstConv, { type: 'Flatten' }, { type: 'Dense', units: 1, activation: 'sigmoid' }], loss: 'binary_crossentropy' });
    assert.throws(() => checkAgainstDataset(single, 'c.json', mnist), /1 output units, but the dataset has 10 classes/);
  });

  it('reports both problems at once', () => {
    const config = valid({ layers: [{ ...firstConv, input_shape: [32, 32, 3] }, { type: 'Flatten' }, { type: 'Dense', units: 2 }] });
    assert.throws(
      () => checkAgainstDataset(config, 'c.json', mnist),
      (err: InputError) => err.problems.length === 2,
    );
  });
});

describe('loadConfigFile', () => {
  it('reads, parses and validates a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'convsweep-config-'));
    const file = join(dir, 'net.json');
    await writeFile(file, JSON.stringify(withFirst({})));
    const loaded = await loadConfigFile(file);
    assert.equal(loaded.file, file);
    assert.equal(loaded.dir, resolve(dir));
    assert.equal(loaded.config.batch_size, 32);
  });

  it('names a missing file', async () => {
    const file = join(tmpdir(), 'convsweep-no-such-config.json');
    await assert.rejects(loadConfigFile(file), (err: InputError) => {
      assert.equal(err.message, `${file}: cannot read file (ENOENT)`);
      assert.equal(err.problems[0].path, '');
      return true;
    });
  });

  it('names the file in syntax and schema errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'convsweep-config-'));
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{\n  "layers": [\n    {"type": "Flatten"}\n  ]\n  "epochs": 2\n}\n');
    await assert.rejects(loadConfigFile(broken), { message: `${broken}: invalid JSON at line 5, column 3: expected ',' or '}', found "\\""` });
    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, JSON.stringify({ ...withFirst({}), epoch: 2 }));
    await assert.rejects(loadConfigFile(invalid), { message: `${invalid}: /epoch: unknown key "epoch" (did you mean "epochs"?)` });
  });
});

/** Trainable parameters as Keras counts them: conv k*k*cin*f + f, batch norm 4*c, dense in*out + out. */
function parameterCount(config: ResolvedConfig): number {
  const shapes = outputShapes(config);
  return config.layers.reduce((total, layer, i) => {
    const input = i === 0 ? config.layers[0].input_shape! : shapes[i - 1];
    const channels = input[input.length - 1];
    switch (layer.type) {
      case 'Conv2D': {
        const [kh, kw] = typeof layer.kernel_size === 'number' ? [layer.kernel_size, layer.kernel_size] : layer.kernel_size;
        return total + kh * kw * channels * layer.filters + layer.filters;
      }
      case 'BatchNormalization':
        return total + 4 * channels;
      case 'Dense':
        return total + channels * layer.units + layer.units;
      default:
        return total;
    }
  }, 0);
}

describe('shipped configs', () => {
  const configFile = (name: string) => join(repoRoot, 'configs', `${name}.json`);

  for (const [name, parameters] of [
    ['paper-exp1', 83_274],
    ['paper-exp2', 41_994],
    ['fig2-example', 31_258],
  ] as const) {
    it(`${name} validates, fits MNIST and has ${parameters} parameters`, async () => {
      const { config } = await loadConfigFile(configFile(name));
      checkAgainstDataset(config, configFile(name), mnist);
      assert.equal(config.name, name);
      assert.equal(parameterCount(config), parameters);
    });
  }

  it('paper-exp1 has the settings of Table II', async () => {
    const { config } = await loadConfigFile(configFile('paper-exp1'));
    assert.deepEqual(
      outputShapes(config).map((s) => s.join('x')),
      ['26x26x64', '13x13x64', '11x11x32', '5x5x32', '3x3x32', '3x3x32', '3x3x32', '288', '128', '128', '128', '128', '10'],
    );
    assert.equal(config.optimizer, 'Adam');
    assert.equal(config.learning_rate, 0.0001);
    assert.equal(config.epochs, 70);
    assert.deepEqual(config.callbacks, [{ type: 'EarlyStopping', monitor: 'val_loss', patience: 5, min_delta: 0, restore_best_weights: true }]);
  });

  it('paper-exp2 has the settings of Table V', async () => {
    const { config } = await loadConfigFile(configFile('paper-exp2'));
    // The third block pools 3x3 down to 1x1, so Flatten gives 32 features.
    assert.deepEqual(outputShapes(config)[12], [32]);
    assert.equal(config.learning_rate, 0.0005);
    assert.equal(config.epochs, 70);
    assert.deepEqual(
      config.callbacks.map((c) => [c.type, c.patience]),
      [
        ['EarlyStopping', 5],
        ['ReduceLROnPlateau', 3],
      ],
    );
  });
});

describe('generated types', () => {
  it('are fresh', () => {
    const result = spawnSync(process.execPath, ['scripts/generate-types.mjs', '--check'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  });
});
