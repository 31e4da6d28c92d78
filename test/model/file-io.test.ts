import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildModel } from '../../src/model/build.js';
import { fileSystemIO, loadModel } from '../../src/model/file-io.js';
import { tempDir } from '../helpers.js';

await tf.setBackend('cpu');

test('a model saved through the file IO handler loads back with identical predictions', async () => {
  const model = buildModel([
    { type: 'Conv2D', filters: 4, kernel_size: 3, activation: 'relu', input_shape: [8, 8, 1] },
    { type: 'BatchNormalization' },
    { type: 'MaxPooling2D' },
    { type: 'Flatten' },
    { type: 'Dropout', rate: 0.3 },
    { type: 'Dense', units: 10, activation: 'softmax', kernel_regularizer: { l2: 0.005 } },
  ], [8, 8, 1]);
  // Non-trivial batch-norm statistics, so the round trip must carry non-trainable weights too.
  model.layers[1].setWeights(model.layers[1].getWeights().map((w, i) => tf.fill(w.shape, 0.5 + i)));
  const dir = join(await tempDir(), 'model');
  await model.save(fileSystemIO(dir));
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  assert.equal(manifest.format, 'layers-model');
  assert.deepEqual(manifest.weightsManifest[0].paths, ['./weights.bin']);

  const loaded = await loadModel(dir);
  const x = tf.randomUniform([5, 8, 8, 1], 0, 1, 'float32', 7);
  const before = (model.predict(x) as tf.Tensor).arraySync();
  const after = (loaded.predict(x) as tf.Tensor).arraySync();
  assert.deepEqual(after, before);
  assert.equal(loaded.countParams(), model.countParams());
});
