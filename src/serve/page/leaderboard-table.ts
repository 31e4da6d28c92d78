/**
 * The sweep page's leaderboard: one row a trial (queued and running ones too), in the report's order
 * (completed by the sweep's metric, then pruned, failed, running, queued) until a header click sorts
 * it by that column (again: the other way). Filtered by status, by the parallel-coordinates brush,
 * and to the top N; a box on each row picks 2–4 trials to compare.
 */
import { TrialStatus } from '../../sweep/status.js';
import type { LiveTrial } from '../sweep-state.js';
import { clear, el, statusBadge, trialHref } from './dom.js';
import { durationText, metricText, valueText } from './format.js';
import type { SweepModel } from './sweep-model.js';

const STATUS_RANK: Record<string, number> = { [TrialStatus.COMPLETED]: 0, [TrialStatus.PRUNED]: 1, [TrialStatus.FAILED]: 2, [TrialStatus.RUNNING]: 3, [TrialStatus.QUEUED]: 4, unreadable: 5 };
export const TABLE_STATUSES = [TrialStatus.COMPLETED, TrialStatus.PRUNED, TrialStatus.FAILED, TrialStatus.RUNNING, TrialStatus.QUEUED, 'unreadable'];
const OTHER_METRICS = ['test_accuracy', 'val_accuracy', 'test_loss', 'val_loss', 'epochs_run', 'duration_s'];

interface Column {
  id: string;
  title: string;
  numeric: boolean;
  value: (t: LiveTrial) => number | string | null;
  cell: (t: LiveTrial) => Node | string;
}

export interface TableFilter {
  statuses: ReadonlySet<string>;
  /** From the parallel-coordinates brush; null: no brush. */
  brushed: ReadonlySet<string> | null;
  topN: number | null;
}

/** Rows drawn at first, and added each time the end of the table scrolls into view: a sweep of thousands of trials lays out fast. */
const ROWS_AT_ONCE = 200;

export class LeaderboardTable {
  private sort: { column: string; dir: 1 | -1 } | null = null;
  private more: IntersectionObserver | undefined;
  readonly picked = new Set<string>();
  private table = el('table', { class: 'data', id: 'leaderboard' });

  constructor(
    private readonly container: HTMLElement,
    private readonly model: SweepModel,
    private readonly onPick: () => void,
  ) {
    container.appendChild(this.table);
  }

  private columns(): Column[] {
    const h = this.model.header;
    const metricCols = [h.metric, ...OTHER_METRICS.filter((m) => m !== h.metric)];
    const ranks = this.ranks();
    return [
      { id: 'rank', title: 'rank', numeric: true, value: (t) => ranks.get(t.id) ?? null, cell: (t) => String(ranks.get(t.id) ?? '') },
      { id: 'number', title: '#', numeric: true, value: (t) => t.number, cell: (t) => el('a', { href: trialHref(h.key, t.id) }, String(t.number ?? '')) },
      { id: 'status', title: 'status', numeric: false, value: (t) => STATUS_RANK[t.status] ?? 9, cell: (t) => statusBadge(t.status) },
      ...h.keys.map((k) => ({ id: `v:${k}`, title: k, numeric: false, value: (t: LiveTrial) => sortable(t.values?.[k]), cell: (t: LiveTrial) => valueText(t.values?.[k]) })),
      ...metricCols.map((m) => ({
        id: m,
        title: m,
        numeric: true,
        value: (t: LiveTrial) => this.model.metricOf(t, m),
        cell: (t: LiveTrial) => (m === 'epochs_run' && t.status === TrialStatus.RUNNING ? `${t.history.length}…` : m === 'duration_s' ? durationText(this.model.metricOf(t, m)) : metricText(m, this.model.metricOf(t, m))),
      })),
      { id: 'id', title: 'id', numeric: false, value: (t) => t.id, cell: (t) => el('a', { href: trialHref(h.key, t.id) }, t.id) },
      { id: 'error', title: 'error', numeric: false, value: (t) => t.error ?? '', cell: (t) => t.error ?? '' },
    ];
  }

  /** The report's ranks: completed trials by the sweep's metric, 1 = best. */
  private ranks(): Map<string, number> {
    const sign = this.model.header.goal === 'maximize' ? -1 : 1;
    const completed = [...this.model.trials.values()].filter((t) => t.status === TrialStatus.COMPLETED && this.model.metricOf(t) !== null);
    completed.sort((a, b) => sign * (this.model.metricOf(a)! - this.model.metricOf(b)!) || (a.number ?? 0) - (b.number ?? 0));
    return new Map(completed.map((t, i) => [t.id, i + 1]));
  }

  /** The leaderboard's own order: status, then the metric (best first), then trial number. */
  private leaderboardOrder(trials: LiveTrial[]): LiveTrial[] {
    const sign = this.model.header.goal === 'maximize' ? -1 : 1;
    return [...trials].sort((a, b) => {
      const byStatus = (STATUS_RANK[a.status] ?? 9) - (STATUS_RANK[b.status] ?? 9);
      if (byStatus) return byStatus;
      const va = this.model.metricOf(a);
      const vb = this.model.metricOf(b);
      if (va !== null && vb !== null && va !== vb) return sign * (va - vb);
      if ((va === null) !== (vb === null)) return va === null ? 1 : -1;
      return (a.number ?? Infinity) - (b.number ?? Infinity);
    });
  }

  /** A running trial's epoch count, set in its row without drawing the table again. */
  updateEpochs(id: string): void {
    const trial = this.model.trials.get(id);
    const cell = this.table.querySelector(`tr[data-trial="${CSS.escape(id)}"] td[data-column="epochs_run"]`);
    if (trial && cell && trial.status === TrialStatus.RUNNING) cell.textContent = `${trial.history.length}…`;
  }

  render(filter: TableFilter): LiveTrial[] {
    const columns = this.columns();
    let rows = this.leaderboardOrder([...this.model.trials.values()]).filter((t) => filter.statuses.has(t.status) && (!filter.brushed || filter.brushed.has(t.id)));
    if (filter.topN !== null) rows = rows.slice(0, filter.topN);
    if (this.sort) {
      const column = columns.find((c) => c.id === this.sort!.column);
      if (column) {
        const dir = this.sort.dir;
        rows = [...rows].sort((a, b) => compareCells(column.value(a), column.value(b), dir));
      }
    }
    clear(this.table);
    const head = el('tr');
    const pickHead = el('th', { title: 'pick 2–4 trials to compare' }, 'cmp');
    head.appendChild(pickHead);
    for (const c of columns) {
      const th = el('th', { class: `sortable${c.numeric ? ' num' : ''}`, 'data-column': c.id, 'aria-sort': this.sort?.column === c.id ? (this.sort.dir === 1 ? 'ascending' : 'descending') : undefined }, c.title);
      th.addEventListener('click', () => {
        this.sort = this.sort?.column === c.id ? { column: c.id, dir: this.sort.dir === 1 ? -1 : 1 } : { column: c.id, dir: c.numeric && c.id !== 'number' && c.id !== 'rank' && this.model.header.goal === 'maximize' && c.id.endsWith('accuracy') ? -1 : 1 };
        this.render(filter);
      });
      head.appendChild(th);
    }
    const body = el('tbody');
    this.more?.disconnect();
    this.appendRows(body, rows, 0, columns);
    this.table.append(el('thead', {}, head), body);
    this.container.dataset.rows = String(rows.length);
    return rows;
  }

  private appendRows(body: HTMLElement, rows: LiveTrial[], from: number, columns: Column[]): void {
    const fragment = document.createDocumentFragment();
    const until = Math.min(rows.length, from + ROWS_AT_ONCE);
    for (const t of rows.slice(from, until)) {
      const tr = el('tr', { 'data-trial': t.id, 'data-status': t.status });
      const box = el('input', { type: 'checkbox', 'aria-label': `compare trial ${t.number ?? t.id}`, checked: this.picked.has(t.id) });
      box.addEventListener('change', () => {
        if (box.checked) this.picked.add(t.id);
        else this.picked.delete(t.id);
        this.onPick();
      });
      tr.appendChild(el('td', {}, box));
      for (const c of columns) tr.appendChild(el('td', { class: `${c.numeric ? 'num' : ''}${c.id === 'error' ? ' error' : ''}`, 'data-column': c.id }, c.cell(t)));
      fragment.appendChild(tr);
    }
    body.appendChild(fragment);
    if (until >= rows.length) return;
    const button = el('button', { type: 'button' }, `show ${Math.min(ROWS_AT_ONCE, rows.length - until)} more of ${rows.length - until}`);
    const moreRow = el('tr', { class: 'more' }, el('td', { colspan: columns.length + 1 }, button));
    const showMore = () => {
      this.more?.disconnect();
      moreRow.remove();
      this.appendRows(body, rows, until, columns);
    };
    button.addEventListener('click', showMore);
    body.appendChild(moreRow);
    this.more = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && showMore());
    this.more.observe(moreRow);
  }
}

function sortable(value: unknown): number | string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return value;
  return valueText(value);
}

/** Numbers as numbers, text as text, empty cells last both ways. */
function compareCells(a: number | string | null, b: number | string | null, dir: 1 | -1): number {
  if (a === null || a === '' || b === null || b === '') return a === b ? 0 : a === null || a === '' ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return dir * (a - b);
  return dir * String(a).localeCompare(String(b), undefined, { numeric: true });
}
