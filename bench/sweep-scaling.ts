/**
 * How the local executor scales: the same 4-trial sweep on 1 and on 2 workers, each in a fresh
 * process (so peak RSS belongs to one configuration), in alternating pairs (--repeats, default 3).
 * Prints the speed-up of the medians (target ≥ 1.7), the time from a trial's dispatch to its
 * first training batch on a warm worker (target ≤ 1 s), and the peak RSS the second worker adds
 * with the dataset shared (target ≤ 150 MB).
 *
 *   npm run build && node dist/bench/sweep-scaling.js [--train-limit N] [--epochs N] [--repeats N]
 *                                                   [--isolation process]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeReport } from '../src/report/aggregate.js';
import { readHistory } from '../src/train/history-csv.js';
import { runSweep } from '../src/sweep/run-sweep.js';
import { numberFlag } from './flags.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

interface Measurement {
  workers: number;
  /** The whole sweep: load, validate, pool start, trials, report. */
  seconds: number;
  /** First dispatch to last trial end: what the executor itself scales. */
  trialsSeconds: number;
  /** Dispatch → first batch done, for trials that found their worker warm (backend ready, not its first trial). */
  warmFirstBatchS: number[];
  coldFirstBatchS: number[];
  peakRssMb: number;
  /**
   * Per trial, dispatch → end minus the seconds its epochs trained (history.csv): the fixed cost of
   * a trial (dispatch, model build, final evaluation, writing its folder with its charts).
   */
  fixedS: number[];
  /** Each trial's first epoch over its later ones' mean: the warm-up inside a trial. */
  firstEpochRatio: number[];
  /** CPU time over wall time: about 1 and 2 when the machine is otherwise idle; less means other load took cores. */
  coresUsed: number;
}

/** `--isolation process`: each trial in a child process of its own (the native backends' way), for comparison. */
const isolation = process.argv.includes('--isolation') && process.argv[process.argv.indexOf('--isolation') + 1] === 'process' ? 'process' : 'thread';

/** One configuration, in this process. */
async function measure(workers: number, trainLimit: number, epochs: number, isolation: 'thread' | 'process'): Promise<Measurement> {
  const dir = await mkdtemp(join(tmpdir(), 'convsweep-bench-'));
  const sweepFile = join(dir, 'scaling.json');
  await writeFile(sweepFile, JSON.stringify({
    name: 'scaling',
    base: join(repoRoot, 'configs', 'mnist-small.json'),
    grid: { dropout: [0.2, 0.3], learning_rate: [0.001, 0.002] },
    epochs,
    train_limit: trainLimit,
    test_limit: 1000,
  }));
  const dispatched = new Map<string, number>();
  const ended = new Map<string, number>();
  const firstBatch: { s: number; order: number }[] = [];
  let order = 0;
  let firstDispatch = Number.POSITIVE_INFINITY;
  let lastEnd = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await runSweep({
    sweepFile,
    writeReport,
    outDir: join(dir, 'out'),
    backend: 'wasm',
    workers,
    isolation,
    listener: {
      onTrialStart: (trial) => {
        dispatched.set(trial.id, performance.now());
        firstDispatch = Math.min(firstDispatch, performance.now());
      },
      onTrialEnd: (trial) => {
        lastEnd = performance.now();
        ended.set(trial.id, lastEnd);
      },
      onTrialBatch: (trial, p) => {
        if (p.epoch === 1 && p.batch === 1) firstBatch.push({ s: (performance.now() - dispatched.get(trial.id)!) / 1000, order: order++ });
      },
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const fixedS: number[] = [];
  const firstEpochRatio: number[] = [];
  for (const [id, end] of ended) {
    const epochs = (await readHistory(join(dir, 'out', 'trials', id))).map((row) => row.seconds);
    fixedS.push((end - dispatched.get(id)!) / 1000 - epochs.reduce((a, b) => a + b, 0));
    if (epochs.length > 1) firstEpochRatio.push(epochs[0] / (epochs.slice(1).reduce((a, b) => a + b, 0) / (epochs.length - 1)));
  }
  await rm(dir, { recursive: true, force: true });
  // The first `workers` trials start on fresh threads; later ones reuse a warm worker.
  return {
    workers,
    seconds,
    trialsSeconds: (lastEnd - firstDispatch) / 1000,
    coldFirstBatchS: firstBatch.filter((b) => b.order < workers).map((b) => b.s),
    warmFirstBatchS: firstBatch.filter((b) => b.order >= workers).map((b) => b.s),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    fixedS,
    firstEpochRatio,
    coresUsed: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}

const fmt = (values: number[]) => values.map((v) => v.toFixed(2)).join(', ');

if (process.argv.includes('--child')) {
  const result = await measure(numberFlag('workers', 1), numberFlag('train-limit', 6000), numberFlag('epochs', 2), isolation);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const trainLimit = numberFlag('train-limit', 6000);
  const epochs = numberFlag('epochs', 2);
  const repeats = numberFlag('repeats', 3);
  const run = (workers: number): Measurement => {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--workers', String(workers), '--train-limit', String(trainLimit), '--epochs', String(epochs), '--isolation', isolation], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.status !== 0) throw new Error(`the ${workers}-worker run failed with ${child.status}`);
    return JSON.parse(child.stdout.trim().split('\n').pop()!);
  };
  // Alternating pairs: this virtual machine's speed drifts by tens of percent over minutes, so one
  // run of each side compares two different machines; medians of pairs compare like with like.
  const ones: Measurement[] = [];
  const twos: Measurement[] = [];
  for (let i = 0; i < repeats; i++) {
    ones.push(run(1));
    twos.push(run(2));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const list = (xs: number[], digits = 1) => xs.map((x) => x.toFixed(digits)).join(', ');
  const side = (label: string, ms: Measurement[]) =>
    `${label} median ${median(ms.map((m) => m.seconds)).toFixed(1)} s whole sweep (${list(ms.map((m) => m.seconds))}), ` +
    `${median(ms.map((m) => m.trialsSeconds)).toFixed(1)} s of trials, peak RSS ${median(ms.map((m) => m.peakRssMb)).toFixed(0)} MB, ${median(ms.map((m) => m.coresUsed)).toFixed(2)} cores busy\n`;
  const speedUp = median(ones.map((m) => m.seconds)) / median(twos.map((m) => m.seconds));
  const trialsSpeedUp = median(ones.map((m) => m.trialsSeconds)) / median(twos.map((m) => m.trialsSeconds));
  const pairs = ones.map((one, i) => one.seconds / twos[i].seconds);
  const warm = [...ones, ...twos].flatMap((m) => m.warmFirstBatchS);
  const extraRss = median(twos.map((m) => m.peakRssMb)) - median(ones.map((m) => m.peakRssMb));
  const status = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  process.stdout.write(
    `sweep: 4 trials of mnist-small, ${trainLimit} training images (10% validation), 1000 test images, ${epochs} epoch(s), wasm, trials in ${isolation === 'thread' ? 'pool threads' : 'child processes'}; ${repeats} alternating runs a side\n` +
      side('1 worker: ', ones) +
      side('2 workers:', twos) +
      `speed-up 2 vs 1 worker, whole sweep: ${speedUp.toFixed(2)}x of the medians (target >= 1.7: ${status(speedUp >= 1.7)}), pair by pair ${list(pairs, 2)}; trials alone: ${trialsSpeedUp.toFixed(2)}x\n` +
      `dispatch -> first batch, warm worker: max ${Math.max(...warm).toFixed(2)} s over ${warm.length} trials (target <= 1 s: ${status(Math.max(...warm) <= 1)})\n` +
      `dispatch -> first batch, cold worker (thread start, backend, kernels): [${fmt([...ones, ...twos].flatMap((m) => m.coldFirstBatchS))}] s\n` +
      `RSS added by the second worker: ${extraRss.toFixed(0)} MB, median peaks (target <= 150 MB: ${status(extraRss <= 150)})\n` +
      `fixed cost a trial (dispatch to end, less its epochs' training): median ${median(ones.flatMap((m) => m.fixedS)).toFixed(2)} s on 1 worker, ${median(twos.flatMap((m) => m.fixedS)).toFixed(2)} s on 2\n` +
      `first epoch of a trial against its later ones: median ${median([...ones, ...twos].flatMap((m) => m.firstEpochRatio)).toFixed(2)}x\n`,
  );
}
