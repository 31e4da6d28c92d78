/**
 * Every trial's per-epoch curve of one metric in one uPlot (it stays fast at thousands of series):
 * completed trials blue, the best red, running orange, pruned grey and dashed with a cross where the
 * pruner stopped them. Redrawn in place as epochs arrive; rebuilt only when the set of trials changes.
 */
import { TrialStatus } from '../../sweep/status.js';
import type { LiveTrial } from '../sweep-state.js';
import { BEST_COLOR, STATUS_COLORS, uPlot, widthOf, type UPlot } from './uplot.js';

type PointMetric = 'val_accuracy' | 'val_loss' | 'accuracy' | 'loss';

export class CurvesChart {
  private plot: UPlot | undefined;
  private ids: string[] = [];
  private styles = '';
  private trials: LiveTrial[] = [];

  constructor(
    readonly container: HTMLElement,
    private readonly height = 300,
  ) {}

  /** `colours`: one a trial, in place of the status colours (a chart of a few named trials). */
  update(all: LiveTrial[], metric: PointMetric, options: { bestId?: string; visible?: ReadonlySet<string> | null; title?: string; colours?: string[] } = {}): void {
    const trials = all.filter((t) => t.history.length > 0);
    this.trials = trials;
    let maxEpoch = 1;
    for (const t of trials) for (const p of t.history) maxEpoch = Math.max(maxEpoch, p.epoch);
    const x = Array.from({ length: maxEpoch }, (_, i) => i + 1);
    const data: (number | null)[][] = [x];
    for (const t of trials) {
      const column: (number | null)[] = new Array(maxEpoch).fill(null);
      for (const p of t.history) if (p.epoch >= 1 && p.epoch <= maxEpoch) column[p.epoch - 1] = Number.isFinite(p[metric] as number) ? (p[metric] as number) : null;
      data.push(column);
    }
    const ids = trials.map((t) => t.id);
    const styles = trials.map((t) => `${t.status}${t.id === options.bestId ? '*' : ''}`).join('|') + metric + (options.colours ?? []).join();
    if (!this.plot || ids.join('|') !== this.ids.join('|') || styles !== this.styles) {
      this.plot?.destroy();
      this.ids = ids;
      this.styles = styles;
      this.plot = new uPlot(this.options(trials, metric, options), data as UPlot.AlignedData, this.container);
    } else {
      this.plot.setData(data as UPlot.AlignedData);
    }
    const visible = options.visible;
    this.plot.batch(() => {
      trials.forEach((t, i) => {
        const show = !visible || visible.has(t.id);
        if (this.plot!.series[i + 1].show !== show) this.plot!.setSeries(i + 1, { show });
      });
    });
    this.container.dataset.series = String(trials.length);
    this.container.dataset.points = String(data.slice(1).reduce((n, column) => n + column.filter((v) => v !== null).length, 0));
    this.container.dataset.metric = metric;
  }

  private options(trials: LiveTrial[], metric: PointMetric, { bestId, title, colours }: { bestId?: string; title?: string; colours?: string[] }): UPlot.Options {
    return {
      width: widthOf(this.container),
      height: this.height,
      title,
      legend: { show: false },
      cursor: { points: { show: false }, drag: { x: true, y: false } },
      scales: { x: { time: false } },
      axes: [{ label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100] }, { label: metric.replace('_', ' '), size: 60 }],
      series: [
        { label: 'epoch' },
        ...trials.map((t, i) => ({
          label: t.label,
          stroke: colours?.[i] ?? (t.id === bestId ? BEST_COLOR : STATUS_COLORS[t.status] ?? '#888'),
          width: t.id === bestId ? 2.5 : t.status === TrialStatus.RUNNING ? 1.5 : 1,
          dash: t.status === TrialStatus.PRUNED ? [4, 3] : undefined,
          points: { show: false },
          spanGaps: false,
        })),
      ],
      hooks: { draw: [(u: UPlot) => this.drawPruneMarks(u, metric)] },
    };
  }

  /** A cross at each pruned trial's last epoch. */
  private drawPruneMarks(u: UPlot, metric: PointMetric): void {
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = STATUS_COLORS.failed;
    ctx.lineWidth = 1.5 * devicePixelRatio;
    const r = 3.5 * devicePixelRatio;
    this.trials.forEach((t, i) => {
      if (t.prunedAt === null || !u.series[i + 1].show) return;
      const p = t.history.find((h) => h.epoch === t.prunedAt);
      const v = p?.[metric];
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      const cx = u.valToPos(t.prunedAt, 'x', true);
      const cy = u.valToPos(v, 'y', true);
      ctx.beginPath();
      ctx.moveTo(cx - r, cy - r);
      ctx.lineTo(cx + r, cy + r);
      ctx.moveTo(cx + r, cy - r);
      ctx.lineTo(cx - r, cy + r);
      ctx.stroke();
    });
    ctx.restore();
  }

  resize(): void {
    this.plot?.setSize({ width: widthOf(this.container), height: this.height });
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
  }
}
