/**
 * convsweep's own SIMD module and the kernels on it, beyond the gradient comparisons of
 * wasm-gradients.test.ts: the compiled module can be instantiated on the tfjs heap without touching
 * it, and the kernels keep tfjs' exact semantics where a tolerance would hide a difference (NaN and
 * −0 in relu's gradient, batch moments of data far from zero, Identity's sharing, subnormals flushed).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/backend/wasm-kernels/index.js';
import { batchNormalization } from '../../src/model/batch-normalization.js';
import { conv2d } from '../../src/model/conv2d.js';
import { createOptimizer } from '../../src/train/optimizer.js';

before(async () => {
  registerWasmTrainingKernels();
  tf.enableProdMode();
  assert.ok(await tf.setBackend('wasm'));
});

/** Section ids and the import entries of a WebAssembly binary. */
function sectionsOf(bytes: Uint8Array): { ids: number[]; imports: string[] } {
  let at = 8; // magic and version
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++];
      result |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) return result >>> 0;
    }
  };
  const name = (): string => {
    const n = leb();
    const s = new TextDecoder().decode(bytes.subarray(at, at + n));
    at += n;
    return s;
  };
  const ids: number[] = [];
  const imports: string[] = [];
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    ids.push(id);
    if (id === 2) {
      const count = leb();
      for (let i = 0; i < count; i++) {
        const entry = `${name()}.${name()}`;
        const kind = bytes[at++];
        imports.push(`${entry}:${kind}`);
        if (kind === 2) {
          const flags = bytes[at++];
          leb();
          if (flags & 1) leb();
        } else throw new Error(`unexpected import kind ${kind}`);
      }
    }
    at = end;
  }
  return { ids, imports };
}

describe('the SIMD module', () => {
  test('imports the backend memory and owns no memory, data or start function that could write into it', () => {
    const bytes = new Uint8Array(readFileSync(new URL('../../src/backend/wasm-kernels/simd.wasm', import.meta.url)));
    const { ids, imports } = sectionsOf(bytes);
    assert.deepEqual(imports, ['env.memory:2']);
    for (const [id, what] of [[5, 'memory'], [8, 'start'], [11, 'data'], [12, 'data count']] as const) {
      assert.ok(!ids.includes(id), `simd.wasm has a ${what} section`);
    }
  });
});

describe('relu gradient', () => {
  test('bit for bit what tfjs computes on cpu: NaN, −0, ±Infinity, odd length', async () => {
    const special = [NaN, 0, -0, 1e-30, -1e-30, Infinity, -Infinity, 2.5, -2.5];
    const n = 4 * 9 + 3; // a SIMD body and a scalar tail
    const x = new Float32Array(n);
    const dy = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = special[i % special.length];
      dy[i] = special[(i * 5 + 2) % special.length];
    }
    const grad = () => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.relu(t))(tf.tensor(x), tf.tensor(dy)).dataSync() as Float32Array).slice();
    await tf.setBackend('cpu');
    const cpu = grad();
    await tf.setBackend('wasm');
    const profile = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.relu(t))(tf.tensor(x), tf.tensor(dy)));
    assert.ok(profile.kernels.some((k) => k.name === 'ConvsweepReluGrad'), 'the one-pass kernel ran');
    const wasm = grad();
    for (let i = 0; i < n; i++) assert.ok(Object.is(wasm[i], cpu[i]), `element ${i}: x=${x[i]} dy=${dy[i]}: wasm ${wasm[i]}, cpu ${cpu[i]}`);
  });
});

describe('batch normalisation on data far from zero', () => {
  test('moments about the mean: variance of 1e4 + N(0, 1) within 1e-4', async () => {
    const shape = [64, 9, 9, 8];
    const size = shape.reduce((a, b) => a * b, 1);
    const x = new Float32Array(size);
    let seed = 7;
    for (let i = 0; i < size; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      x[i] = 1e4 + (seed / 2147483648 - 0.5) * Math.sqrt(12);
    }
    // The exact moments of the float32 data, per channel, in float64.
    const C = 8;
    const mean = new Float64Array(C);
    const variance = new Float64Array(C);
    for (let i = 0; i < size; i++) mean[i % C] += x[i];
    for (let c = 0; c < C; c++) mean[c] /= size / C;
    for (let i = 0; i < size; i++) variance[i % C] += (x[i] - mean[i % C]) ** 2;
    for (let c = 0; c < C; c++) variance[c] /= size / C;
    const layer = batchNormalization({ momentum: 0, epsilon: 1e-3 });
    const y = tf.tidy(() => (layer.apply(tf.tensor(x, shape), { training: true }) as tf.Tensor).dataSync());
    const [, , movingMean, movingVariance] = layer.getWeights().map((w) => w.dataSync());
    for (let c = 0; c < C; c++) {
      assert.ok(Math.abs(movingMean[c] - mean[c]) / mean[c] < 1e-6, `mean ${c}: ${movingMean[c]} vs ${mean[c]}`);
      assert.ok(Math.abs(movingVariance[c] - variance[c]) / variance[c] < 1e-4, `variance ${c}: ${movingVariance[c]} vs ${variance[c]}`);
    }
    // The normalised output (γ = 1, β = 0) of data whose mean is 1e4 times its spread.
    let worst = 0;
    for (let i = 0; i < size; i++) worst = Math.max(worst, Math.abs(y[i] - (x[i] - mean[i % C]) / Math.sqrt(variance[i % C] + 1e-3)));
    assert.ok(worst < 1e-4, `normalised output off by ${worst}`);
    for (const w of layer.weights) w.dispose();
  });
});

describe('max pooling gradient with NaN', () => {
  test('a NaN anywhere in a 2x2 window is passed over as on cpu, four channels at a time or one', async () => {
    // Windows (channels innermost) with NaN first, in the middle, everywhere, and −Infinity.
    const windows = [[NaN, 1, 2, 3], [4, NaN, 2, 1], [NaN, NaN, NaN, NaN], [-Infinity, NaN, -Infinity, -Infinity], [NaN, -2, -1, -3], [1, 1, NaN, 1]];
    for (const C of [4, 3]) {
      const n = windows.length;
      const x = new Float32Array(n * 4 * C);
      for (let w = 0; w < n; w++) for (let p = 0; p < 4; p++) for (let c = 0; c < C; c++) x[(w * 4 + [0, 1, 2, 3][p]) * C + c] = windows[w][(p + c) % 4];
      // Each window its own image: [n, 2, 2, C], pixel order (0,0) (0,1) (1,0) (1,1).
      const dy = Float32Array.from({ length: n * C }, (_, i) => i + 1);
      const grad = () => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'))(tf.tensor(x, [n, 2, 2, C]), tf.tensor(dy, [n, 1, 1, C])).dataSync() as Float32Array).slice();
      await tf.setBackend('cpu');
      const cpu = grad();
      await tf.setBackend('wasm');
      const wasm = grad();
      for (let i = 0; i < cpu.length; i++) assert.ok(Object.is(wasm[i], cpu[i]) || (wasm[i] === 0 && cpu[i] === 0), `C=${C} element ${i}: wasm ${wasm[i]}, cpu ${cpu[i]}`);
    }
  });
});

describe('Identity shares its input on wasm', () => {
  test('a clone outlives its source, and the data is freed with the last of them', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    assert.equal(backend.numDataIds(), before + 1, 'the clone holds no copy of its own');
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
    y.dispose();
    assert.equal(backend.numDataIds(), before);
  });
});

describe('the Conv2D layer fuses bias and relu into its convolution while training on wasm', () => {
  type Args = Parameters<typeof conv2d>[0];
  const cases: { label: string; args: Args; shape: number[] }[] = [
    { label: 'relu, valid, 64 filters', args: { filters: 64, kernelSize: 3, activation: 'relu' }, shape: [6, 13, 13, 1] },
    { label: 'relu, same, stride 2, 37 filters', args: { filters: 37, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }, shape: [3, 11, 9, 4] },
    { label: 'no activation, 5x5, 8 filters', args: { filters: 8, kernelSize: 5, activation: 'linear' }, shape: [2, 9, 9, 3] },
  ];
  /** Output, dx, dkernel and dbias of sum(layer(x) · dy), all while gradients are recorded (training). */
  function run(make: (args: Args) => tf.layers.Layer, args: Args, x: Float32Array, shape: number[], dyData: Float32Array, weights: Float32Array[]): Float32Array[] {
    return tf.tidy(() => {
      const layer = make(args);
      layer.build(shape);
      layer.setWeights(layer.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
      const xt = tf.tensor(x, shape);
      const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
      let output: tf.Tensor | undefined;
      const f = (input: tf.Tensor) => {
        const y = layer.apply(input, { training: true }) as tf.Tensor;
        output ??= tf.keep(y.clone());
        return tf.sum(tf.mul(y, tf.tensor(dyData, y.shape))) as tf.Scalar;
      };
      const dx = tf.grad(f)(xt);
      const { grads } = tf.variableGrads(() => f(xt), vars);
      const out = [output!, dx, ...vars.map((v) => grads[v.name])].map((t) => Float32Array.from(t.dataSync() as Float32Array));
      for (const v of layer.weights) v.dispose();
      return out;
    });
  }
  const names = ['output', 'dx', 'dkernel', 'dbias'];
  for (const { label, args, shape } of cases) {
    test(`${label}: matches tfjs-layers on cpu${args.activation === 'relu' ? ', and its unfused path on wasm bit for bit' : ''}`, async () => {
      let seed = 3;
      const random = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 2);
      const probe = conv2d(args);
      probe.build(shape);
      const weights = probe.getWeights().map((w) => random(w.size));
      const outSize = (probe.computeOutputShape(shape) as number[]).reduce((p, q) => p * q, 1);
      for (const w of probe.weights) w.dispose();
      const x = random(shape.reduce((p, q) => p * q, 1));
      const dy = random(outSize);
      await tf.setBackend('cpu');
      const cpu = run((a) => tf.layers.conv2d(a), args, x, shape, dy, weights);
      await tf.setBackend('wasm');
      const ours = run(conv2d, args, x, shape, dy, weights);
      for (let i = 0; i < cpu.length; i++) {
        let diff = 0;
        let scale = 0;
        for (let k = 0; k < cpu[i].length; k++) {
          diff = Math.max(diff, Math.abs(ours[i][k] - cpu[i][k]));
          scale = Math.max(scale, Math.abs(cpu[i][k]));
        }
        assert.ok(diff / Math.max(1e-6, scale) <= 1e-4, `${names[i]}: relative error ${diff / scale} against cpu`);
      }
      if (args.activation !== 'relu') return; // tfjs fuses a linear convolution itself (XNNPACK), with other rounding
      const unfused = run((a) => tf.layers.conv2d(a), args, x, shape, dy, weights);
      for (let i = 0; i < unfused.length; i++) {
        const differing = ours[i].findIndex((v, k) => v !== unfused[i][k] && !(Number.isNaN(v) && Number.isNaN(unfused[i][k])));
        assert.equal(differing, -1, `${names[i]} differs at ${differing}: ${ours[i][differing]} vs ${unfused[i][differing]}`);
      }
    });
  }
  test('the fused kernel is what the layer runs (profiled), and not without training', async () => {
    await tf.setBackend('wasm');
    const layer = conv2d({ filters: 8, kernelSize: 3, activation: 'relu' });
    const x = tf.randomNormal([2, 7, 7, 3]);
    const training = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.sum(layer.apply(t, { training: true }) as tf.Tensor))(x));
    const trainingNames = training.kernels.map((k) => k.name);
    assert.ok(trainingNames.includes('ConvsweepConv2DBiasActivation'), trainingNames.join(', '));
    assert.ok(!trainingNames.includes('Relu') && !trainingNames.includes('Add'), trainingNames.join(', '));
    const inference = await tf.profile(() => layer.apply(x) as tf.Tensor);
    assert.ok(!inference.kernels.some((k) => k.name === 'ConvsweepConv2DBiasActivation'), "inference runs tfjs-layers' own path");
    for (const v of layer.weights) v.dispose();
    x.dispose();
  });
});

describe("Adam's one-kernel step", () => {
  test("gives tfjs' Adam's weights and moments bit for bit over steps, in one kernel a variable", async () => {
    const shapes = [[3, 3, 1, 37], [37], [129, 10], [1]];
    let seed = 11;
    const random = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 2);
    const initial = shapes.map((s) => random(s.reduce((a, b) => a * b, 1)));
    const gradients = [0, 1, 2].map(() => shapes.map((s) => random(s.reduce((a, b) => a * b, 1))));
    /** Weights and moments after three steps, and the kernels of a fourth. */
    const train = async (optimizer: tf.Optimizer, tag: string): Promise<{ arrays: Float32Array[]; kernels: string[] }> => {
      const vars = shapes.map((s, i) => tf.variable(tf.tensor(initial[i], s), true, `${tag}-${i}`));
      const apply = (step: Float32Array[]) => tf.tidy(() => optimizer.applyGradients(Object.fromEntries(vars.map((v, i) => [v.name, tf.tensor(step[i], shapes[i])]))));
      for (const step of gradients) apply(step);
      const state = optimizer as unknown as { accumulatedFirstMoment: { variable: tf.Variable }[]; accumulatedSecondMoment: { variable: tf.Variable }[] };
      const moments = [...state.accumulatedFirstMoment, ...state.accumulatedSecondMoment].map((m) => m.variable);
      const arrays = [...vars, ...moments].map((t) => Float32Array.from(t.dataSync() as Float32Array));
      const profile = await tf.profile(() => apply(gradients[0]));
      tf.dispose(vars);
      optimizer.dispose();
      return { arrays, kernels: profile.kernels.map((k) => k.name) };
    };
    await tf.setBackend('cpu');
    const cpu = await train(tf.train.adam(0.01, 0.9, 0.999, 1e-7), 'cpu');
    await tf.setBackend('wasm');
    const ours = await train(createOptimizer('Adam', 0.01), 'ours');
    const stock = await train(tf.train.adam(0.01, 0.9, 0.999, 1e-7), 'stock');
    for (let i = 0; i < ours.arrays.length; i++) {
      const scale = Math.max(1e-6, ...cpu.arrays[i].map(Math.abs));
      const worst = Math.max(...ours.arrays[i].map((v, k) => Math.abs(v - cpu.arrays[i][k])));
      assert.ok(worst / scale <= 1e-4, `array ${i} against cpu: relative error ${worst / scale}`);
    }
    assert.equal(ours.arrays.length, stock.arrays.length);
    for (let i = 0; i < ours.arrays.length; i++) {
      const differing = ours.arrays[i].findIndex((v, k) => v !== stock.arrays[i][k]);
      assert.equal(differing, -1, `array ${i} differs at ${differing}: ${ours.arrays[i][differing]} vs ${stock.arrays[i][differing]}`);
    }
    assert.equal(ours.kernels.filter((k) => k === 'ConvsweepAdamStep').length, shapes.length, ours.kernels.join(', '));
    assert.ok(stock.kernels.length > 10 * shapes.length, `tfjs' own Adam: ${stock.kernels.length} kernels`);
  });
});

describe('subnormal results are stored as zero, as x86 flush-to-zero gives them', () => {
  const FLT_MIN = 1.1754944e-38;
  /** cpu's figures are subnormal (and not zero) where ours are zero: the case exists and is caught. */
  const assertFlushed = (label: string, ours: Float32Array, cpu: Float32Array) => {
    assert.equal(ours.length, cpu.length, label);
    assert.ok(cpu.every((v) => v !== 0 && Math.abs(v) < FLT_MIN), `${label}: cpu gives subnormals (${cpu[0]})`);
    const kept = ours.findIndex((v) => v !== 0);
    assert.equal(kept, -1, `${label}: ${ours[kept]} at ${kept} was not flushed`);
  };
  const onBoth = async <T>(run: () => T): Promise<{ wasm: T; cpu: T }> => {
    await tf.setBackend('cpu');
    const cpu = run();
    await tf.setBackend('wasm');
    return { wasm: run(), cpu };
  };

  test('Conv2D, its input and filter gradients, and the fused training kernel, every register block; NaN kept', async () => {
    // 1e-20 · 1e-21 summed over a 2x2x3 window (forward), 40 filters (input gradient) or 2x16
    // pixels (filter gradient): below 1.2e-38 each time. 40 filters reach the 32- and 8-wide blocks
    // and the 4-wide and single remainders.
    for (const filters of [40, 3]) {
      const run = () => tf.tidy(() => {
        const x = tf.fill([2, 5, 5, 3], 1e-20);
        const w = tf.fill([2, 2, 3, filters], 1e-21);
        const dy = tf.fill([2, 4, 4, filters], 1e-20);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'))([x, w], dy);
        // The layer runs the fused kernel while training on wasm, tfjs-layers' path on cpu.
        const layer = conv2d({ filters, kernelSize: 2, activation: 'relu', kernelInitializer: tf.initializers.constant({ value: 1e-21 }) });
        const fused = layer.apply(x, { training: true }) as tf.Tensor;
        for (const v of layer.weights) v.dispose();
        return [tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'), dx, dw, fused].map((t) => t.dataSync() as Float32Array);
      });
      const { wasm, cpu } = await onBoth(run);
      ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'the Conv2D layer, training'].forEach((name, i) => assertFlushed(`${name}, ${filters} filters`, wasm[i], cpu[i]));
    }
    const y = tf.tidy(() => {
      const x = tf.buffer([1, 3, 3, 1], 'float32', new Float32Array(9).fill(1));
      x.set(Number.NaN, 0, 1, 1, 0);
      return tf.conv2d(x.toTensor() as tf.Tensor4D, tf.ones([2, 2, 1, 8]) as tf.Tensor4D, 1, 'valid').dataSync();
    });
    assert.ok(y.every(Number.isNaN), `every window holds the NaN: ${Array.from(y)}`);
  });

  test('batch normalisation forward, where γ makes the output subnormal', async () => {
    const run = () => {
      const layer = batchNormalization({ momentum: 0, epsilon: 1e-3 });
      const x = tf.tensor4d([0.1, -0.2, 0.05, -0.15, 0.12, -0.08, 0.02, 0.14], [8, 1, 1, 1]);
      layer.apply(x, { training: true });
      layer.setWeights([tf.tensor1d([1e-39 * 4]), tf.tensor1d([0]), tf.tensor1d([0]), tf.tensor1d([1])]);
      const y = tf.tidy(() => (layer.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array);
      for (const w of layer.weights) w.dispose();
      x.dispose();
      return y;
    };
    const { wasm, cpu } = await onBoth(run);
    assertFlushed('ConvsweepBatchNormTraining', wasm, cpu);
  });

  test("Adam's second moment of a 1e-19 gradient, and a weight stepped below 1.2e-38", async () => {
    const run = (makeOptimizer: () => tf.Optimizer) => {
      const w = tf.variable(tf.tensor1d([1, 2, 3, 4, 5], 'float32'), true, `adam-ftz-${tf.getBackend()}-${Math.random()}`);
      const optimizer = makeOptimizer();
      tf.tidy(() => optimizer.applyGradients({ [w.name]: tf.fill([5], 1e-19) }));
      const state = optimizer as unknown as { accumulatedSecondMoment: { variable: tf.Variable }[] };
      const v = state.accumulatedSecondMoment[0].variable.dataSync() as Float32Array;
      // A learning rate of 1e-39 moves a zero weight by a subnormal step.
      w.assign(tf.zeros([5]));
      tf.tidy(() => optimizer.applyGradients({ [w.name]: tf.fill([5], 1) }));
      const stepped = w.dataSync() as Float32Array;
      w.dispose();
      optimizer.dispose();
      return { v: Float32Array.from(v), stepped: Float32Array.from(stepped) };
    };
    await tf.setBackend('cpu');
    const cpu = run(() => tf.train.adam(1e-39, 0.9, 0.999, 1e-7));
    await tf.setBackend('wasm');
    const ours = run(() => createOptimizer('Adam', 1e-39));
    assertFlushed('second moment', ours.v, cpu.v);
    assertFlushed('weight', ours.stepped, cpu.stepped);
  });
});
