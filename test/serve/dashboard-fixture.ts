/**
 * Sweep folders for the dashboard tests and benchmark, written the way `convsweep run` writes them:
 * sweep.json (with resolved_base and the planned trials), trial folders staged and renamed into
 * place (trial.json, config.json, history.csv, metrics.json last; error.json for a failed one), and
 * sweep.log through the sweep's own logger, with the fields of run-sweep.ts's event recorder. The
 * curves are synthetic (they rise towards a ceiling set by the learning rate), so a folder of a
 * thousand trials takes seconds, not hours.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { stagingFolder, writeFileAtomic } from '../../src/fs-atomic.js';
import { fileLogger, type Logger } from '../../src/log.js';
import { SWEEP_FILE, SWEEP_LOG, TRIALS_DIR } from '../../src/sweep/folder-layout.js';
import { trialRng } from '../../src/sweep/sampler/seeded.js';
import { TrialStatus } from '../../src/sweep/status.js';
import { sampledTrialId, trialLabel, trialRecordJson, writeFailedTrial, type Trial } from '../../src/sweep/trial.js';
import { historyCsv } from '../../src/train/artifacts.js';
import type { HistoryRow } from '../../src/train/history.js';
import { CONFIG_FILE, METRICS_FILE } from '../../src/train/run-folder.js';
import { fixtureNet } from '../report/sweep-fixture.js';

export const SPACE = {
  learning_rate: { distribution: 'log_uniform', min: 0.0001, max: 0.1 },
  dropout: [0.1, 0.3, 0.5],
  batch_size: [32, 64, 128],
};

export type PlannedTrial = Omit<Trial, 'config'> & {
  /** Per-epoch rows, as training would report them. */
  history: HistoryRow[];
  /** What the trial comes to: completed, pruned at `history.length`, or failed. */
  outcome: 'completed' | 'pruned' | 'failed';
};

/** `count` trials of a random sweep over SPACE, each `epochs` long; every 5th pruned halfway, every 50th failed. */
export function planTrials(count: number, epochs: number, seed = 3): PlannedTrial[] {
  return Array.from({ length: count }, (_, i) => {
    const number = i + 1;
    const rng = trialRng(seed, number);
    const values = { learning_rate: Number((10 ** (-4 + 3 * rng())).toPrecision(3)), dropout: SPACE.dropout[Math.floor(rng() * 3)], batch_size: SPACE.batch_size[Math.floor(rng() * 3)] };
    const distance = Math.abs(Math.log10(values.learning_rate) - Math.log10(0.003));
    const ceiling = 0.99 - 0.08 * distance - 0.02 * Math.abs(values.dropout - 0.3);
    const speed = 0.3 + 0.4 * rng();
    const outcome = number % 50 === 0 ? 'failed' : number % 5 === 0 ? 'pruned' : 'completed';
    const length = outcome === 'pruned' ? Math.max(1, Math.floor(epochs / 2)) : epochs;
    const history = Array.from({ length }, (_, e) => {
      const val = ceiling - (ceiling - 0.2) * Math.exp(-speed * (e + 1)) + 0.004 * (rng() - 0.5);
      return { epoch: e + 1, loss: -Math.log(val + 0.005) * 0.9, accuracy: Math.min(1, val + 0.01), val_loss: -Math.log(val), val_accuracy: val, lr: values.learning_rate, seconds: 1 + rng() };
    });
    return { id: sampledTrialId(number, values), label: trialLabel(values), number, index: i, values, seed: 1, history, outcome };
  });
}

export async function writeSweepFile(dir: string, trials: PlannedTrial[], extra: Record<string, unknown> = {}): Promise<void> {
  const base = fixtureNet();
  await mkdir(join(dir, TRIALS_DIR), { recursive: true });
  const record = {
    name: 'dashboard-fixture',
    description: 'A generated sweep <for> the "dashboard" & its tests',
    base,
    method: 'random',
    space: SPACE,
    max_trials: trials.length,
    early_stopping: { type: 'asha', metric: 'val_accuracy' },
    metric: 'test_accuracy',
    goal: 'maximize',
    seed: 3,
    epochs: trials[0]?.history.length ?? 2,
    resolved_base: validateConfig(base, 'sweep.json'),
    trials: trials.map(({ id, label, number, index, values, seed }) => ({ id, label, number, index, values, seed })),
    ...extra,
  };
  await writeFileAtomic(join(dir, SWEEP_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

function metricsOf(trial: PlannedTrial): Record<string, unknown> {
  const last = trial.history.at(-1)!;
  return {
    status: trial.outcome === 'pruned' ? 'pruned' : 'completed',
    test_accuracy: last.val_accuracy! - 0.002,
    test_loss: last.val_loss! + 0.01,
    train_accuracy: last.accuracy,
    train_loss: last.loss,
    val_accuracy: last.val_accuracy,
    val_loss: last.val_loss,
    best_epoch: trial.history.length,
    best_by: 'val_loss',
    epochs_run: trial.history.length,
    stopped_early: trial.outcome === 'pruned',
    params: 1000 + trial.number,
    duration_s: trial.history.reduce((s, r) => s + r.seconds, 0),
    backend: 'cpu',
    seed: 1,
    dataset: 'mnist',
    train_examples: 400,
    val_examples: 100,
    test_examples: 200,
    train_img_per_s: 100,
    tfjs_version: '4.22.0',
  };
}

export const FAILURE_MESSAGE = 'loss became NaN at epoch 1';

/** The trial's folder, staged and renamed into place as a worker leaves it. */
export async function writeTrialFolder(dir: string, trial: PlannedTrial): Promise<void> {
  const trialDir = join(dir, TRIALS_DIR, trial.id);
  if (trial.outcome === 'failed') {
    await writeFailedTrial(trialDir, trial, { kind: 'nan', message: FAILURE_MESSAGE });
    return;
  }
  const staging = await stagingFolder(trialDir);
  const config = validateConfig({ ...fixtureNet(), learning_rate: trial.values.learning_rate, name: `dashboard-fixture-${trial.id}`, seed: 1, batch_size: trial.values.batch_size }, 'sweep.json');
  await writeFile(join(staging.path, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
  await writeFile(join(staging.path, 'history.csv'), historyCsv(trial.history));
  await writeFile(join(staging.path, 'trial.json'), trialRecordJson(trial));
  await writeFile(join(staging.path, 'train.log'), `${JSON.stringify({ level: 30, time: new Date().toISOString(), event: 'start', msg: 'training started' })}\n`);
  await writeFile(join(staging.path, METRICS_FILE), `${JSON.stringify(metricsOf(trial), null, 2)}\n`);
  await staging.commit();
}

/** sweep.log, written by the sweep's logger with the fields run-sweep.ts records for each event. */
export class SweepLogWriter {
  private readonly logger: Logger;
  readonly close: () => void;

  constructor(dir: string) {
    ({ logger: this.logger, close: this.close } = fileLogger(join(dir, SWEEP_LOG)));
  }

  start(trials: number, finishedBefore = 0): void {
    this.logger.info({ event: 'start', sweep: 'sweep.json', method: 'random', early_stopping: 'ASHA', trials, finished_before: finishedBefore, runner: '2 workers (cpu, thread)' }, 'sweep started');
  }

  trialStart(t: PlannedTrial): void {
    this.logger.info({ event: 'trial-start', id: t.id, number: t.number, label: t.label, values: t.values }, `trial ${t.label} started`);
  }

  epoch(t: PlannedTrial, row: HistoryRow, stop = false): void {
    this.logger.info({ event: 'trial-epoch', id: t.id, number: t.number, ...row, ...(stop ? { verdict: 'stop' } : {}) }, `trial ${t.label} epoch ${row.epoch}`);
  }

  trialEnd(t: PlannedTrial): void {
    const outcome =
      t.outcome === 'failed'
        ? { status: TrialStatus.FAILED, kind: 'nan', message: FAILURE_MESSAGE }
        : { status: t.outcome, test_accuracy: metricsOf(t).test_accuracy, epochs_run: t.history.length, duration_s: metricsOf(t).duration_s };
    this.logger.info({ event: 'trial-end', id: t.id, number: t.number, label: t.label, ...outcome }, `trial ${t.label} ${outcome.status}`);
  }

  end(summary: Record<string, unknown>): void {
    this.logger.info({ event: 'end', ...summary }, 'sweep ended');
  }
}

/** Trials run one after the other: each one's log lines, then its folder. */
export async function runTrialsInOrder(dir: string, log: SweepLogWriter, trials: readonly PlannedTrial[]): Promise<void> {
  for (const t of trials) {
    log.trialStart(t);
    t.history.forEach((row, i) => log.epoch(t, row, t.outcome === 'pruned' && i === t.history.length - 1));
    await writeTrialFolder(dir, t);
    log.trialEnd(t);
  }
}

/** A finished sweep: every trial run, one after the other, with its log. */
export async function writeFinishedSweep(dir: string, trials: PlannedTrial[]): Promise<void> {
  await writeSweepFile(dir, trials);
  const log = new SweepLogWriter(dir);
  try {
    log.start(trials.length);
    await runTrialsInOrder(dir, log, trials);
    const count = (o: string) => trials.filter((t) => t.outcome === o).length;
    log.end({ total: trials.length, completed: count('completed'), pruned: count('pruned'), failed: count('failed'), notRun: 0, interrupted: false, timeUp: false });
  } finally {
    log.close();
  }
}
