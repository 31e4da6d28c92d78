/**
 * Parallel coordinates of the finished trials: one axis a setting (numbers on a linear or log
 * scale, anything else as its distinct values) and a last axis for the sweep's metric, one line a
 * trial coloured by its metric. Dragging along an axis brushes a range; the trials inside every
 * brush are the selection (the leaderboard shows only them); a click on an axis clears its brush.
 * Drawn by hand on a canvas: no small library does this with brushing.
 */
import { TrialStatus } from '../../sweep/status.js';
import type { LiveTrial } from '../sweep-state.js';
import { valueText } from './format.js';

interface Axis {
  key: string;
  label: string;
  /** Position 0 (bottom) .. 1 (top) of a trial, null when it has no value. */
  position: (t: LiveTrial) => number | null;
  ticks: { at: number; text: string }[];
}

const PAD = { top: 26, bottom: 30, left: 90, right: 60 };

export class ParallelCoords {
  private axes: Axis[] = [];
  private trials: LiveTrial[] = [];
  private brushes = new Map<string, [number, number]>();
  private drag: { axis: number; from: number; to: number } | undefined;
  private metricValue: (t: LiveTrial) => number | null = () => null;
  private colourRange: [number, number] = [0, 1];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onSelect: (ids: ReadonlySet<string> | null) => void,
  ) {
    const { signal } = this.listening;
    canvas.addEventListener('mousedown', (e) => this.down(e), { signal });
    // On the window: a drag goes on when the pointer leaves the canvas.
    addEventListener('mousemove', (e) => this.move(e), { signal });
    addEventListener('mouseup', () => this.up(), { signal });
  }

  private readonly listening = new AbortController();

  destroy(): void {
    this.listening.abort();
  }

  update(trials: LiveTrial[], keys: string[], logKeys: string[], metric: string, goal: 'maximize' | 'minimize'): void {
    this.metricValue = (t) => {
      const v = t.metrics[metric as keyof LiveTrial['metrics']];
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    };
    this.trials = trials.filter((t) => t.values && (t.status === TrialStatus.COMPLETED || t.status === TrialStatus.PRUNED));
    this.axes = [...keys.map((k) => this.settingAxis(k, logKeys.includes(k))), this.numericAxis(metric, metric, (t) => this.metricValue(t), false)];
    const values = this.trials.map((t) => this.metricValue(t)).filter((v): v is number => v !== null);
    this.colourRange = goal === 'maximize' ? [Math.min(...values), Math.max(...values)] : [Math.max(...values), Math.min(...values)];
    for (const key of [...this.brushes.keys()]) if (!this.axes.some((a) => a.key === key)) this.brushes.delete(key);
    this.canvas.dataset.axes = String(this.axes.length);
    this.canvas.dataset.lines = String(this.trials.length);
    this.draw();
  }

  private settingAxis(key: string, log: boolean): Axis {
    const values = this.trials.map((t) => t.values![key]);
    if (values.length > 0 && values.every((v) => typeof v === 'number' && Number.isFinite(v)) && new Set(values).size > 6) {
      return this.numericAxis(key, key, (t) => (typeof t.values![key] === 'number' ? (t.values![key] as number) : null), log);
    }
    const categories = [...new Set(values.map(valueText))].sort((a, b) => {
      const na = Number(a);
      const nb = Number(b);
      return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a < b ? -1 : a > b ? 1 : 0;
    });
    const at = (i: number) => (categories.length === 1 ? 0.5 : i / (categories.length - 1));
    return {
      key,
      label: key,
      position: (t) => {
        const i = categories.indexOf(valueText(t.values![key]));
        return i < 0 ? null : at(i);
      },
      ticks: categories.map((c, i) => ({ at: at(i), text: c })),
    };
  }

  private numericAxis(key: string, label: string, value: (t: LiveTrial) => number | null, log: boolean): Axis {
    const f = (v: number) => (log && v > 0 ? Math.log10(v) : v);
    const vs = this.trials.map(value).filter((v): v is number => v !== null).map(f);
    const lo = Math.min(...vs);
    const hi = Math.max(...vs);
    const scale = (v: number) => (hi > lo ? (f(v) - lo) / (hi - lo) : 0.5);
    const ticks = vs.length === 0 ? [] : [0, 0.25, 0.5, 0.75, 1].map((at) => {
      const raw = lo + at * (hi - lo);
      const v = log ? 10 ** raw : raw;
      return { at, text: Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : Number(v.toPrecision(3)).toString() };
    });
    return { key, label: log ? `${label} (log)` : label, position: (t) => (value(t) === null ? null : scale(value(t)!)), ticks };
  }

  private geometry() {
    const dpr = devicePixelRatio;
    const width = this.canvas.clientWidth;
    const height = this.canvas.clientHeight;
    if (this.canvas.width !== Math.round(width * dpr)) this.canvas.width = Math.round(width * dpr);
    if (this.canvas.height !== Math.round(height * dpr)) this.canvas.height = Math.round(height * dpr);
    const n = this.axes.length;
    const xAt = (i: number) => PAD.left + (n === 1 ? 0 : (i * (width - PAD.left - PAD.right)) / (n - 1));
    const yAt = (pos: number) => PAD.top + (1 - pos) * (height - PAD.top - PAD.bottom);
    const posAt = (y: number) => 1 - (y - PAD.top) / (height - PAD.top - PAD.bottom);
    return { dpr, width, height, xAt, yAt, posAt };
  }

  /** The trials inside every brush, or null when no axis is brushed. */
  selection(): Set<string> | null {
    if (this.brushes.size === 0) return null;
    return new Set(this.trials.filter((t) => this.inside(t)).map((t) => t.id));
  }

  private inside(t: LiveTrial): boolean {
    for (const [key, [lo, hi]] of this.brushes) {
      const axis = this.axes.find((a) => a.key === key);
      const p = axis?.position(t);
      if (p === null || p === undefined || p < lo - 1e-9 || p > hi + 1e-9) return false;
    }
    return true;
  }

  private colour(t: LiveTrial, alpha: number): string {
    const v = this.metricValue(t);
    const [worst, best] = this.colourRange;
    const q = v === null || best === worst ? 0.5 : Math.min(1, Math.max(0, (v - worst) / (best - worst)));
    // From pale blue (worst) to deep red (best).
    const r = Math.round(70 + 160 * q);
    const g = Math.round(130 - 80 * q);
    const b = Math.round(180 - 130 * q);
    return `rgba(${r},${g},${b},${alpha})`;
  }

  draw(): void {
    const { dpr, width, height, xAt, yAt } = this.geometry();
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const brushed = this.brushes.size > 0;
    const ordered = [...this.trials].sort((a, b) => Number(this.inside(a)) - Number(this.inside(b)));
    for (const t of ordered) {
      const on = !brushed || this.inside(t);
      ctx.strokeStyle = on ? this.colour(t, t.status === TrialStatus.PRUNED ? 0.45 : 0.8) : 'rgba(180,180,180,0.25)';
      ctx.lineWidth = on ? 1.2 : 0.8;
      ctx.setLineDash(t.status === TrialStatus.PRUNED ? [4, 3] : []);
      ctx.beginPath();
      let started = false;
      this.axes.forEach((axis, i) => {
        const p = axis.position(t);
        if (p === null) {
          started = false;
          return;
        }
        if (started) ctx.lineTo(xAt(i), yAt(p));
        else ctx.moveTo(xAt(i), yAt(p));
        started = true;
      });
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.font = '12px system-ui, sans-serif';
    this.axes.forEach((axis, i) => {
      const x = xAt(i);
      ctx.strokeStyle = '#333';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, yAt(1));
      ctx.lineTo(x, yAt(0));
      ctx.stroke();
      ctx.fillStyle = '#1d1d1f';
      ctx.textAlign = 'center';
      ctx.fillText(axis.label, x, 14);
      ctx.textAlign = i === this.axes.length - 1 ? 'left' : 'right';
      ctx.fillStyle = '#555';
      for (const tick of axis.ticks) ctx.fillText(tick.text, x + (i === this.axes.length - 1 ? 6 : -6), yAt(tick.at) + 4);
      const brush = this.drag && this.drag.axis === i ? [Math.min(this.drag.from, this.drag.to), Math.max(this.drag.from, this.drag.to)] : this.brushes.get(axis.key);
      if (brush) {
        ctx.fillStyle = 'rgba(76,120,168,0.22)';
        ctx.strokeStyle = '#4c78a8';
        ctx.fillRect(x - 8, yAt(brush[1]), 16, yAt(brush[0]) - yAt(brush[1]));
        ctx.strokeRect(x - 8, yAt(brush[1]), 16, yAt(brush[0]) - yAt(brush[1]));
      }
    });
  }

  private axisAt(clientX: number): number {
    const { xAt } = this.geometry();
    const x = clientX - this.canvas.getBoundingClientRect().left;
    let nearest = -1;
    let distance = 14;
    this.axes.forEach((_, i) => {
      if (Math.abs(xAt(i) - x) < distance) {
        distance = Math.abs(xAt(i) - x);
        nearest = i;
      }
    });
    return nearest;
  }

  private positionAt(clientY: number): number {
    const { posAt } = this.geometry();
    return Math.min(1, Math.max(0, posAt(clientY - this.canvas.getBoundingClientRect().top)));
  }

  private down(e: MouseEvent): void {
    const axis = this.axisAt(e.clientX);
    if (axis < 0) return;
    e.preventDefault();
    const at = this.positionAt(e.clientY);
    this.drag = { axis, from: at, to: at };
  }

  private move(e: MouseEvent): void {
    if (!this.drag) return;
    this.drag.to = this.positionAt(e.clientY);
    this.draw();
  }

  private up(): void {
    if (!this.drag) return;
    const { axis, from, to } = this.drag;
    this.drag = undefined;
    const key = this.axes[axis].key;
    // A click without a drag clears the axis's brush.
    if (Math.abs(to - from) < 0.01) this.brushes.delete(key);
    else this.brushes.set(key, [Math.min(from, to), Math.max(from, to)]);
    this.draw();
    this.onSelect(this.selection());
  }

  clear(): void {
    this.brushes.clear();
    this.draw();
    this.onSelect(null);
  }
}
