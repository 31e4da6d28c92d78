/**
 * Seeds as replicates: a configuration is ranked by its mean over seeds, not by its luckiest seed,
 * and best/ ships the replicate nearest the winner's mean — on hand-made rows, and on a real sweep.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeReport } from '../../src/report/aggregate.js';
import type { LeaderboardRow } from '../../src/report/leaderboard.js';
import { configurationsCsv, groupReplicates, winningRow } from '../../src/report/replicates.js';
import { runSweep } from '../../src/sweep/run-sweep.js';
import { runCli, tempDir } from '../helpers.js';
import { tinySweep, writeSweep } from '../sweep/sweep-files.js';

function row(id: string, values: Record<string, unknown>, test_accuracy: number | null, rank: number | null): LeaderboardRow {
  return { rank, number: null, trial_id: id, label: id, status: rank === null ? 'failed' : 'completed', values, test_accuracy, test_loss: null, val_accuracy: null, val_loss: null, train_accuracy: null, train_loss: null, best_epoch: null, epochs_run: null, params: null, duration_s: null, backend: null, error: null, error_kind: null };
}

const ranking = { metric: 'test_accuracy' as const, goal: 'maximize' as const };

test('configurations rank by their mean over seeds: the luckiest seed does not win; best/ is the replicate nearest the mean', () => {
  // lr=0.1 has the single best trial (0.99) but a worse mean (0.80) than lr=0.01 (0.90).
  const rows = [
    row('a1', { learning_rate: 0.1, seed: 1 }, 0.99, 1),
    row('b2', { learning_rate: 0.01, seed: 2 }, 0.93, 2),
    row('b1', { learning_rate: 0.01, seed: 1 }, 0.9, 3),
    row('b3', { learning_rate: 0.01, seed: 3 }, 0.87, 4),
    row('a2', { learning_rate: 0.1, seed: 2 }, 0.71, 5),
    row('a3', { learning_rate: 0.1, seed: 3 }, 0.7, 6),
    row('bad', { learning_rate: 0.01, seed: 4 }, null, null),
  ];
  const configurations = groupReplicates(rows, ranking, ['learning_rate', 'seed'])!;
  assert.deepEqual(configurations.map((c) => [c.rank, c.label, c.n]), [[1, 'learning_rate=0.01', 3], [2, 'learning_rate=0.1', 3]]);
  assert.ok(Math.abs(configurations[0].mean! - 0.9) < 1e-12);
  assert.ok(Math.abs(configurations[0].sd! - 0.03) < 1e-12);
  assert.ok(Math.abs(configurations[1].mean! - 0.8) < 1e-12);
  assert.equal(configurations[0].representative, 'b1');
  assert.deepEqual(configurations[0].seeds, [2, 1, 3]);
  assert.equal(winningRow(rows, configurations)?.trial_id, 'b1');
  assert.equal(configurationsCsv(configurations, ranking).split('\n')[1], '1,learning_rate=0.01,3,0.9000,0.0300,2 1 3,b2 b1 b3,b1');
  // No seed key, or one seed a configuration: trials rank as they are.
  assert.equal(groupReplicates(rows, ranking, ['learning_rate']), undefined);
  assert.equal(groupReplicates([rows[0], rows[1]], ranking, ['learning_rate', 'seed']), undefined);
  assert.equal(winningRow(rows, undefined)?.trial_id, 'a1');
});

test('a real sweep with seed as a grid key: configurations.csv, best/ with replicates.json, no chart of the seed, and run/best name the configuration', async () => {
  const outDir = join(await tempDir(), 'out');
  const file = await writeSweep(tinySweep({ learning_rate: [0.01, 0.003], seed: [1, 2, 3] }));
  const summary = await runSweep({ sweepFile: file, outDir, backend: 'wasm', workers: 2, writeReport });
  assert.equal(summary.completed, 6);
  const board = JSON.parse(await readFile(join(outDir, 'leaderboard.json'), 'utf8'));
  assert.equal(board.configurations.length, 2);
  // The means, recomputed from the trials' own rows.
  const means = new Map<number, number[]>();
  for (const r of board.rows) means.set(r.values.learning_rate, [...(means.get(r.values.learning_rate) ?? []), r.test_accuracy]);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const [winnerLr] = [...means.entries()].sort((a, b) => mean(b[1]) - mean(a[1]) || b[0] - a[0])[0];
  assert.equal(board.configurations[0].values.learning_rate, winnerLr);
  assert.ok(Math.abs(board.configurations[0].mean - mean(means.get(winnerLr)!)) < 1e-12);

  const replicates = JSON.parse(await readFile(join(outDir, 'best', 'replicates.json'), 'utf8'));
  assert.equal(replicates.n, 3);
  assert.equal(replicates.shipped, board.best_trial_id);
  const winners = board.rows.filter((r: LeaderboardRow) => r.values!.learning_rate === winnerLr);
  const nearest = winners.reduce((a: LeaderboardRow, r: LeaderboardRow) => (Math.abs(r.test_accuracy! - replicates.mean) < Math.abs(a.test_accuracy! - replicates.mean) ? r : a));
  assert.equal(Math.abs(nearest.test_accuracy! - replicates.mean), Math.abs(board.rows.find((r: LeaderboardRow) => r.trial_id === replicates.shipped).test_accuracy - replicates.mean));
  assert.equal(await readFile(join(outDir, 'best', 'config.json'), 'utf8'), await readFile(join(outDir, 'trials', replicates.shipped, 'config.json'), 'utf8'));

  const csv = (await readFile(join(outDir, 'configurations.csv'), 'utf8')).trim().split('\n');
  assert.equal(csv.length, 3);
  assert.match(csv[0], /^rank,configuration,n,mean_test_accuracy,sd_test_accuracy,seeds,trial_ids,best_ships$/);
  const charts = await readdir(join(outDir, 'charts'));
  assert.ok(charts.some((c) => /^param-\d+-learning_rate\./.test(c)), charts.join(' '));
  assert.ok(!charts.some((c) => /^param-\d+-seed\./.test(c)), 'no chart of the seed as a setting');
  const html = await readFile(join(outDir, 'report.html'), 'utf8');
  assert.match(html, /Best configuration: learning_rate=/);
  assert.match(html, /<table class="sortable" id="configurations">/);

  const best = await runCli(['best', outDir]);
  assert.equal(best.code, 0, best.stderr);
  assert.match(best.stderr, /^best configuration: learning_rate=\S+ test_accuracy \d\.\d{4} ± \d\.\d{4} over 3 seeds; best\/ holds seed \d's model \(trial \S+\), the replicate nearest the mean$/m);
});
