/** uPlot, as the page's classic script tag (served from node_modules by the dashboard) defines it. */
import type UPlot from 'uplot';

export type { UPlot };
export const uPlot = (globalThis as unknown as { uPlot: typeof UPlot }).uPlot;

export const STATUS_COLORS: Record<string, string> = { completed: '#4c78a8', pruned: '#9a9a9a', failed: '#d62728', running: '#f58518', queued: '#b5b5b5', unreadable: '#8c564b' };
export const BEST_COLOR = '#e45756';

/** A chart's width: its container's, less the panel's padding. */
export function widthOf(container: HTMLElement): number {
  return Math.max(320, container.clientWidth - 4);
}
