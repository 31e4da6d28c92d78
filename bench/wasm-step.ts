/**
 * Where a training step's time goes on the wasm backend: the paper's exp1/exp2 configs built and
 * stepped exactly as `convsweep train` does (buildModel, createTrainStep), batch 128. Prints the
 * step time and a per-kernel profile of one step (tf.profile).
 *
 *   taskset -c 0 node dist/bench/wasm-step.js [--model exp1|exp2|both] [--batch 128] [--steps 10]
 *                                             [--no-profile] [--skip Kernel1,Kernel2]
 *
 * --skip leaves the named kernels stock (e.g. --skip Sum,Conv2DBackpropInput to measure one
 * replacement; --skip ConvsweepBatchNormTraining for tfjs-layers' own batch normalisation);
 * Conv2DBackpropFilter and MaxPoolGrad are needed to train at all.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../src/backend/wasm-kernels/index.js';
import { loadConfigFile } from '../src/config/load.js';
import { buildModel } from '../src/model/build.js';
import { createOptimizer } from '../src/train/optimizer.js';
import { createTrainStep } from '../src/train/train-step.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

async function bench(spec: 'exp1' | 'exp2', batch: number, steps: number, profile: boolean): Promise<void> {
  const { config } = await loadConfigFile(new URL(`../../configs/paper-${spec}.json`, import.meta.url).pathname);
  const model = buildModel(config.layers, [28, 28, 1]);
  const optimizer = createOptimizer(config.optimizer, config.learning_rate);
  const step = createTrainStep(model, optimizer, config.loss);
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  for (let i = 0; i < 3; i++) step(x, y);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step(x, y);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(`${spec}: batch ${batch}, ${steps} steps: median ${median.toFixed(1)} ms/step (${((batch * 1000) / median).toFixed(0)} img/s), mean ${mean.toFixed(1)} ms (${((batch * 1000) / mean).toFixed(0)} img/s), min ${times[0].toFixed(1)} ms`);
  if (profile) {
    const info = await tf.profile(() => {
      step(x, y);
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
    for (const [name, e] of rows.slice(0, 20)) console.log(`    ${name.padEnd(30)} ${e.ms.toFixed(1).padStart(8)} ms  ${String(e.n).padStart(4)} calls`);
  }
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
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
