/**
 * The sweep page: status, progress and time left; the leaderboard with its filters; every trial's
 * curves; the optimization history; parallel coordinates whose brush filters the table; parameter
 * importance; failed trials with their error. Follows the sweep live from its snapshot on.
 */
import { TrialStatus } from '../../sweep/status.js';
import type { LiveTrial } from '../sweep-state.js';
import { CurvesChart } from './curves-chart.js';
import { append, clear, el, markDrawn, sweepHref, trialHref } from './dom.js';
import { durationText, metricText, timeText } from './format.js';
import { HistoryChart } from './history-chart.js';
import { drawImportance } from './importance-bars.js';
import { LeaderboardTable, TABLE_STATUSES } from './leaderboard-table.js';
import { follow } from './live.js';
import { ParallelCoords } from './parallel-coords.js';
import { SweepModel, type Change, type Snapshot } from './sweep-model.js';
import { STATUS_COLORS } from './uplot.js';

type EpochMetric = 'val_accuracy' | 'val_loss' | 'accuracy' | 'loss';

export function showSweep(app: HTMLElement, key: string): void {
  let model: SweepModel | undefined;
  let view: SweepView | undefined;
  follow(`/api/sweeps/${encodeURIComponent(key)}/events`, {
    snapshot: (snapshot: Snapshot) => {
      model = new SweepModel(snapshot);
      view?.destroy();
      view = new SweepView(app, model);
      view.draw({ rows: true, curves: true, header: true, importance: true });
    },
    changes: (changes: Change[]) => {
      if (!model || !view) return;
      const touched = model.apply(changes);
      // An epoch changes one cell of the table, not its rows: that cell is set in place.
      for (const id of touched.epochsOf) view.epochEnded(id);
      view.draw(touched);
    },
  }, () => notFound(app, key));
}

class SweepView {
  private statuses = new Set<string>(TABLE_STATUSES);
  private brushed: ReadonlySet<string> | null = null;
  private topN: number | null = null;
  private epochMetric: EpochMetric;
  private readonly headerBox = el('section', { id: 'sweep-header' });
  private readonly tableBox = el('div', { id: 'table-box' });
  private readonly curvesBox = el('div', { id: 'curves' });
  private readonly historyBox = el('div', { id: 'history' });
  private readonly pcCanvas = el('canvas', { class: 'pcoords', id: 'pcoords' });
  private readonly importanceBox = el('div', { class: 'bars', id: 'importance' });
  private readonly failedBox = el('div', { id: 'failed' });
  private readonly compareLink = el('a', { id: 'compare', href: '#' }, 'compare picked trials');
  private readonly table: LeaderboardTable;
  private readonly curves: CurvesChart;
  private readonly history: HistoryChart;
  private readonly pc: ParallelCoords;
  private pending = { rows: false, curves: false, header: false, importance: false };
  private frame = 0;
  private clock: ReturnType<typeof setInterval>;

  constructor(
    private readonly app: HTMLElement,
    private readonly model: SweepModel,
  ) {
    const h = model.header;
    this.epochMetric = (['val_accuracy', 'val_loss', 'accuracy', 'loss'].includes(h.epochMetric) ? h.epochMetric : 'val_accuracy') as EpochMetric;
    document.title = `${h.name} · convsweep`;
    const crumbs = document.getElementById('crumbs');
    if (crumbs) {
      clear(crumbs);
      crumbs.append('›', el('a', { href: sweepHref(h.key) }, h.name));
    }
    clear(app);
    this.table = new LeaderboardTable(this.tableBox, model, () => this.updateCompareLink());
    this.curves = new CurvesChart(this.curvesBox);
    this.history = new HistoryChart(this.historyBox);
    this.pc = new ParallelCoords(this.pcCanvas, (ids) => {
      this.brushed = ids;
      this.schedule({ rows: true, curves: true, header: false, importance: false });
    });

    const statusBoxes = TABLE_STATUSES.map((s) => {
      const box = el('input', { type: 'checkbox', checked: true, 'data-filter-status': s });
      box.addEventListener('change', () => {
        if (box.checked) this.statuses.add(s);
        else this.statuses.delete(s);
        this.schedule({ rows: true, curves: true, header: false, importance: false });
      });
      return el('label', {}, box, s);
    });
    const top = el('input', { type: 'number', min: 1, id: 'top-n', placeholder: 'all' });
    top.addEventListener('input', () => {
      const n = Number(top.value);
      this.topN = top.value.trim() !== '' && Number.isInteger(n) && n > 0 ? n : null;
      this.schedule({ rows: true, curves: true, header: false, importance: false });
    });
    const metricSelect = el('select', { id: 'curve-metric', class: 'chart-select' }, ...['val_accuracy', 'val_loss', 'accuracy', 'loss'].map((m) => el('option', { value: m, selected: m === this.epochMetric }, m)));
    metricSelect.addEventListener('change', () => {
      this.epochMetric = metricSelect.value as EpochMetric;
      this.schedule({ rows: false, curves: true, header: false, importance: false });
    });
    const clearBrush = el('button', { type: 'button', id: 'clear-brush' }, 'clear brushes');
    clearBrush.addEventListener('click', () => this.pc.clear());
    const key = encodeURIComponent(h.key);

    app.append(
      this.headerBox,
      el('section', { class: 'panel' },
        el('h2', {}, 'Leaderboard'),
        el('div', { class: 'controls' }, el('span', {}, 'show:'), ...statusBoxes, el('label', {}, 'top', top), this.compareLink,
          el('a', { href: `/api/sweeps/${key}/leaderboard.csv`, download: true, id: 'download-csv' }, 'leaderboard.csv'),
          el('a', { href: `/api/sweeps/${key}/leaderboard.json`, download: true, id: 'download-json' }, 'leaderboard.json')),
        el('div', { style: 'overflow:auto; max-height: 520px' }, this.tableBox),
      ),
      el('div', { class: 'grid2' },
        el('section', { class: 'panel' }, el('h2', {}, 'Learning curves', metricSelect), el('p', { class: 'muted' }, 'every trial, each epoch as it ends; pruned trials dashed, × where they were stopped; the best in red'), this.curvesBox),
        el('section', { class: 'panel' }, el('h2', {}, `Optimization history (${h.metric})`), this.historyBox),
      ),
      el('section', { class: 'panel' }, el('h2', {}, 'Parallel coordinates', clearBrush), el('p', { class: 'muted' }, 'drag along an axis to keep only the trials in that range (the table and curves follow); click an axis to clear it'), this.pcCanvas),
      el('div', { class: 'grid2' },
        el('section', { class: 'panel' }, el('h2', {}, 'Parameter importance (PED-ANOVA)'), this.importanceBox),
        el('section', { class: 'panel' }, el('h2', {}, 'Failed trials'), this.failedBox),
      ),
    );
    this.updateCompareLink();
    // The clock moves the duration, the time left and stalled?: redrawn from what the page holds.
    this.clock = setInterval(() => this.drawHeader(), 1000);
  }

  epochEnded(id: string): void {
    this.table.updateEpochs(id);
  }

  private updateCompareLink(): void {
    const picked = [...this.table.picked];
    const ok = picked.length >= 2 && picked.length <= 4;
    this.compareLink.textContent = `compare picked trials (${picked.length})`;
    this.compareLink.setAttribute('href', ok ? `${sweepHref(this.model.header.key)}/compare?ids=${picked.map(encodeURIComponent).join(',')}` : '#');
    this.compareLink.setAttribute('aria-disabled', ok ? 'false' : 'true');
    this.compareLink.title = ok ? '' : 'pick 2 to 4 trials in the table';
  }

  private schedule(parts: typeof this.pending): void {
    for (const k of Object.keys(parts) as (keyof typeof parts)[]) this.pending[k] ||= parts[k];
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const parts = this.pending;
      this.pending = { rows: false, curves: false, header: false, importance: false };
      this.drawNow(parts);
    });
  }

  draw(parts: typeof this.pending & { epochsOf?: unknown }): void {
    // The first drawing happens at once (the page is then interactive); later ones once a frame.
    if (this.tableBox.childElementCount === 0 || !document.body.dataset.ready) this.drawNow({ rows: true, curves: true, header: true, importance: true });
    else this.schedule({ rows: parts.rows, curves: parts.curves, header: parts.header, importance: parts.importance });
  }

  private visibleTrials: LiveTrial[] = [];

  private drawNow(parts: typeof this.pending): void {
    const m = this.model;
    const trials = [...m.trials.values()];
    if (parts.rows) this.visibleTrials = this.table.render({ statuses: this.statuses, brushed: this.brushed, topN: this.topN });
    if (parts.curves || parts.rows) {
      const visible = new Set(this.visibleTrials.map((t) => t.id));
      this.curves.update(trials, this.epochMetric, { bestId: m.best()?.id, visible });
    }
    if (parts.rows) {
      this.history.update(trials, m.header.metric, m.header.goal);
      this.pc.update(trials, m.header.keys, m.header.logKeys, m.header.metric, m.header.goal);
      this.drawFailed(trials);
    }
    if (parts.importance) drawImportance(this.importanceBox, m.importance, m.header.keys);
    this.drawHeader();
    markDrawn();
  }

  private drawHeader(): void {
    const m = this.model;
    const h = m.header;
    const c = m.counts();
    const phase = m.phase();
    const finished = c.completed + c.pruned + c.failed;
    const planned = Math.max(h.planned, finished + c.running + c.queued);
    const left = m.secondsLeft();
    const best = m.best();
    clear(this.headerBox);
    const segment = (n: number, status: string) => el('span', { style: `width:${planned ? (100 * n) / planned : 0}%; background:${STATUS_COLORS[status]}`, title: `${n} ${status}` });
    append(this.headerBox,
      el('h1', {}, h.name, ' ', el('span', { class: `phase ${phase}`, id: 'phase' }, phase)),
      h.description ? el('p', { class: 'muted' }, h.description) : null,
      el('div', { class: 'facts' },
        fact('method', h.method),
        fact('pruner', h.pruner),
        fact('metric', `${h.metric} (${h.goal})`),
        fact('best', best ? el('a', { href: trialHref(h.key, best.id) }, `${metricText(h.metric, m.metricOf(best))} (#${best.number ?? '?'})`) : '—'),
        fact('started', timeText(h.startedAt) || '—'),
        fact('duration', durationText(m.wallSeconds()) || '—'),
        fact('time left', phase === 'running' ? (left === undefined ? 'after the first trial ends' : `about ${durationText(left)}`) : '—'),
      ),
      el('div', { class: 'progress', id: 'progress', 'data-finished': finished, 'data-planned': planned, title: `${finished} of ${planned} trials finished` }, ...[TrialStatus.COMPLETED, TrialStatus.PRUNED, TrialStatus.FAILED, TrialStatus.RUNNING].map((s) => segment(c[s], s))),
      el('p', { id: 'counts' }, `${finished} of ${planned} trials finished: ${c.completed} completed, ${c.pruned} pruned, ${c.failed} failed, ${c.running} running, ${c.queued} queued${c.unreadable ? `, ${c.unreadable} unreadable` : ''}`),
    );
  }

  private drawFailed(trials: LiveTrial[]): void {
    clear(this.failedBox);
    const failed = trials.filter((t) => t.status === TrialStatus.FAILED || t.status === 'unreadable');
    if (failed.length === 0) {
      this.failedBox.append(el('p', { class: 'muted' }, 'None.'));
      return;
    }
    this.failedBox.append(el('table', { class: 'data' }, el('tbody', {}, ...failed.map((t) => el('tr', { 'data-trial': t.id }, el('td', {}, el('a', { href: trialHref(this.model.header.key, t.id) }, `#${t.number ?? '?'} ${t.label}`)), el('td', {}, t.kind ?? t.status), el('td', { class: 'error' }, t.error ?? ''))))));
  }

  destroy(): void {
    clearInterval(this.clock);
    cancelAnimationFrame(this.frame);
    this.curves.destroy();
    this.history.destroy();
    this.pc.destroy();
  }
}

export function notFound(app: HTMLElement, key: string): void {
  clear(app);
  app.append(el('h1', {}, 'No such sweep'), el('p', { id: 'not-found' }, `No sweep named “${key}” is served here. `, el('a', { href: '/' }, 'All sweeps')));
  markDrawn();
}

function fact(name: string, value: Node | string): HTMLElement {
  return el('div', {}, el('b', {}, name), value);
}
