/** The sweep list: every sweep under the served folder, its status, trial counts and best value, live. */
import { TrialStatus } from '../../sweep/status.js';
import { phaseAt } from '../sweep-phase.js';
import type { SweepSummary } from '../sweep-library.js';
import { clear, el, markDrawn, sweepHref } from './dom.js';
import { durationText, metricText, timeText } from './format.js';
import { follow } from './live.js';

const COUNTED = [TrialStatus.COMPLETED, TrialStatus.PRUNED, TrialStatus.FAILED, TrialStatus.RUNNING, TrialStatus.QUEUED];

export function showList(app: HTMLElement): void {
  const sweeps = new Map<string, SweepSummary>();
  let root = '';
  const table = el('table', { class: 'data', id: 'sweeps' });
  const draw = () => {
    clear(app);
    app.append(el('h1', {}, 'Sweeps'), el('p', { class: 'muted' }, `under ${root}`));
    if (sweeps.size === 0) {
      app.append(el('p', { id: 'no-sweeps' }, 'No sweep here yet: start one with `convsweep run SWEEP` (it shows up by itself).'));
      markDrawn();
      return;
    }
    clear(table);
    const numeric: string[] = [...COUNTED, 'best'];
    table.append(el('thead', {}, el('tr', {}, ...['sweep', 'method', 'pruner', 'status', ...COUNTED, 'best', 'started', 'duration'].map((h) => el('th', { class: numeric.includes(h) ? 'num' : '' }, h)))));
    const body = el('tbody');
    const now = Date.now();
    for (const s of [...sweeps.values()].sort((a, b) => (b.header.startedAt ?? 0) - (a.header.startedAt ?? 0))) {
      const h = s.header;
      const phase = phaseAt(h.phase, h.lastLineAt, h.stallAfterS, now);
      const wall = h.runStartedAt !== null && phase === 'running' ? h.wallSeconds + Math.max(0, now - (h.lastLineAt ?? now)) / 1000 : h.wallSeconds;
      body.append(
        el('tr', { 'data-sweep': h.key, 'data-phase': phase },
          el('td', {}, el('a', { href: sweepHref(h.key) }, h.name)),
          el('td', {}, h.method),
          el('td', {}, h.pruner),
          el('td', {}, el('span', { class: `phase ${phase}` }, phase)),
          ...COUNTED.map((c) => el('td', { class: 'num', 'data-count': c }, String(s.counts[c] ?? 0))),
          el('td', { class: 'num', title: `${h.metric} (${h.goal})` }, s.best === null ? '' : `${metricText(h.metric, s.best)} ${h.metric}`),
          el('td', {}, timeText(h.startedAt)),
          el('td', {}, durationText(wall)),
        ),
      );
    }
    table.append(body);
    app.append(table);
    markDrawn();
  };
  follow('/api/events', {
    snapshot: (data: { root: string; sweeps: SweepSummary[] }) => {
      root = data.root;
      sweeps.clear();
      for (const s of data.sweeps) sweeps.set(s.header.key, s);
      draw();
    },
    summary: (s: SweepSummary) => {
      sweeps.set(s.header.key, s);
      draw();
    },
  });
  // Durations and stalled? move with the clock: redrawn from what the page holds, no request.
  setInterval(() => sweeps.size > 0 && draw(), 5000);
}
