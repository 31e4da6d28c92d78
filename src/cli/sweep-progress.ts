/**
 * Sweep progress for people. On a TTY a block redrawn in place: one overall line (done/total,
 * failed, ETA, best metric so far) and one line a running trial (epoch, batch, val_accuracy).
 * Elsewhere (pipes, CI logs) one plain line when a trial starts and one when it ends.
 */
import type { HistoryRow } from '../train/history.js';
import { backendNote } from './backend-note.js';
import { formatDuration } from './format-duration.js';
import type { SweepGoal, SweepMetric } from '../sweep/load.js';
import type { SweepListener } from '../sweep/run-sweep.js';
import { TrialStatus, type Trial, type TrialOutcome } from '../sweep/trial.js';
import type { BatchProgress } from '../train/trainer.js';

const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 20;

interface RunningTrial {
  trial: Trial;
  started: number;
  batch?: BatchProgress;
  lastEpoch?: { row: HistoryRow; epochs: number };
}

export class SweepProgress implements SweepListener {
  private readonly tty: boolean;
  private readonly running = new Map<string, RunningTrial>();
  private total = 0;
  private started = performance.now();
  private metric: SweepMetric = 'test_accuracy';
  private goal: SweepGoal = 'maximize';
  private finished = 0;
  private failed = 0;
  /** Trials that ended in this run (not found finished): the pace for the ETA. */
  private endedHere = 0;
  private best: { value: number; label: string } | undefined;
  private drawnLines = 0;
  private lastDraw = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(stream.isTTY);
  }

  onStart(info: { sweep: { name: string; metric: SweepMetric; goal: SweepGoal }; total: number; finishedBefore: Map<string, number | null>; runner: string; outDir: string; grown?: { kept: number; added: number } }): void {
    this.total = info.total;
    this.started = performance.now();
    this.metric = info.sweep.metric;
    this.goal = info.sweep.goal;
    this.finished = info.finishedBefore.size;
    for (const [id, value] of info.finishedBefore) this.consider(value, id);
    const resumed = info.finishedBefore.size > 0 ? `, ${info.finishedBefore.size} already finished` : '';
    if (info.grown) this.line(`the grid grew: ${info.grown.added} new trial${info.grown.added === 1 ? '' : 's'} beside the ${info.grown.kept} it had, whose folders are kept`);
    this.line(`sweep ${info.sweep.name}: ${info.total} trials${resumed}, ${info.runner} → ${info.outDir}`);
    const note = backendNote();
    if (note) this.line(note);
  }

  /** A message from elsewhere (the Ctrl-C notice), printed above the live block so that the block stays whole. */
  note(text: string): void {
    this.line(text);
    if (this.tty) this.draw(true);
  }

  onTrialStart(trial: Trial): void {
    this.running.set(trial.id, { trial, started: performance.now() });
    if (this.tty) this.draw(true);
    else this.line(`start ${trial.id} ${trial.label}`);
  }

  onTrialBatch(trial: Trial, progress: BatchProgress): void {
    const state = this.running.get(trial.id);
    if (!state) return;
    state.batch = progress;
    if (this.tty) this.draw(false);
  }

  onTrialEpoch(trial: Trial, row: HistoryRow, epochs: number): void {
    const state = this.running.get(trial.id);
    if (!state) return;
    state.lastEpoch = { row, epochs };
    if (this.tty) this.draw(false);
  }

  onTrialEnd(trial: Trial, outcome: TrialOutcome): void {
    const state = this.running.get(trial.id);
    this.running.delete(trial.id);
    const seconds = state ? (performance.now() - state.started) / 1000 : 0;
    let result: string;
    switch (outcome.status) {
      case TrialStatus.COMPLETED:
      case TrialStatus.PRUNED: {
        this.finished++;
        this.endedHere++;
        const value = outcome.metrics[this.metric];
        this.consider(value, trial.label);
        const verb = outcome.status === TrialStatus.PRUNED ? `pruned after ${outcome.metrics.epochs_run} epoch${outcome.metrics.epochs_run === 1 ? '' : 's'}` : 'done';
        result = `${verb} ${trial.id} ${trial.label}  ${this.metric}=${value === null ? '-' : value.toFixed(4)} in ${formatDuration(seconds)}`;
        break;
      }
      case TrialStatus.FAILED:
        this.finished++;
        this.failed++;
        this.endedHere++;
        result = `FAILED ${trial.id} ${trial.label}  ${outcome.kind}: ${outcome.message}`;
        break;
      case TrialStatus.STOPPED:
        result = `stopped ${trial.id} ${trial.label}`;
        break;
    }
    this.line(`[${this.finished}/${this.total}] ${result}`);
    if (this.tty) this.draw(true);
  }

  /**
   * Leaves the final overall line in place of the live block. Interrupted, the trials still listed
   * were stopped and there is nothing left to estimate: no trial lines, no ETA.
   */
  close(interrupted = false): void {
    if (!this.tty) return;
    this.clear();
    if (interrupted) this.running.clear();
    this.stream.write(`${this.overall(interrupted)}\n`);
  }

  private consider(value: number | null, label: string): void {
    if (value === null) return;
    const better = !this.best || (this.goal === 'maximize' ? value > this.best.value : value < this.best.value);
    if (better) this.best = { value, label };
  }

  private overall(interrupted = false): string {
    // From the pace so far, which accounts for however many workers (local or on the queue) serve the sweep.
    const left = this.total - this.finished;
    const eta = left === 0 ? 0 : this.endedHere === 0 ? Number.NaN : (((performance.now() - this.started) / 1000) * left) / this.endedHere;
    const best = this.best ? `best ${this.metric} ${this.best.value.toFixed(4)} (${this.best.label})` : `best ${this.metric} -`;
    const filled = this.total === 0 ? BAR_WIDTH : Math.round((this.finished / this.total) * BAR_WIDTH);
    const bar = this.tty ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` : '';
    const pace = interrupted ? 'interrupted' : `${this.running.size} running · ETA ${formatDuration(eta)}`;
    return `${bar}${this.finished}/${this.total} done, ${this.failed} failed, ${pace} · ${best}`;
  }

  private trialLine(state: RunningTrial): string {
    const parts = [`  ${state.trial.id} ${state.trial.label}`];
    if (state.batch) parts.push(`epoch ${state.batch.epoch}/${state.batch.epochs} batch ${state.batch.batch}/${state.batch.batches}`);
    const val = state.lastEpoch?.row.val_accuracy;
    if (val !== undefined && val !== null) parts.push(`val_accuracy ${val.toFixed(4)}`);
    return parts.join('  ');
  }

  /** A plain line: above the live block on a TTY. */
  private line(text: string): void {
    if (this.tty) this.clear();
    this.stream.write(`${text}\n`);
    if (this.tty) this.drawnLines = 0;
  }

  private clear(): void {
    if (this.drawnLines > 0) this.stream.write(`\x1b[${this.drawnLines}F\x1b[0J`);
    this.drawnLines = 0;
  }

  private draw(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < REDRAW_INTERVAL_MS) return;
    this.lastDraw = now;
    const width = Math.max(20, (this.stream.columns || 100) - 1);
    const lines = [this.overall(), ...[...this.running.values()].map((s) => this.trialLine(s))].map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    this.clear();
    this.stream.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }
}
