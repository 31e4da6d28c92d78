import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultWorkerCount, GpuSlots } from '../../src/sweep/gpu-slots.js';

test('slots spread trials over GPUs, least loaded first, up to trialsPerGpu each', () => {
  const slots = new GpuSlots(2, 2);
  assert.deepEqual([slots.acquire(), slots.acquire(), slots.acquire(), slots.acquire()], [0, 1, 0, 1]);
  assert.equal(slots.acquire(), undefined);
  slots.release(1);
  assert.equal(slots.acquire(), 1);
  slots.release(0);
  slots.release(0);
  assert.equal(slots.acquire(), 0);
  assert.equal(slots.acquire(), 0);
  assert.equal(slots.acquire(), undefined);
});

test('named devices (worker --gpus 2,5): slots hand out the device numbers, not positions', () => {
  const slots = new GpuSlots([2, 5], 1);
  assert.deepEqual([slots.acquire(), slots.acquire(), slots.acquire()], [2, 5, undefined]);
  slots.release(5);
  assert.equal(slots.acquire(), 5);
  slots.release(0);
  assert.equal(slots.acquire(), undefined, 'releasing a device that is not in the list frees nothing');
});

test('no GPUs: no slot, and releasing nothing is harmless', () => {
  const slots = new GpuSlots(0, 1);
  assert.equal(slots.acquire(), undefined);
  slots.release(undefined);
  assert.equal(slots.acquire(), undefined);
});

test('default workers: cores on the CPU, GPUs × trials per GPU on CUDA, never fewer than one', () => {
  assert.equal(defaultWorkerCount('wasm', { cores: 2, gpus: 0 }), 2);
  assert.equal(defaultWorkerCount('cpu', { cores: 8, gpus: 4 }), 8);
  assert.equal(defaultWorkerCount('tensorflow', { cores: 6, gpus: 0 }), 6);
  assert.equal(defaultWorkerCount('tensorflow-gpu', { cores: 8, gpus: 4 }), 4);
  assert.equal(defaultWorkerCount('tensorflow-gpu', { cores: 8, gpus: 2 }, 3), 6);
  assert.equal(defaultWorkerCount('tensorflow-gpu', { cores: 8, gpus: 0 }, 2), 1);
});
