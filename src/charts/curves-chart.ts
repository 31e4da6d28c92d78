/**
 * Training curves: loss vs epoch and accuracy vs epoch side by side, train and validation lines with
 * point markers (so a 1-epoch run still shows), validation omitted where it is null.
 */
import type { TopLevelSpec } from 'vega-lite';
import { chartConfig } from './theme.js';

const SPLITS = [
  { name: 'train', color: '#1f77b4' },
  { name: 'validation', color: '#ff7f0e' },
] as const;

interface CurvePoint {
  epoch: number;
  split: string;
  value: number;
}

/** What the curves read of an epoch: train/'s HistoryRow fits it, without charts/ importing from above. */
export interface CurveRow {
  epoch: number;
  loss: number;
  accuracy: number;
  val_loss: number | null;
  val_accuracy: number | null;
}

function points(history: readonly CurveRow[], train: 'loss' | 'accuracy', validation: 'val_loss' | 'val_accuracy'): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const row of history) {
    const t = row[train];
    if (Number.isFinite(t)) out.push({ epoch: row.epoch, split: 'train', value: t });
  }
  for (const row of history) {
    const v = row[validation];
    if (v !== null && Number.isFinite(v)) out.push({ epoch: row.epoch, split: 'validation', value: v });
  }
  return out;
}

/** Integer epoch ticks, at most ~10: every epoch for short runs, else multiples of a 1/2/5 x 10^k step plus the first. */
export function epochTicks(first: number, last: number): number[] {
  const span = last - first;
  if (span <= 11) return Array.from({ length: span + 1 }, (_, i) => first + i);
  const raw = span / 8;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks = [first];
  for (let t = Math.ceil(first / step) * step; t <= last; t += step) {
    // Skip a multiple that would crowd the first tick.
    if (t - first >= step / 2) ticks.push(t);
  }
  return ticks;
}

/** A fixed y domain around a constant series (vega would otherwise label a zero-width domain oddly). */
function flatDomain(data: CurvePoint[]): { domain?: [number, number] } {
  if (data.length === 0) return {};
  const values = data.map((p) => p.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (hi - lo > 1e-9 * Math.max(1, Math.abs(hi))) return {};
  const d = Math.max(Math.abs(lo) * 0.05, 0.01);
  return { domain: [lo - d, lo + d] };
}

export function curvesSpec(history: readonly CurveRow[], title: string): TopLevelSpec {
  const loss = points(history, 'loss', 'val_loss');
  const accuracy = points(history, 'accuracy', 'val_accuracy');
  const present = SPLITS.filter((s) => loss.some((p) => p.split === s.name) || accuracy.some((p) => p.split === s.name));
  const splits = present.length > 0 ? present : [SPLITS[0]];

  const epochs = history.map((r) => r.epoch).filter(Number.isFinite);
  const first = epochs.length > 0 ? Math.min(...epochs) : 1;
  const last = epochs.length > 0 ? Math.max(...epochs) : 1;
  // One epoch: pad the domain so the point sits mid-panel with a single "1" tick.
  const domain = last > first ? [first, last] : [first - 0.5, first + 0.5];
  const ticks = epochTicks(first, last);
  const markerSize = history.length > 40 ? 16 : 45;

  const panel = (data: CurvePoint[], yTitle: string) => ({
    width: 320,
    height: 240,
    data: { values: data },
    mark: { type: 'line' as const, point: { filled: true, size: markerSize }, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'epoch',
        type: 'quantitative' as const,
        title: 'epoch',
        // Pixel padding keeps the first/last markers off the frame.
        scale: { domain, nice: false, padding: 12 },
        axis: { format: 'd', values: ticks, grid: true },
      },
      y: {
        field: 'value',
        type: 'quantitative' as const,
        title: yTitle,
        scale: { zero: false, nice: false, padding: 14, ...flatDomain(data) },
        axis: { grid: true },
      },
      color: {
        field: 'split',
        type: 'nominal' as const,
        title: null,
        scale: { domain: splits.map((s) => s.name), range: splits.map((s) => s.color) },
        legend: { orient: 'bottom' as const, direction: 'horizontal' as const, symbolType: 'stroke', symbolStrokeWidth: 3 },
      },
      order: { field: 'epoch', type: 'quantitative' as const },
    },
  });

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title },
    config: chartConfig,
    hconcat: [panel(loss, 'loss'), panel(accuracy, 'accuracy')],
    spacing: 40,
    resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
  };
}
