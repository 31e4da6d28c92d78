/**
 * The optimization history: each finished trial's value of the sweep's metric against its number
 * (completed blue, pruned grey) and the best so far as a step line, as Optuna draws it.
 */
import { TrialStatus } from '../../sweep/status.js';
import { better, type Goal } from '../../sweep/objective.js';
import type { LiveTrial } from '../sweep-state.js';
import { BEST_COLOR, STATUS_COLORS, uPlot, widthOf, type UPlot } from './uplot.js';

export class HistoryChart {
  private plot: UPlot | undefined;

  constructor(private readonly container: HTMLElement) {}

  update(trials: LiveTrial[], metric: string, goal: Goal): void {
    const value = (t: LiveTrial) => {
      const v = t.metrics[metric as keyof LiveTrial['metrics']];
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    };
    const points = trials.filter((t) => t.number !== null && (t.status === TrialStatus.COMPLETED || t.status === TrialStatus.PRUNED) && value(t) !== null).sort((a, b) => a.number! - b.number!);
    const x = points.map((t) => t.number!);
    const completed = points.map((t) => (t.status === TrialStatus.COMPLETED ? value(t) : null));
    const pruned = points.map((t) => (t.status === TrialStatus.PRUNED ? value(t) : null));
    let best: number | null = null;
    const bestSoFar = points.map((t) => {
      const v = t.status === TrialStatus.COMPLETED ? value(t) : null;
      if (v !== null && (best === null || better(goal, v, best))) best = v;
      return best;
    });
    const data = [x, completed, pruned, bestSoFar] as UPlot.AlignedData;
    if (!this.plot) {
      const dots = { show: true, size: 6, width: 0 };
      this.plot = new uPlot(
        {
          width: widthOf(this.container),
          height: 260,
          legend: { show: true },
          scales: { x: { time: false } },
          axes: [{ label: 'trial number', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { label: metric.replace('_', ' '), size: 60 }],
          series: [
            { label: 'trial' },
            { label: TrialStatus.COMPLETED, stroke: STATUS_COLORS.completed, fill: STATUS_COLORS.completed, paths: () => null, points: { ...dots, fill: STATUS_COLORS.completed } },
            { label: TrialStatus.PRUNED, stroke: STATUS_COLORS.pruned, paths: () => null, points: { ...dots, fill: STATUS_COLORS.pruned } },
            { label: 'best so far', stroke: BEST_COLOR, width: 2, paths: uPlot.paths.stepped!({ align: 1 }), points: { show: false } },
          ],
        },
        data,
        this.container,
      );
    } else {
      this.plot.setData(data);
    }
    this.container.dataset.points = String(points.length);
  }

  destroy(): void {
    this.plot?.destroy();
  }
}
