import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closest, editDistance } from '../../src/config/suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps', () => {
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('vaild', 'valid'), 1);
    assert.equal(editDistance('same', 'same'), 0);
  });
});

describe('closest', () => {
  it('corrects typos of keys, types and values', () => {
    assert.equal(closest('filter', ['type', 'filters', 'kernel_size']), 'filters');
    assert.equal(closest('learning_rte', ['learning_rate', 'epochs']), 'learning_rate');
    assert.equal(closest('vaild', ['valid', 'same']), 'valid');
    assert.equal(closest('MaxPool2D', ['Conv2D', 'MaxPooling2D', 'AveragePooling2D']), 'MaxPooling2D');
  });

  it('completes an abbreviation that only one candidate extends', () => {
    assert.equal(closest('val_acc', ['test_accuracy', 'test_loss', 'val_accuracy', 'val_loss']), 'val_accuracy');
    assert.equal(closest('val', ['val_accuracy', 'val_loss']), undefined);
    assert.equal(closest('le', ['learning_rate']), undefined);
  });

  it('ignores case', () => {
    assert.equal(closest('Conv2d', ['Conv2D', 'Dense']), 'Conv2D');
    assert.equal(closest('ADAM', ['Adam', 'SGD']), 'Adam');
  });

  it('picks the nearest of several close candidates', () => {
    assert.equal(closest('pading', ['padding', 'pooling']), 'padding');
    assert.equal(closest('units', ['unit', 'units']), 'units');
  });

  it('suggests nothing that is not plausibly a typo', () => {
    assert.equal(closest('__proto__', ['Conv2D', 'Dense', 'Flatten']), undefined);
    assert.equal(closest('constructor', ['Conv2D', 'Dense', 'Flatten']), undefined);
    // Two edits are too many for a four-letter word: "rate" on a Dense layer is not a misspelt "name".
    assert.equal(closest('rate', ['name', 'type', 'units']), undefined);
    assert.equal(closest('l3', ['l1', 'l2']), undefined);
    assert.equal(closest('x', ['y']), undefined);
    assert.equal(closest('anything', []), undefined);
  });
});
