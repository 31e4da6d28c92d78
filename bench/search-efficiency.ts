/**
 * Search efficiency on recorded curves: for each seed and each budget (a share of the full grid's
 * epochs), the best validation accuracy found by random + ASHA and TPE + ASHA (convsweep's loop,
 * samplers and pruner on the replay executor), and by Optuna's TPESampler with its
 * SuccessiveHalvingPruner on the same table (bench/optuna_replay.py, Debian's python3-optuna;
 * skipped with a message where it is missing). Same rule on both sides: a trial starts only while
 * the epochs trained are below the budget, and runs until it completes or is pruned.
 *
 *   npm run build && node dist/bench/search-efficiency.js [TABLE.json | SWEEP_FOLDER] [--seeds 20] [--budgets 0.05,0.1,0.25]
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaySearch } from '../src/sweep/replay-search.js';
import { loadCurveTable } from './curve-table.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const tablePath = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? join(repoRoot, 'bench', 'tables', 'mnist-curves.json');
const seeds = Number(option('seeds', '20'));
const budgets = option('budgets', '0.05,0.1,0.25').split(',').map(Number);

const table = await loadCurveTable(tablePath);
const sign = table.goal === 'maximize' ? 1 : -1;
const tableBest = Math.max(...table.rows.flatMap((r) => r.val_accuracy.map((v) => sign * v))) * sign;
const fullEpochs = table.rows.length * table.epochs;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

type Side = { name: string; bests: Map<number, number[]>; trials: Map<number, number[]> };
const sides: Side[] = [];

for (const method of ['random', 'tpe'] as const) {
  const side: Side = { name: `convsweep ${method} + ASHA`, bests: new Map(), trials: new Map() };
  for (const budget of budgets) {
    const epochBudget = Math.round(budget * fullEpochs);
    for (let seed = 0; seed < seeds; seed++) {
      const result = await replaySearch({ table, method, seed, maxTrials: fullEpochs, epochBudget, pruning: { type: 'asha', minEpochs: 1, reductionFactor: 3 } });
      side.bests.set(budget, [...(side.bests.get(budget) ?? []), result.best]);
      side.trials.set(budget, [...(side.trials.get(budget) ?? []), result.trials.length]);
    }
  }
  sides.push(side);
}

const optunaOut = join(tmpdir(), `optuna-replay-${process.pid}.json`);
const tableFile = tablePath.endsWith('.json') ? tablePath : join(tmpdir(), `table-${process.pid}.json`);
if (tableFile !== tablePath) await writeFile(tableFile, JSON.stringify(table));
const optuna = spawnSync('/usr/bin/python3', [join(repoRoot, 'bench', 'optuna_replay.py'), tableFile, '--seeds', String(seeds), '--budgets', budgets.join(','), '--out', optunaOut], { encoding: 'utf8' });
let optunaNote = '';
if (optuna.status === 0) {
  const { peer, runs } = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(optunaOut, 'utf8'))) as { peer: string; runs: { budget: number; best: number; trials: number }[] };
  const side: Side = { name: peer, bests: new Map(), trials: new Map() };
  for (const run of runs) {
    const budget = budgets.find((b) => Math.abs(b - run.budget) < 1e-9)!;
    side.bests.set(budget, [...(side.bests.get(budget) ?? []), run.best]);
    side.trials.set(budget, [...(side.trials.get(budget) ?? []), run.trials]);
  }
  sides.push(side);
} else {
  optunaNote = optuna.status === 3 || optuna.error ? `Optuna skipped: ${(optuna.stderr || String(optuna.error)).trim()}` : `Optuna failed (exit ${optuna.status}): ${optuna.stderr.trim()}`;
}

console.log(`table ${table.name}: ${table.rows.length} configurations × ${table.epochs} epochs (${table.keys.join(' × ')}); best ${table.metric === 'val_accuracy' ? 'val_accuracy' : 'value'} ${tableBest.toFixed(4)}; ${seeds} seeds`);
console.log('median (and mean) over the seeds of the best val_accuracy found; trials: median trials started');
console.log(`${'budget'.padEnd(14)}${sides.map((s) => s.name.padEnd(44)).join('')}`);
for (const budget of budgets) {
  const cells = sides.map((s) => {
    const bests = s.bests.get(budget)!;
    const mean = bests.reduce((a, b) => a + b, 0) / bests.length;
    return `${median(bests).toFixed(4)} (mean ${mean.toFixed(4)}, ${median(s.trials.get(budget)!)} trials)`.padEnd(44);
  });
  console.log(`${`${budget * 100}% = ${Math.round(budget * fullEpochs)} ep`.padEnd(14)}${cells.join('')}`);
}
if (optunaNote) console.log(optunaNote);
const [random, tpe, peer] = sides;
const at = (s: Side, b: number) => median(s.bests.get(b)!);
const last = budgets[budgets.length - 1];
console.log(`target: random+ASHA within 0.2 pt of the table's best at ${last * 100}%: ${(tableBest - at(random, last)) * 100 * sign <= 0.2 ? 'met' : 'missed'}`);
console.log(`target: TPE+ASHA ≥ random+ASHA at every budget: ${budgets.every((b) => sign * (at(tpe, b) - at(random, b)) >= 0) ? 'met' : 'missed'} (${budgets.map((b) => ((at(tpe, b) - at(random, b)) * 100).toFixed(2)).join(', ')} pt)`);
if (peer) console.log(`target: TPE+ASHA ≥ Optuna at every budget: ${budgets.every((b) => sign * (at(tpe, b) - at(peer, b)) >= 0) ? 'met' : 'missed'} (${budgets.map((b) => ((at(tpe, b) - at(peer, b)) * 100).toFixed(2)).join(', ')} pt)`);
