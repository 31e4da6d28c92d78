/**
 * What this machine gives two trainings at once, without the pool: the trial of
 * bench/sweep-scaling.ts run as one `convsweep train` process alone, and as two independent
 * processes side by side, in alternating rounds. The throughput ratio (two trainings in the time
 * the pair takes, against one in the time one takes) is the ceiling for any way of running two
 * trials on this machine's cores, threads or processes; sweep-scaling's speed-up is measured
 * against it.
 *
 *   npm run build && node dist/bench/machine-scaling.js [--train-limit N] [--epochs N] [--repeats N]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberFlag } from './flags.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const trainLimit = numberFlag('train-limit', 20000);
const epochs = numberFlag('epochs', 2);
const repeats = numberFlag('repeats', 3);

/** Seconds one `convsweep train` of the benchmark trial takes, from spawn to exit. */
async function train(dir: string, name: string): Promise<number> {
  const started = performance.now();
  const args = [join(repoRoot, 'dist/src/cli/main.js'), 'train', join(repoRoot, 'configs/mnist-small.json'), '--backend', 'wasm', '--train-limit', String(trainLimit), '--test-limit', '1000', '--epochs', String(epochs), '--out', join(dir, name)];
  const code = await new Promise<number | null>((resolve) => spawn(process.execPath, args, { stdio: 'ignore' }).on('exit', resolve));
  if (code !== 0) throw new Error(`convsweep train exited with ${code}`);
  return (performance.now() - started) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = await mkdtemp(join(tmpdir(), 'convsweep-machine-'));
const alone: number[] = [];
const pairs: number[] = [];
try {
  for (let i = 0; i < repeats; i++) {
    alone.push(await train(dir, `alone-${i}`));
    const both = await Promise.all([train(dir, `a-${i}`), train(dir, `b-${i}`)]);
    pairs.push(Math.max(...both));
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const ratios = alone.map((a, i) => (2 * a) / pairs[i]);
process.stdout.write(
  `trial: mnist-small, ${trainLimit} training images, 1000 test images, ${epochs} epoch(s), wasm; ${repeats} alternating rounds\n` +
    `one process alone:          median ${median(alone).toFixed(1)} s (${alone.map((s) => s.toFixed(1)).join(', ')})\n` +
    `two processes side by side: median ${median(pairs).toFixed(1)} s for both (${pairs.map((s) => s.toFixed(1)).join(', ')})\n` +
    `throughput of two at once against one: ${((2 * median(alone)) / median(pairs)).toFixed(2)}x of the medians, round by round ${ratios.map((r) => r.toFixed(2)).join(', ')}\n`,
);
