/**
 * A table of learning curves for the search benchmark: read from a table file (a table file under bench/tables)
 * or from a finished convsweep sweep folder whose trials ran all their epochs (leaderboard.csv
 * aside, it reads sweep.json and each trials/<id>/history.csv), so that any recorded sweep can be replayed.
 *
 *   node dist/bench/curve-table.js SWEEP_FOLDER OUT.json      write a sweep folder's table
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import type { CurveTable } from '../src/sweep/executor/replay.js';
import { listTrialFolders, readHistory, readSweepInfo, readTrial } from '../src/report/read-trials.js';
import { join } from 'node:path';
import { TRIALS_DIR } from '../src/sweep/folder-layout.js';
import { canonicalJson } from '../src/sweep/trial.js';

export async function tableFromSweepFolder(dir: string): Promise<CurveTable> {
  const info = await readSweepInfo(dir);
  const settings = (info.definition.grid ?? {}) as Record<string, unknown[]>;
  // Settings with one value do not vary: they are the table's conditions, not its keys.
  const keys = Object.keys(settings).filter((k) => Array.isArray(settings[k]) && settings[k].length > 1);
  const rows: CurveTable['rows'] = [];
  let epochs = 0;
  for (const id of await listTrialFolders(dir)) {
    const trial = await readTrial(join(dir, TRIALS_DIR), id);
    if (trial.status !== 'completed' || !trial.values) throw new Error(`${trial.dir}: ${trial.status}; a table needs every trial completed`);
    const history = await readHistory(trial.dir);
    epochs = Math.max(epochs, history.length);
    rows.push({
      values: Object.fromEntries(keys.map((k) => [k, trial.values![k]])),
      val_accuracy: history.map((h) => h.val_accuracy ?? Number.NaN),
      val_loss: history.map((h) => h.val_loss ?? Number.NaN),
      accuracy: history.map((h) => h.accuracy),
      loss: history.map((h) => h.loss),
      seconds: history.map((h) => h.seconds),
      test_accuracy: trial.metrics!.test_accuracy,
      test_loss: trial.metrics!.test_loss,
    });
  }
  const short = rows.filter((r) => r.val_accuracy.length < epochs);
  if (short.length > 0) throw new Error(`${dir}: ${short.length} trials stopped before ${epochs} epochs (EarlyStopping?); a table needs full curves`);
  const distinct = new Set(rows.map((r) => canonicalJson(keys.map((k) => r.values[k]))));
  if (distinct.size !== rows.length) throw new Error(`${dir}: two trials share the same values of ${keys.join(', ')}`);
  return { name: info.name, metric: info.metric, goal: info.goal, epochs, keys, values: Object.fromEntries(keys.map((k) => [k, settings[k]])), rows };
}

/** A table file, or a sweep folder turned into one. */
export async function loadCurveTable(path: string): Promise<CurveTable> {
  if ((await stat(path)).isDirectory()) return tableFromSweepFolder(path);
  return JSON.parse(await readFile(path, 'utf8')) as CurveTable;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) {
    console.error('usage: node dist/bench/curve-table.js SWEEP_FOLDER OUT.json');
    process.exit(2);
  }
  const table = await tableFromSweepFolder(from);
  await writeFile(to, `${JSON.stringify(table)}\n`);
  console.log(`${to}: ${table.rows.length} runs × ${table.epochs} epochs over ${table.keys.join(' × ')}`);
}
