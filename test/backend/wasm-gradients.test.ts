/**
 * Gradients on the wasm backend (with our training kernels registered) against the cpu backend.
 *
 * Every case builds the same inputs on both backends, computes value and gradients with tf.valueAndGrads
 * (or tf.variableGrads for models), and requires for every output array
 *   relErr = max_i |wasm_i - cpu_i| / max(1e-6, max_i |cpu_i|)  <= 1e-4
 * and no NaN. Inputs are fresh seeded random numbers (seed per case, a hash of its label and
 * WASM_GRAD_SEED, default 20240607; the seed is in each failure message).
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/backend/wasm-kernels/index.js';
import { batchNormalization } from '../../src/model/batch-normalization.js';
import { createRng as mulberry32 } from '../../src/random.js';

const TOL = 1e-4;
const BASE_SEED = Number(process.env.WASM_GRAD_SEED ?? 20240607);

/** Per-case seed: the base seed mixed with a hash of the case label (stable under --test-name-pattern). */
function seedFor(label: string): number {
  let h = 2166136261 ^ BASE_SEED;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
  return h >>> 0;
}


interface Arr {
  shape: number[];
  data: Float32Array;
  dtype?: 'float32' | 'int32';
}

type Kind = 'normal' | 'negative' | 'uniform' | 'ties';

/** Zero-mean (normal), all-negative, uniform [0,1), or all-negative with many exact ties. */
function rand(shape: number[], rng: () => number, kind: Kind = 'normal'): Arr {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u1 = Math.max(rng(), 1e-12);
    const g = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng());
    if (kind === 'normal') data[i] = g;
    else if (kind === 'negative') data[i] = -0.01 - Math.abs(g);
    else if (kind === 'uniform') data[i] = rng();
    else data[i] = -1 - Math.floor(rng() * 3) * 0.5;
  }
  return { shape, data };
}

function oneHot(n: number, k: number, rng: () => number): Arr {
  const data = new Float32Array(n * k);
  for (let i = 0; i < n; i++) data[i * k + Math.floor(rng() * k)] = 1;
  return { shape: [n, k], data };
}

function relErr(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(1e-6, scale);
}

function hasNaN(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i])) return true;
  return false;
}

function assertClose(label: string, wasm: Float32Array[], cpu: Float32Array[]): void {
  assert.equal(wasm.length, cpu.length, `${label}: number of outputs`);
  for (let i = 0; i < cpu.length; i++) {
    assert.ok(!hasNaN(wasm[i]), `${label}: output ${i} has NaN on wasm`);
    assert.ok(!hasNaN(cpu[i]), `${label}: output ${i} has NaN on cpu`);
    const e = relErr(wasm[i], cpu[i]);
    assert.ok(e <= TOL, `${label}: output ${i} relErr ${e.toExponential(3)} > ${TOL}`);
  }
}

async function onBackend<T>(name: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  if (tf.getBackend() !== name) assert.ok(await tf.setBackend(name), `backend ${name} did not initialise`);
  return fn();
}

/** Value and gradients of sum(f(xs) * dy) w.r.t. the first `nDiff` inputs, as plain arrays. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Arr[], dy: Arr | null, nDiff = inputs.length): Float32Array[] {
  return tf.tidy(() => {
    const ts = inputs.map((a) => tf.tensor(a.data, a.shape, a.dtype ?? 'float32'));
    const diff = ts.slice(0, nDiff);
    const rest = ts.slice(nDiff);
    const g = tf.valueAndGrads((...d: tf.Tensor[]) => f(...d, ...rest));
    const { value, grads } = g(diff, dy ? tf.tensor(dy.data, dy.shape) : undefined);
    return [value, ...grads].map((t) => t.dataSync() as Float32Array).map((a) => Float32Array.from(a));
  });
}

/** Runs valueAndGrads on cpu and wasm; `make` builds inputs and dy from a seeded rng. */
async function compareGrads(label: string, make: (rng: () => number) => { inputs: Arr[]; dy?: Arr | null; nDiff?: number }, f: (...xs: tf.Tensor[]) => tf.Tensor): Promise<void> {
  const seed = seedFor(label);
  const { inputs, dy = null, nDiff } = make(mulberry32(seed));
  const cpu = await onBackend('cpu', () => valueAndGrads(f, inputs, dy, nDiff));
  const wasm = await onBackend('wasm', () => valueAndGrads(f, inputs, dy, nDiff));
  assertClose(`${label} [seed ${seed}]`, wasm, cpu);
}

function outSize(inSize: number, k: number, s: number, pad: 'valid' | 'same'): number {
  return pad === 'same' ? Math.ceil(inSize / s) : Math.ceil((inSize - k + 1) / s);
}

before(async () => {
  registerWasmTrainingKernels();
  registerWasmTrainingKernels(); // idempotent
  tf.enableProdMode();
  assert.ok(await tf.setBackend('wasm'));
  await tf.ready();
});

describe('wasm training kernels are registered', () => {
  test('Conv2DBackpropFilter and MaxPoolGrad exist on wasm', () => {
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
    assert.ok(tf.getKernel('MaxPoolGrad', 'wasm'));
  });
});

describe('conv2d gradients (input and filter) match cpu', () => {
  // 5 kernel sizes x 2 strides x 2 paddings x 2 image sizes x 3 channel counts, batch 2.
  const cases: { k: number | [number, number]; s: number | [number, number]; pad: 'valid' | 'same'; h: number; w: number; c: number; f: number }[] = [];
  for (const k of [1, 2, 3, 4, 5]) for (const s of [1, 2]) for (const pad of ['valid', 'same'] as const) for (const h of [7, 13]) for (const c of [1, 3, 8]) cases.push({ k, s, pad, h, w: h, c, f: 1 + ((k + c + h) % 6) });
  // Rectangular kernels, strides and images.
  cases.push({ k: [3, 5], s: [1, 2], pad: 'same', h: 9, w: 13, c: 3, f: 4 });
  cases.push({ k: [2, 1], s: [2, 1], pad: 'valid', h: 13, w: 7, c: 8, f: 5 });
  cases.push({ k: 3, s: 3, pad: 'valid', h: 13, w: 11, c: 2, f: 3 });
  cases.push({ k: 5, s: 2, pad: 'same', h: 28, w: 28, c: 1, f: 16 });
  // Wide enough for every register block of the direct kernels (assembly/conv2d*.ts): filters in
  // blocks of 32 and 8, then 4, then one; input channels in fours or one at a time; four output
  // pixels at once inside the image, one at a time at its edges.
  cases.push({ k: 3, s: 1, pad: 'same', h: 9, w: 11, c: 4, f: 37 });
  cases.push({ k: 3, s: 2, pad: 'same', h: 12, w: 12, c: 5, f: 40 });
  cases.push({ k: 2, s: 1, pad: 'valid', h: 6, w: 9, c: 64, f: 33 });
  cases.push({ k: 5, s: 1, pad: 'same', h: 7, w: 7, c: 1, f: 64 });
  cases.push({ k: 4, s: 3, pad: 'same', h: 11, w: 10, c: 12, f: 9 });
  for (const cs of cases) {
    const [kh, kw] = Array.isArray(cs.k) ? cs.k : [cs.k, cs.k];
    const [sh, sw] = Array.isArray(cs.s) ? cs.s : [cs.s, cs.s];
    if (cs.pad === 'valid' && (kh > cs.h || kw > cs.w)) continue;
    const label = `conv2d k=${kh}x${kw} s=${sh}x${sw} ${cs.pad} in=${cs.h}x${cs.w}x${cs.c} f=${cs.f}`;
    test(label, async () => {
      const ho = outSize(cs.h, kh, sh, cs.pad);
      const wo = outSize(cs.w, kw, sw, cs.pad);
      await compareGrads(
        label,
        (rng) => ({ inputs: [rand([2, cs.h, cs.w, cs.c], rng), rand([kh, kw, cs.c, cs.f], rng)], dy: rand([2, ho, wo, cs.f], rng) }),
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, [sh, sw], cs.pad),
      );
    });
  }
  test('fused conv2d with bias and relu (what tfjs-layers Conv2D runs)', async () => {
    await compareGrads(
      'fused conv2d',
      (rng) => ({ inputs: [rand([4, 13, 13, 8], rng), rand([3, 3, 8, 16], rng), rand([16], rng)], dy: rand([4, 11, 11, 16], rng) }),
      (x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'valid', bias: b, activation: 'relu' }),
    );
  });
  test('explicit padding', async () => {
    await compareGrads(
      'conv2d explicit pad',
      (rng) => ({ inputs: [rand([2, 9, 8, 3], rng), rand([3, 2, 3, 4], rng)], dy: rand([2, 4, 5, 4], rng) }),
      (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, [[0, 0], [1, 0], [2, 1], [0, 0]]),
    );
  });
});

describe('pooling gradients match cpu', () => {
  const kinds: Kind[] = ['normal', 'negative'];
  for (const op of ['max', 'avg'] as const) {
    for (const p of [1, 2, 3, 4, 5]) {
      for (const s of [1, 2]) {
        for (const pad of ['valid', 'same'] as const) {
          const h = (p + s) % 2 === 0 ? 7 : 13;
          const kind = kinds[(p + s + (pad === 'same' ? 1 : 0)) % 2];
          const label = `${op}Pool p=${p} s=${s} ${pad} in=${h}x${h}x5 ${kind}`;
          test(label, async () => {
            const ho = outSize(h, p, s, pad);
            await compareGrads(
              label,
              (rng) => ({ inputs: [rand([3, h, h, 5], rng, kind)], dy: rand([3, ho, ho, 5], rng) }),
              (x) => (op === 'max' ? tf.maxPool(x as tf.Tensor4D, p, s, pad) : tf.avgPool(x as tf.Tensor4D, p, s, pad)),
            );
          });
        }
      }
    }
  }
  for (const kind of ['normal', 'negative', 'ties'] as Kind[]) {
    test(`maxPool 2x2 on BatchNorm-like input (${kind}), 64 channels`, async () => {
      await compareGrads(
        `maxPool 2x2 ${kind}`,
        (rng) => ({ inputs: [rand([4, 13, 13, 64], rng, kind)], dy: rand([4, 6, 6, 64], rng) }),
        (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'),
      );
    });
  }
  test('maxPool rectangular window and stride', async () => {
    await compareGrads(
      'maxPool [3,2] s=[2,1] same',
      (rng) => ({ inputs: [rand([2, 9, 8, 3], rng, 'negative')], dy: rand([2, 5, 8, 3], rng) }),
      (x) => tf.maxPool(x as tf.Tensor4D, [3, 2], [2, 1], 'same'),
    );
  });
  for (const layer of ['globalAveragePooling2d', 'globalMaxPooling2d'] as const) {
    for (const kind of ['normal', 'negative'] as Kind[]) {
      test(`${layer} (${kind})`, async () => {
        await compareGrads(
          `${layer} ${kind}`,
          (rng) => ({ inputs: [rand([4, 7, 7, 6], rng, kind)], dy: rand([4, 6], rng) }),
          (x) => (tf.layers[layer]({}).apply(x) as tf.Tensor),
        );
      });
    }
  }
});

describe('activations match cpu', () => {
  const names = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax', 'softplus', 'softsign', 'swish'] as const;
  for (const name of names) {
    test(name, async () => {
      await compareGrads(
        `activation ${name}`,
        (rng) => {
          const x = rand([4, 5, 5, 7], rng);
          for (let i = 0; i < x.data.length; i++) x.data[i] *= 4; // reach relu6's and hardSigmoid's upper kinks
          return { inputs: [x], dy: rand([4, 5, 5, 7], rng) };
        },
        (x) => tf.layers.activation({ activation: name }).apply(x) as tf.Tensor,
      );
    });
  }
});

describe('batch norm (training mode) matches cpu', () => {
  test('tf.batchNorm with moments: grads w.r.t. x, gamma, beta', async () => {
    await compareGrads(
      'batchNorm moments',
      (rng) => ({ inputs: [rand([8, 5, 5, 16], rng), rand([16], rng), rand([16], rng)], dy: rand([8, 5, 5, 16], rng) }),
      (x, gamma, beta) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.batchNorm(x, mean, variance, beta, gamma, 1e-3);
      },
    );
  });
  test('tfjs-layers BatchNormalization applied with training: true', async () => {
    const seed = seedFor('layers BatchNormalization');
    const rng = mulberry32(seed);
    const x = rand([8, 3, 3, 32], rng);
    const dy = rand([8, 3, 3, 32], rng);
    const gamma = rand([32], rng);
    const beta = rand([32], rng);
    const run = (): Float32Array[] =>
      tf.tidy(() => {
        const layer = tf.layers.batchNormalization({});
        layer.build([null, 3, 3, 32]);
        const w = layer.getWeights();
        layer.setWeights([tf.tensor(gamma.data, gamma.shape), tf.tensor(beta.data, beta.shape), ...w.slice(2)]);
        const xt = tf.tensor(x.data, x.shape);
        const dyt = tf.tensor(dy.data, dy.shape);
        const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
        const f = (xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx, { training: true }) as tf.Tensor, dyt)) as tf.Scalar;
        const { grads } = tf.variableGrads(() => f(xt), vars);
        const gx = tf.grad(f)(xt);
        const out = [gx, ...vars.map((v) => grads[v.name])].map((t) => Float32Array.from(t.dataSync() as Float32Array));
        for (const v of layer.weights) v.dispose();
        return out;
      });
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    assertClose(`layers BatchNormalization [seed ${seed}]`, wasm, cpu);
  });
});

describe('the fused training-mode BatchNormalization layer on wasm matches tfjs-layers on cpu', () => {
  // Output, gradients w.r.t. x, gamma and beta, and the moving mean and variance after the step.
  const cases: { shape: number[]; kind: Kind }[] = [
    { shape: [8, 5, 5, 16], kind: 'normal' },
    { shape: [3, 7, 9, 5], kind: 'negative' },
    { shape: [16, 26, 26, 64], kind: 'uniform' },
    { shape: [5, 11, 3], kind: 'normal' },
    { shape: [33, 10], kind: 'normal' },
    { shape: [2, 1, 1, 7], kind: 'normal' },
  ];
  for (const { shape, kind } of cases) {
    const label = `BatchNormalization training x=[${shape}] ${kind}`;
    test(label, async () => {
      const seed = seedFor(label);
      const rng = mulberry32(seed);
      const channels = shape[shape.length - 1];
      const x = rand(shape, rng, kind);
      const dy = rand(shape, rng);
      const gamma = rand([channels], rng);
      const beta = rand([channels], rng);
      const run = (make: (args: { momentum: number; epsilon: number }) => tf.layers.Layer): Float32Array[] =>
        tf.tidy(() => {
          const layer = make({ momentum: 0.9, epsilon: 1e-3 });
          layer.build([null, ...shape.slice(1)]);
          const w = layer.getWeights();
          layer.setWeights([tf.tensor(gamma.data, gamma.shape), tf.tensor(beta.data, beta.shape), ...w.slice(2)]);
          const xt = tf.tensor(x.data, x.shape);
          const dyt = tf.tensor(dy.data, dy.shape);
          const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
          let output: tf.Tensor | undefined;
          const f = (xx: tf.Tensor) => {
            const y = layer.apply(xx, { training: true }) as tf.Tensor;
            output = tf.keep(y.clone());
            return tf.sum(tf.mul(y, dyt)) as tf.Scalar;
          };
          const { grads } = tf.variableGrads(() => f(xt), vars);
          const moving = layer.getWeights().slice(2);
          const gx = tf.grad(f)(xt);
          const out = [output!, gx, ...vars.map((v) => grads[v.name]), ...moving].map((t) => Float32Array.from(t.dataSync() as Float32Array));
          for (const v of layer.weights) v.dispose();
          return out;
        });
      const cpu = await onBackend('cpu', () => run((args) => tf.layers.batchNormalization(args)));
      const wasm = await onBackend('wasm', () => run((args) => batchNormalization(args)));
      assertClose(`${label} [seed ${seed}]`, wasm, cpu);
    });
  }
  test('the fused kernels are what the layer runs on wasm (profiled)', async () => {
    await onBackend('wasm', () => undefined);
    const profile = await tf.profile(() => {
      const layer = batchNormalization({});
      const x = tf.randomNormal([4, 6, 6, 8]);
      const g = tf.grad((xx: tf.Tensor) => tf.sum(layer.apply(xx, { training: true }) as tf.Tensor))(x);
      for (const v of layer.weights) v.dispose();
      return g;
    });
    const names = profile.kernels.map((k) => k.name);
    assert.ok(names.includes('ConvsweepBatchNormTraining') && names.includes('ConvsweepBatchNormTrainingGrad'), names.join(', '));
    assert.ok(!names.includes('FusedBatchNorm'), names.join(', '));
  });
});

describe('dense and losses match cpu', () => {
  test('fused matMul + bias + relu', async () => {
    await compareGrads(
      'dense relu',
      (rng) => ({ inputs: [rand([16, 288], rng), rand([288, 128], rng), rand([128], rng)], dy: rand([16, 128], rng) }),
      (x, w, b) => tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation: 'relu' }),
    );
  });
  test('tfjs-layers Dense (bias, softmax)', async () => {
    await compareGrads(
      'dense softmax',
      (rng) => ({ inputs: [rand([16, 64], rng), rand([64, 10], rng), rand([10], rng)], dy: rand([16, 10], rng) }),
      (x, w, b) => tf.softmax(tf.add(tf.matMul(x, w), b)),
    );
  });
  const losses = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError'] as const;
  for (const loss of losses) {
    test(`softmax + ${loss}`, async () => {
      await compareGrads(
        `softmax + ${loss}`,
        (rng) => {
          const logits = rand([16, 10], rng);
          let yTrue: Arr = oneHot(16, 10, rng);
          if (loss === 'sparseCategoricalCrossentropy') {
            const idx = new Float32Array(16);
            for (let i = 0; i < 16; i++) idx[i] = yTrue.data.subarray(i * 10, i * 10 + 10).indexOf(1);
            yTrue = { shape: [16], data: idx };
          }
          return { inputs: [logits, yTrue], nDiff: 1 };
        },
        (logits, yTrue) => {
          const p = tf.softmax(logits);
          // As src/train/losses.ts: tfjs has no sparse crossentropy metric, so one-hot the indices.
          if (loss === 'sparseCategoricalCrossentropy') return tf.mean(tf.metrics.categoricalCrossentropy(tf.oneHot(tf.cast(yTrue, 'int32') as tf.Tensor1D, 10), p));
          return tf.mean(tf.metrics[loss](yTrue, p));
        },
      );
    });
  }
  test('tf.losses.softmaxCrossEntropy', async () => {
    await compareGrads(
      'losses.softmaxCrossEntropy',
      (rng) => ({ inputs: [rand([16, 10], rng), oneHot(16, 10, rng)], nDiff: 1 }),
      (logits, yTrue) => tf.losses.softmaxCrossEntropy(yTrue, logits),
    );
  });
});

describe('replaced forward kernels (Sum, Mean, Tile, BatchMatMul, Slice) match cpu', () => {
  const reductions: { shape: number[]; axis: number[]; keepDims: boolean }[] = [
    { shape: [4, 5, 5, 6], axis: [0, 1, 2], keepDims: false },
    { shape: [4, 5, 5, 6], axis: [0, 1, 2], keepDims: true },
    { shape: [7, 3], axis: [0], keepDims: false },
    { shape: [3, 4, 5], axis: [0, 1], keepDims: true },
    { shape: [4, 5, 5, 6], axis: [1, 2], keepDims: false }, // not leading: stock path
    { shape: [4, 5, 5, 6], axis: [0, 1, 2, 3], keepDims: false }, // full reduction: stock path
  ];
  for (const r of reductions) {
    for (const op of ['sum', 'mean'] as const) {
      const label = `${op} over [${r.axis}] of [${r.shape}] keepDims=${r.keepDims}`;
      test(label, async () => {
        await compareGrads(label, (rng) => ({ inputs: [rand(r.shape, rng)] }), (x) => tf[op](x, r.axis, r.keepDims));
      });
    }
  }
  for (const [shape, reps] of [[[1, 1, 1, 6], [4, 5, 5, 1]], [[2, 3], [3, 2]], [[2, 1, 3], [1, 4, 2]], [[5], [3]]] as [number[], number[]][]) {
    const label = `tile [${shape}] by [${reps}]`;
    test(label, async () => {
      await compareGrads(label, (rng) => ({ inputs: [rand(shape, rng)] }), (x) => tf.tile(x, reps));
    });
  }
  // [m, k] x [k, n]: odd sizes, and sizes that fill the direct kernels' register blocks.
  for (const [m, k, n] of [[17, 33, 9], [70, 40, 37]]) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const label = `matMul [${m},${k}]x[${k},${n}] transposeA=${ta} transposeB=${tb}`;
      test(label, async () => {
        await compareGrads(
          label,
          (rng) => ({ inputs: [rand(ta ? [k, m] : [m, k], rng), rand(tb ? [n, k] : [k, n], rng)] }),
          (a, b) => tf.matMul(a, b, ta, tb),
        );
      });
    }
  }
  for (const [label, begin, size] of [
    ['slice along the first axis', [3, 0, 0, 0], [4, -1, -1, -1]],
    ['slice of rows within one image', [2, 1, 0, 0], [1, 3, -1, -1]],
    ['strided (non-contiguous) slice', [1, 1, 2, 1], [2, 3, 2, 2]],
  ] as [string, number[], number[]][]) {
    test(label, async () => {
      await compareGrads(label, (rng) => ({ inputs: [rand([9, 5, 4, 3], rng)] }), (x) => tf.slice(x, begin, size));
    });
  }
  test('batched matMul with transposes (stock path)', async () => {
    await compareGrads('batched matMul', (rng) => ({ inputs: [rand([3, 6, 5], rng), rand([3, 4, 6], rng)] }), (a, b) => tf.matMul(a, b, true, true));
  });
});

type ModelSpec = 'exp1' | 'exp2';

function buildModel(spec: ModelSpec): tf.Sequential {
  const l2 = () => tf.regularizers.l2({ l2: 0.005 });
  const m = tf.sequential();
  if (spec === 'exp1') {
    m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 64, kernelSize: 3, activation: 'relu', kernelRegularizer: l2() }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelRegularizer: l2() }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelRegularizer: l2() }));
    m.add(tf.layers.batchNormalization({}));
    m.add(tf.layers.activation({ activation: 'relu' }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
    m.add(tf.layers.dropout({ rate: 0 }));
    m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
    m.add(tf.layers.dropout({ rate: 0 }));
    m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  } else {
    let first = true;
    for (const filters of [64, 32, 32]) {
      m.add(tf.layers.conv2d({ ...(first ? { inputShape: [28, 28, 1] } : {}), filters, kernelSize: 3, activation: 'relu', kernelRegularizer: l2() }));
      m.add(tf.layers.batchNormalization({}));
      m.add(tf.layers.activation({ activation: 'relu' }));
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      first = false;
    }
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
    m.add(tf.layers.dropout({ rate: 0 }));
    m.add(tf.layers.dense({ units: 64, activation: 'relu' }));
    m.add(tf.layers.dropout({ rate: 0 }));
    m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  }
  return m;
}

/** Glorot-uniform kernels, small random biases, gamma near 1 and beta near 0, all from `rng`. */
function seededWeights(spec: ModelSpec, rng: () => number): Arr[] {
  const m = buildModel(spec);
  const out = m.weights.map((w) => {
    const shape = w.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const name = w.originalName;
    if (name.endsWith('kernel')) {
      const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
      const lim = Math.sqrt(6 / (receptive * (shape[shape.length - 2] + shape[shape.length - 1])));
      for (let i = 0; i < n; i++) data[i] = (2 * rng() - 1) * lim;
    } else if (name.endsWith('gamma') || name.endsWith('moving_variance')) {
      for (let i = 0; i < n; i++) data[i] = 1 + 0.1 * (2 * rng() - 1);
    } else {
      for (let i = 0; i < n; i++) data[i] = 0.05 * (2 * rng() - 1);
    }
    return { shape, data };
  });
  m.dispose();
  return out;
}

/**
 * The discrete branch decisions the backward pass takes: for every relu (fused into Conv2D/Dense or
 * an Activation layer) the mask y > 0, for every MaxPooling2D the argmax of each window (first
 * maximum wins). Recorded from the forward pass run inside the gradient computation (tfjs runs the
 * unfused ops there, so these are the values the gradient kernels actually see).
 */
function branchDecisions(layer: tf.layers.Layer, input: Float32Array, inShape: number[], output: Float32Array): Int32Array | null {
  const cfg = layer.getConfig();
  if (cfg.activation === 'relu') return Int32Array.from(output, (v) => (v > 0 ? 1 : 0));
  if (layer.getClassName() === 'MaxPooling2D') {
    const [n, h, w, c] = inShape;
    const [ph, pw] = cfg.poolSize as [number, number];
    const [sh, sw] = cfg.strides as [number, number];
    assert.equal(cfg.padding, 'valid');
    const ho = Math.floor((h - ph) / sh) + 1;
    const wo = Math.floor((w - pw) / sw) + 1;
    const arg = new Int32Array(n * ho * wo * c);
    let k = 0;
    for (let b = 0; b < n; b++)
      for (let i = 0; i < ho; i++)
        for (let j = 0; j < wo; j++)
          for (let ch = 0; ch < c; ch++, k++) {
            let best = -Infinity;
            for (let r = 0; r < ph; r++)
              for (let q = 0; q < pw; q++) {
                const v = input[((b * h + i * sh + r) * w + j * sw + q) * c + ch];
                if (v > best) {
                  best = v;
                  arg[k] = r * pw + q;
                }
              }
          }
    return arg;
  }
  return null;
}

/** Loss (categorical crossentropy + L2 terms), its gradient w.r.t. every trainable weight, and the branch decisions. */
function modelGrads(spec: ModelSpec, weights: Arr[], x: Arr, y: Arr): { names: string[]; arrays: Float32Array[]; branches: Int32Array[] } {
  return tf.tidy(() => {
    const m = buildModel(spec);
    m.setWeights(weights.map((w) => tf.tensor(w.data, w.shape)));
    const xt = tf.tensor(x.data, x.shape);
    const yt = tf.tensor(y.data, y.shape);
    const vars = m.trainableWeights.map((v) => v.read() as tf.Variable);
    const branches: Int32Array[] = [];
    const { value, grads } = tf.variableGrads(() => {
      let h = xt;
      for (const layer of m.layers) {
        const out = layer.apply(h, { training: true }) as tf.Tensor;
        const b = branchDecisions(layer, h.dataSync() as Float32Array, h.shape, out.dataSync() as Float32Array);
        if (b) branches.push(b);
        h = out;
      }
      let loss = tf.mean(tf.metrics.categoricalCrossentropy(yt, h));
      for (const r of m.calculateLosses()) loss = tf.add(loss, r);
      return loss as tf.Scalar;
    }, vars);
    const names = ['loss', ...m.trainableWeights.map((v) => v.originalName)];
    const arrays = [value, ...vars.map((v) => grads[v.name])].map((t) => Float32Array.from(t.dataSync() as Float32Array));
    m.dispose();
    return { names, arrays, branches };
  });
}

function countDiffering(a: Int32Array[], b: Int32Array[]): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) for (let j = 0; j < a[i].length; j++) if (a[i][j] !== b[i][j]) n++;
  return n;
}

describe('end-to-end model gradients match cpu (batch 8, identical initial weights)', () => {
  // The two backends round differently (~1e-7 relative), so once in a while a pre-activation sits so
  // close to a relu kink or a pooling window so close to a tie that the backends take different
  // branches, and the gradients legitimately differ by far more than rounding. Such a draw is not a
  // valid comparison: it is detected (branch decisions compared) and the next seed is drawn.
  for (const spec of ['exp1', 'exp2'] as const) {
    test(spec, async (t) => {
      let compared = false;
      for (let attempt = 0; attempt < 4 && !compared; attempt++) {
        const seed = seedFor(spec) + attempt;
        const rng = mulberry32(seed);
        const x = rand([8, 28, 28, 1], rng, 'uniform');
        const y = oneHot(8, 10, rng);
        const init = await onBackend('cpu', () => seededWeights(spec, rng));
        const cpu = await onBackend('cpu', () => modelGrads(spec, init, x, y));
        const wasm = await onBackend('wasm', () => modelGrads(spec, init, x, y));
        const flips = countDiffering(wasm.branches, cpu.branches);
        if (flips > 0) {
          t.diagnostic(`${spec} [seed ${seed}]: ${flips} relu/argmax decision(s) differ between backends (near-tie); redrawing`);
          continue;
        }
        compared = true;
        assert.equal(wasm.arrays.length, cpu.arrays.length);
        for (let i = 0; i < cpu.arrays.length; i++) {
          assert.ok(!hasNaN(wasm.arrays[i]), `${spec} ${cpu.names[i]}: NaN on wasm`);
          const e = relErr(wasm.arrays[i], cpu.arrays[i]);
          if (process.env.WASM_GRAD_VERBOSE) t.diagnostic(`${spec} ${cpu.names[i]} relErr ${e.toExponential(3)}`);
          assert.ok(e <= TOL, `${spec} [seed ${seed}] ${cpu.names[i]}: relErr ${e.toExponential(3)} > ${TOL}`);
        }
      }
      assert.ok(compared, `${spec}: every draw hit a near-tie`);
    });
  }
});
