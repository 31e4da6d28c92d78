/**
 * Training-step throughput of the paper's exp1/exp2 models on the tfjs wasm backend (with our
 * training kernels), batch 128, forward + backward + Adam via model.trainOnBatch. Prints img/s and a
 * per-kernel profile of one step (tf.profile).
 *
 *   taskset -c 0 node dist/bench/wasm-step.js [--model exp1|exp2|both] [--batch 128] [--steps 10]
 *                                             [--no-profile] [--skip Kernel1,Kernel2]
 *
 * --skip leaves the named kernels stock (e.g. --skip Sum,Conv2DBackpropInput to measure one
 * replacement); Conv2DBackpropFilter and MaxPoolGrad are needed to train at all.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../src/backend/wasm-kernels/index.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

function buildModel(spec: 'exp1' | 'exp2'): tf.LayersModel {
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
    m.add(tf.layers.dropout({ rate: 0.2 }));
    m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
    m.add(tf.layers.dropout({ rate: 0.2 }));
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
    m.add(tf.layers.dropout({ rate: 0.3 }));
    m.add(tf.layers.dense({ units: 64, activation: 'relu' }));
    m.add(tf.layers.dropout({ rate: 0.3 }));
    m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  }
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return m;
}

async function bench(spec: 'exp1' | 'exp2', batch: number, steps: number, profile: boolean): Promise<void> {
  const model = buildModel(spec);
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await model.trainOnBatch(x, y);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(`${spec}: batch ${batch}, ${steps} steps: median ${median.toFixed(1)} ms/step (${((batch * 1000) / median).toFixed(0)} img/s), mean ${mean.toFixed(1)} ms (${((batch * 1000) / mean).toFixed(0)} img/s), min ${times[0].toFixed(1)} ms`);
  if (profile) {
    const info = await tf.profile(async () => {
      await model.trainOnBatch(x, y);
    });
    const byKernel = new Map<string, { ms: number; n: number }>();
    for (const k of info.kernels) {
      const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
      e.ms += Number(k.kernelTimeMs);
      e.n++;
      byKernel.set(k.name, e);
    }
    const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
    const total = rows.reduce((s, [, e]) => s + e.ms, 0);
    console.log(`  profile of one step (kernel time ${total.toFixed(1)} ms):`);
    for (const [name, e] of rows.slice(0, 20)) console.log(`    ${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms  ${String(e.n).padStart(4)} calls`);
  }
  tf.dispose([x, y]);
  model.dispose();
}

const skip = arg('skip', '').split(',').filter(Boolean);
registerWasmTrainingKernels(skip);
tf.enableProdMode();
if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not initialise');
await tf.ready();
const which = arg('model', 'both');
const batch = Number(arg('batch', '128'));
const steps = Number(arg('steps', '10'));
const profile = !process.argv.includes('--no-profile');
if (skip.length) console.log(`stock kernels kept: ${skip.join(', ')}`);
for (const spec of which === 'both' ? (['exp1', 'exp2'] as const) : [which as 'exp1' | 'exp2']) await bench(spec, batch, steps, profile);
