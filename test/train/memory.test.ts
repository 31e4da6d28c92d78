/**
 * No leaks across epochs: after the first epoch (which creates the optimizer's slots and the kept
 * best weights), the number of live tensors, their bytes and the WebAssembly heap stay the same
 * epoch after epoch, on a model with every layer kind the paper's configs use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { validateConfig } from '../../src/config/load.js';
import { train } from '../../src/train/trainer.js';
import { mnistSlice } from '../helpers.js';

test('tensors, tensor bytes and the wasm heap stay flat across epochs', async () => {
  await selectBackend('wasm');
  const config = validateConfig({
    layers: [
      { type: 'Conv2D', filters: 8, kernel_size: 3, activation: 'relu', input_shape: [28, 28, 1], kernel_regularizer: { l2: 0.005 } },
      { type: 'BatchNormalization' },
      { type: 'Activation', activation: 'relu' },
      { type: 'MaxPooling2D', pool_size: 2 },
      { type: 'Flatten' },
      { type: 'Dense', units: 16, activation: 'relu' },
      { type: 'Dropout', rate: 0.2 },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
    learning_rate: 0.001,
    epochs: 6,
    batch_size: 50,
    callbacks: [{ type: 'ReduceLROnPlateau', patience: 0, factor: 0.5 }],
  }, 'memory.json');
  const data = await mnistSlice(600, 100);
  const wasmHeap = () => ((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength);
  const samples: { tensors: number; bytes: number; heap: number }[] = [];
  const before = tf.memory().numTensors;
  const outcome = await train({ ...config, seed: 1 }, data, {
    onEpoch: () => samples.push({ tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, heap: wasmHeap() }),
  });
  assert.equal(samples.length, 6);
  for (const s of samples.slice(2)) assert.deepEqual(s, samples[1], `epoch samples: ${JSON.stringify(samples)}`);
  outcome.model.dispose();
  assert.equal(tf.memory().numTensors, before, 'nothing is left once the model is disposed');
});
