/**
 * The local pool's efficiency on short trials: its 2-worker speed-up (bench/sweep-scaling.ts) as a
 * fraction of what this machine gives two independent processes of the same trial
 * (bench/machine-scaling.ts), both measured in this one run, round after round, since this virtual
 * machine's speed drifts by tens of percent over minutes. Target: ≥ 0.9.
 *
 *   npm run build && node dist/bench/pool-efficiency.js [--train-limit 6000] [--epochs 2] [--rounds 3]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { numberFlag } from './flags.js';

const trainLimit = numberFlag('train-limit', 6000);
const epochs = numberFlag('epochs', 2);
const rounds = numberFlag('rounds', 3);

/** Runs a sibling bench for one round and returns its output. */
function bench(name: string): string {
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  const child = spawnSync(process.execPath, [script, '--train-limit', String(trainLimit), '--epochs', String(epochs), '--repeats', '1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.status !== 0) throw new Error(`${name} exited with ${child.status}`);
  return child.stdout;
}

function figure(output: string, pattern: RegExp, what: string): number {
  const m = pattern.exec(output);
  if (!m) throw new Error(`no ${what} in:\n${output}`);
  return Number(m[1]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ceilings: number[] = [];
const speedUps: number[] = [];
const fixed: string[] = [];
for (let round = 0; round < rounds; round++) {
  const machine = bench('machine-scaling');
  ceilings.push(figure(machine, /throughput of two at once against one: ([\d.]+)x/, 'two-process ratio'));
  const pool = bench('sweep-scaling');
  speedUps.push(figure(pool, /speed-up 2 vs 1 worker, whole sweep: ([\d.]+)x/, 'pool speed-up'));
  fixed.push(...pool.split('\n').filter((line) => /^(fixed cost|first epoch|dispatch)/.test(line)));
  process.stderr.write(`round ${round + 1}: two processes ${ceilings.at(-1)!.toFixed(2)}x, the pool ${speedUps.at(-1)!.toFixed(2)}x\n`);
}
const fractions = speedUps.map((s, i) => s / ceilings[i]);
const fraction = median(fractions);
process.stdout.write(
  `trial: mnist-small, ${trainLimit} training images, ${epochs} epoch(s), wasm; ${rounds} rounds, each two processes then the pool\n` +
    `two independent processes against one: ${ceilings.map((c) => c.toFixed(2)).join(', ')} (median ${median(ceilings).toFixed(2)}x)\n` +
    `the pool, 2 workers against 1 (4-trial sweep): ${speedUps.map((c) => c.toFixed(2)).join(', ')} (median ${median(speedUps).toFixed(2)}x)\n` +
    `pool speed-up as a fraction of the machine's: ${fractions.map((f) => f.toFixed(2)).join(', ')} round by round; median ${fraction.toFixed(2)} (target >= 0.9: ${fraction >= 0.9 ? 'ok' : 'MISSED'})\n` +
    `${fixed.join('\n')}\n`,
);
