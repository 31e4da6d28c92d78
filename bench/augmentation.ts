/**
 * What augmentation costs and what it gives. Cost: `convsweep bench` training throughput of
 * configs/mnist-small.json with and without RandomRotation + RandomTranslation in front, in
 * alternating runs. Effect: the same two configs trained on the first 1,000 MNIST training images
 * (900 after the validation split) and tested on all 10,000 test images, for seeds 1 to 3; the
 * median test accuracy of each.
 *
 *   npm run build && node dist/bench/augmentation.js [--repeats 3] [--epochs 30] [--skip-cost] [--skip-effect]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberFlag } from './flags.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

const repeats = numberFlag('repeats', 3);
const epochs = numberFlag('epochs', 30);

/** The augmentation of the README's example: up to 18 degrees either way, up to 10% shifts, black fill (MNIST's background). */
export const AUGMENTATION = [
  { type: 'RandomRotation', factor: 0.05, fill_mode: 'constant' },
  { type: 'RandomTranslation', height_factor: 0.1, width_factor: 0.1, fill_mode: 'constant' },
];

function convsweep(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`convsweep ${args.join(' ')}: exit ${code}: ${stderr}`))));
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const dir = await mkdtemp(join(tmpdir(), 'convsweep-augmentation-bench-'));
try {
  const base = JSON.parse(await readFile(join(repoRoot, 'configs', 'mnist-small.json'), 'utf8'));
  const inputShape = base.layers[0].input_shape;
  const plain = { ...base, epochs, name: 'plain' };
  const augmented = { ...base, epochs, name: 'augmented', layers: [{ ...AUGMENTATION[0], input_shape: inputShape }, AUGMENTATION[1], ...base.layers.map(({ input_shape: _, ...layer }: Record<string, unknown>) => layer)] };
  const files = { plain: join(dir, 'plain.json'), augmented: join(dir, 'augmented.json') };
  await writeFile(files.plain, JSON.stringify(plain));
  await writeFile(files.augmented, JSON.stringify(augmented));

  if (!process.argv.includes('--skip-cost')) {
    const runs: Record<'plain' | 'augmented', number[]> = { plain: [], augmented: [] };
    for (let r = 0; r < repeats; r++) {
      for (const kind of ['plain', 'augmented'] as const) {
        const out = JSON.parse(await convsweep(['bench', files[kind], '--images', '4096', '--batch-size', '128', '--backend', 'wasm', '--json']));
        runs[kind].push(out.img_per_s);
      }
    }
    const [p, a] = [median(runs.plain), median(runs.augmented)];
    console.log(`throughput, batch 128: without ${p.toFixed(0)} img/s (runs ${runs.plain.map((v) => v.toFixed(0)).join(', ')}), with rotation + translation ${a.toFixed(0)} img/s (runs ${runs.augmented.map((v) => v.toFixed(0)).join(', ')}): ${((1 - a / p) * 100).toFixed(1)}% slower`);
  }

  if (!process.argv.includes('--skip-effect')) {
    const accuracy: Record<'plain' | 'augmented', number[]> = { plain: [], augmented: [] };
    for (let seed = 1; seed <= 3; seed++) {
      for (const kind of ['plain', 'augmented'] as const) {
        const out = join(dir, `${kind}-${seed}`);
        await convsweep(['train', files[kind], '--train-limit', '1000', '--seed', String(seed), '--backend', 'wasm', '--out', out]);
        const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
        accuracy[kind].push(metrics.test_accuracy);
        console.log(`  ${kind} seed ${seed}: test_accuracy ${metrics.test_accuracy.toFixed(4)} (best epoch ${metrics.best_epoch} of ${metrics.epochs_run})`);
      }
    }
    console.log(`1,000 training images, ${epochs} epochs, 10,000 test images: without ${median(accuracy.plain).toFixed(4)} (${accuracy.plain.map((v) => v.toFixed(4)).join(', ')}), with rotation + translation ${median(accuracy.augmented).toFixed(4)} (${accuracy.augmented.map((v) => v.toFixed(4)).join(', ')})`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
