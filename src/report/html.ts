/**
 * report.html: one self-contained page (inline CSS, SVG and one small sorting script; no network,
 * opens from file://) answering which config won, by how much, and what each hyperparameter did.
 * Every string that comes from the user or from a trial (names, labels, values, error messages) goes
 * through escapeHtml.
 */
import { join } from 'node:path';
import { shellWord } from '../shell-word.js';
import type { RunMetrics } from '../train/metrics.js';
import { perClassAccuracy, topConfusions } from '../train/confusion.js';
import { METRIC_COLUMNS, valueText, type LeaderboardRow, type LeaderboardSummary, type Ranking } from './leaderboard.js';
import type { SweepInfo } from './read-trials.js';
import { formatMetric, metricTitle } from './metric-format.js';
import { meanText, REPLICATE_KEY, shippedText, type Configuration } from './replicates.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const e = (v: unknown) => escapeHtml(String(v));

/**
 * An SVG ready to inline: XML prolog dropped, every id prefixed (vega numbers its clip paths and
 * gradients from 1 in every chart, and ids are global to the page), scripts refused.
 */
export function inlineSvg(svg: string, prefix: string): string {
  let out = svg.replace(/^\s*<\?xml[^>]*\?>\s*/, '').replace(/<!DOCTYPE[^>]*>\s*/i, '');
  if (/<script\b|\son[a-z]+\s*=/i.test(out)) return `<p class="muted">(chart omitted: it contains script)</p>`;
  const ids = [...new Set([...out.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]))];
  for (const id of ids) {
    const quoted = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out
      .replace(new RegExp(`(\\sid=")${quoted}"`, 'g'), `$1${prefix}-${id}"`)
      .replace(new RegExp(`url\\(#${quoted}\\)`, 'g'), `url(#${prefix}-${id})`)
      .replace(new RegExp(`(href=")#${quoted}"`, 'g'), `$1#${prefix}-${id}"`);
  }
  return out;
}

/** `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export interface ReportChart {
  name: string;
  title: string;
  svg: string;
}

export interface BestTrialDetails {
  row: LeaderboardRow;
  metrics: RunMetrics;
  curvesSvg?: string;
  confusionTestSvg?: string;
  confusionTrainSvg?: string;
  /** The test confusion matrix (confusion-test.csv). */
  confusion?: { labels: string[]; matrix: number[][] };
}

export interface ReportPage {
  sweep: SweepInfo;
  ranking: Ranking;
  summary: LeaderboardSummary;
  charts: ReportChart[];
  best?: BestTrialDetails;
  /** metrics.json of every completed trial, by id (for the summary's dataset and timing lines). */
  metrics: Map<string, RunMetrics>;
  /** How long the sweep ran by the clock (sweep.log), when known. */
  wallSeconds?: number;
}

/** How many failed trials the summary names before pointing to the list at the end. */
const FAILURES_NAMED = 5;

const CSS = `
:root { --fg: #1d232a; --muted: #5b6570; --line: #d9dee3; --best: #fff3e0; --bad: #b3261e; --accent: #e45756; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif; color: var(--fg); margin: 0; background: #fafbfc; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 8px; }
p { margin: 6px 0; }
.muted { color: var(--muted); }
.headline { background: white; border: 1px solid var(--line); border-left: 6px solid var(--accent); border-radius: 6px; padding: 14px 18px; margin: 16px 0; }
.headline .big { font-size: 19px; font-weight: 600; }
.headline ul.failures { margin: 6px 0 0; padding-left: 20px; }
.headline ul.failures li, td.error { color: var(--bad); }
.note { background: #eef4fb; border: 1px solid #c9dcf0; border-radius: 6px; padding: 10px 14px; margin: 12px 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 12px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.scroll { overflow-x: auto; background: white; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; font-size: 13px; white-space: nowrap; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
thead th { background: #f1f3f5; position: sticky; top: 0; }
table.sortable thead th { cursor: pointer; user-select: none; }
table.sortable thead th:hover { background: #e4e8ec; }
table.sortable thead th[aria-sort=ascending]::after { content: " \\25B2"; font-size: 10px; }
table.sortable thead th[aria-sort=descending]::after { content: " \\25BC"; font-size: 10px; }
tr.best td { background: var(--best); font-weight: 600; }
tr.failed td, tr.unreadable td { color: var(--muted); }
td.error { white-space: normal; min-width: 240px; max-width: 520px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.pair > div { flex: 1 1 340px; max-width: 560px; }
figure { margin: 0; background: white; border: 1px solid var(--line); border-radius: 6px; padding: 8px; max-width: 100%; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
ul.confusions li { margin: 2px 0; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 13px; background: #f1f3f5; padding: 1px 4px; border-radius: 3px; }
`;

const SORT_SCRIPT = `
(function () {
  function key(cell) {
    var v = cell.getAttribute('data-v');
    if (v === null) v = cell.textContent;
    if (v === '') return null;
    var n = Number(v);
    return isNaN(n) ? v.toLowerCase() : n;
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.tabIndex = 0;
      function sort() {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
          var c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); sort(); } });
    });
  });
})();
`;

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function statusCounts(s: LeaderboardSummary): string {
  const parts = [`${s.trials.completed} completed`, ...(s.trials.pruned > 0 ? [`${s.trials.pruned} pruned`] : []), `${s.trials.failed} failed`];
  if (s.trials.unreadable > 0) parts.push(`${s.trials.unreadable} unreadable`);
  return `${parts.join(', ')} (${s.trials.total} trial${s.trials.total === 1 ? '' : 's'})`;
}

/** A trial's failure in words: `timeout: ran longer than trial_timeout_s 3`. */
function failureText(r: LeaderboardRow): string {
  return `${r.error_kind ?? r.status}: ${r.error ?? 'no message'}`;
}

/** Why trials failed, in the summary box where the eye already is (the table's error column is far to the right). */
function failureList(summary: LeaderboardSummary): string {
  const bad = summary.rows.filter((r) => r.status !== 'completed');
  if (bad.length === 0) return '';
  const items = bad.slice(0, FAILURES_NAMED).map((r) => `<li><code>${e(r.trial_id)}</code> ${e(r.label)} — ${e(failureText(r))}</li>`);
  const more = bad.length > FAILURES_NAMED ? `<p class="muted">…and ${bad.length - FAILURES_NAMED} more, listed under <a href="#failures">Failed and unreadable trials</a>.</p>` : '';
  return `<p>${e(statusCounts(summary))}; ${bad.length === 1 ? 'the one that did not complete' : `the ${bad.length} that did not`}:</p><ul class="failures">${items.join('')}</ul>${more}`;
}

/** Seeds as replicates: the winner is a configuration, told with its mean and spread over seeds. */
function configurationHeadline(page: ReportPage, configurations: Configuration[]): string {
  const metric = page.ranking.metric;
  const [winner, second] = configurations;
  const lines: string[] = [`<p class="big">Best configuration: ${e(winner.label)} — ${e(metricTitle(metric))} ${e(meanText(winner, metric))}</p>`];
  if (second && winner.mean !== null && second.mean !== null) {
    const diff = Math.abs(winner.mean - second.mean);
    const spread = Math.max(winner.sd ?? 0, second.sd ?? 0);
    const better = page.ranking.goal === 'maximize' ? 'higher' : 'lower';
    const told = spread > 0 && diff < spread ? ' The difference is smaller than the spread between seeds: these replicates do not tell the two apart.' : '';
    lines.push(`<p>Mean ${e(formatMetric(metric, diff))} ${better} than the runner-up, ${e(second.label)} (${e(meanText(second, metric))}).${told}</p>`);
  }
  lines.push(`<p class="muted">Seeds are replicates here: configurations are ranked by their mean over seeds (<a href="configurations.csv">configurations.csv</a>). <a href="best/">best/</a> holds ${e(shippedText(winner))}; config in <a href="best/config.json">best/config.json</a>.</p>`);
  const failures = failureList(page.summary);
  if (failures) lines.push(failures);
  return `<div class="headline">${lines.join('\n')}</div>`;
}

function configurationsTable(page: ReportPage): string {
  const configurations = page.summary.configurations;
  if (!configurations) return '';
  const metric = page.ranking.metric;
  const rows = configurations.map(
    (c) =>
      `<tr${c.rank === 1 ? ' class="best"' : ''}><td class="num">${c.rank}</td><td>${e(c.label)}</td><td class="num">${c.n}</td><td class="num" data-v="${c.mean ?? ''}">${e(formatMetric(metric, c.mean))}</td><td class="num" data-v="${c.sd ?? ''}">${e(formatMetric(metric, c.sd))}</td><td>${e(c.seeds.map(valueText).join(', '))}</td></tr>`,
  );
  return `<h2>Configurations</h2>
<div class="scroll"><table class="sortable" id="configurations"><thead><tr><th class="num">rank</th><th>configuration</th><th class="num">seeds</th><th class="num">mean ${e(metricTitle(metric))}</th><th class="num">sd</th><th>seed values</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>
<p class="muted">Each configuration's completed trials, one a seed: the mean and sample standard deviation of ${e(metricTitle(metric))}. The leaderboard below lists every trial.</p>`;
}

/** The leaderboard row the report names best (with replicates, the winning configuration's representative). */
function bestRowOf(summary: LeaderboardSummary): LeaderboardRow | undefined {
  return summary.best_trial_id === null ? undefined : summary.rows.find((r) => r.trial_id === summary.best_trial_id);
}

function headline(page: ReportPage): string {
  const { ranking, summary } = page;
  if (summary.configurations) return configurationHeadline(page, summary.configurations);
  const metric = ranking.metric;
  const ranked = summary.rows.filter((r) => r.rank !== null);
  const best = ranked[0];
  const failures = failureList(summary);
  if (!best) return `<div class="headline"><p class="big">No trial completed yet.</p>${failures || `<p>${e(statusCounts(summary))}</p>`}</div>`;
  const value = best[metric];
  const lines: string[] = [];
  lines.push(`<p class="big">Best: ${e(best.label)} — ${e(metricTitle(metric))} ${e(formatMetric(metric, value))}</p>`);
  const second = ranked[1];
  if (second && value !== null && second[metric] !== null) {
    const diff = value - (second[metric] as number);
    const better = ranking.goal === 'maximize' ? 'higher' : 'lower';
    lines.push(
      `<p>${diff === 0 ? 'Tied on' : `${e(formatMetric(metric, Math.abs(diff)))} ${better} in`} ${e(metricTitle(metric))} than the runner-up, ${e(second.label)} (${e(formatMetric(metric, second[metric]))})${diff === 0 ? '; ranked first by the tie-breaks (lower test loss, then fewer parameters, then trial id)' : ''}.</p>`,
    );
  }
  const scores = ranked.map((r) => r[metric]).filter((v): v is number => v !== null);
  if (scores.length > 1) {
    lines.push(`<p class="muted">Across ${scores.length} completed trials ${e(metricTitle(metric))} ranges from ${e(formatMetric(metric, Math.min(...scores)))} to ${e(formatMetric(metric, Math.max(...scores)))}. Trial <code>${e(best.trial_id)}</code>; config in <a href="best/config.json">best/config.json</a>.</p>`);
  } else {
    lines.push(`<p class="muted">Trial <code>${e(best.trial_id)}</code>; config in <a href="best/config.json">best/config.json</a>.</p>`);
  }
  if (failures) lines.push(failures);
  return `<div class="headline">${lines.join('\n')}</div>`;
}

function selectionNote(page: ReportPage): string {
  const { metric } = page.ranking;
  const best = bestRowOf(page.summary);
  if (metric.startsWith('test_')) {
    return `<div class="note">Ranked by ${e(metricTitle(metric))}: the winner was chosen <em>on the test set</em>, so its test score is optimistic (the selection has seen the test data). For an honest estimate rank by validation accuracy: <code>convsweep report ${e(shellWord(page.sweep.dir))} --rank-by val_accuracy</code>; the test accuracy of the trial chosen that way is the estimate to quote.</div>`;
  }
  if (metric.startsWith('val_') && best && best.test_accuracy !== null) {
    return `<div class="note">Ranked by ${e(metricTitle(metric))}, so the test set took no part in choosing: the winner's test accuracy, <strong>${e(formatMetric('test_accuracy', best.test_accuracy))}</strong>, is an honest estimate of how it does on unseen data.</div>`;
  }
  return '';
}

function facts(page: ReportPage): string {
  const { sweep, summary, ranking } = page;
  const completed = summary.rows.filter((r) => r.status === 'completed');
  const metrics = completed.map((r) => page.metrics.get(r.trial_id)).filter((m): m is RunMetrics => m !== undefined);
  const durations = completed.map((r) => r.duration_s).filter((d): d is number => d !== null);
  const total = durations.reduce((a, b) => a + b, 0);
  const items: [string, string][] = [];
  items.push(['Trials', e(statusCounts(summary))]);
  items.push(['Ranked by', `${e(metricTitle(ranking.metric))} (${ranking.goal === 'maximize' ? 'higher' : 'lower'} is better)`]);
  items.push(['Grid', sweep.gridKeys.map((k) => `<code>${e(k)}</code>`).join(', ')]);
  if (page.wallSeconds !== undefined) items.push(['Wall time', `${e(formatDuration(page.wallSeconds))}, from the start of the sweep to its end (sweep.log)`]);
  if (durations.length > 0) {
    // The trials' own durations: added up they exceed the wall time when trials ran side by side.
    items.push(['Trial time', `${e(formatDuration(total))} added up over ${durations.length} completed trial${durations.length === 1 ? '' : 's'}; per trial ${e(formatDuration(total / durations.length))} on average (${e(formatDuration(Math.min(...durations)))} – ${e(formatDuration(Math.max(...durations)))})`]);
  }
  const backends = distinct(metrics.map((m) => m.backend)).filter(Boolean);
  if (backends.length > 0) items.push(['Backend', backends.map((b) => e(b)).join(', ')]);
  const datasets = distinct(metrics.map((m) => String(m.dataset))).filter((d) => d !== 'undefined');
  if (datasets.length > 0) {
    const sizes = distinct(metrics.map((m) => `${m.train_examples} train, ${m.val_examples} validation, ${m.test_examples} test examples`));
    items.push(['Dataset', `${datasets.map((d) => e(d)).join(', ')}${sizes.length === 1 ? ` (${e(sizes[0])})` : ''}`]);
  }
  const epochs = distinct(metrics.map((m) => m.epochs_run)).sort((a, b) => a - b);
  if (epochs.length > 0) items.push(['Epochs run', e(epochs.length === 1 ? String(epochs[0]) : `${epochs[0]}–${epochs[epochs.length - 1]}`)]);
  const versions = distinct(metrics.map((m) => m.tfjs_version)).filter(Boolean);
  if (versions.length > 0) items.push(['tfjs', versions.map((v) => e(v)).join(', ')]);
  items.push(['Files', `<a href="leaderboard.csv">leaderboard.csv</a>, <a href="leaderboard.json">leaderboard.json</a>, ${summary.configurations ? '<a href="configurations.csv">configurations.csv</a>, ' : ''}<a href="charts/">charts/</a>, <a href="best/">best/</a>`]);
  return `<dl class="facts">${items.map(([k, v]) => `<dt>${e(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function leaderboardTable(page: ReportPage): string {
  const { summary, sweep } = page;
  const metric = page.ranking.metric;
  // Beside the status, where a failed row is read, and only when some trial has an error.
  const withErrors = summary.rows.some((r) => r.error !== null);
  const head = [
    '<th class="num">rank</th>',
    '<th>trial_id</th>',
    '<th>status</th>',
    ...(withErrors ? ['<th>error</th>'] : []),
    ...sweep.gridKeys.map((k) => `<th>${e(k)}</th>`),
    ...METRIC_COLUMNS.map((c) => `<th class="num"${c === metric ? ' title="ranking metric"' : ''}>${c === metric ? `<strong>${e(c)}</strong>` : e(c)}</th>`),
    '<th>backend</th>',
  ];
  const body = summary.rows.map((r) => {
    const cls = r.trial_id === summary.best_trial_id ? 'best' : r.status;
    const cells = [
      `<td class="num">${r.rank ?? ''}</td>`,
      `<td><code>${e(r.trial_id)}</code></td>`,
      `<td>${e(r.status)}${r.error_kind ? ` (${e(r.error_kind)})` : ''}</td>`,
      ...(withErrors ? [`<td class="error">${e(r.error ?? '')}</td>`] : []),
      ...sweep.gridKeys.map((k) => {
        const has = r.values !== null && Object.hasOwn(r.values, k);
        const text = has ? valueText(r.values![k]) : '';
        return `<td>${e(text)}</td>`;
      }),
      ...METRIC_COLUMNS.map((c) => `<td class="num" data-v="${r[c] ?? ''}">${e(formatMetric(c, r[c]))}</td>`),
      `<td>${e(r.backend ?? '')}</td>`,
    ];
    return `<tr class="${cls}" data-trial="${e(r.trial_id)}">${cells.join('')}</tr>`;
  });
  return `<div class="scroll"><table class="sortable" id="leaderboard"><thead><tr>${head.join('')}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table></div>
<p class="muted">Click a column header to sort. Failed and unreadable trials have no rank and come last.</p>`;
}

/** Per grid key: how many completed trials each value had, their mean and best metric. */
function effectsTable(page: ReportPage): string {
  const { ranking, sweep, summary } = page;
  const metric = ranking.metric;
  const scored = summary.rows.filter((r) => r.status === 'completed' && r[metric] !== null && r.values);
  if (scored.length === 0) return '';
  const better = (a: number, b: number) => (ranking.goal === 'maximize' ? Math.max(a, b) : Math.min(a, b));
  // Seeds as replicates are no setting with an effect: the configurations table averages over them.
  const keys = summary.configurations ? sweep.gridKeys.filter((k) => k !== REPLICATE_KEY) : sweep.gridKeys;
  const blocks = keys.map((key) => {
    const groups = new Map<string, number[]>();
    for (const r of scored) {
      if (!Object.hasOwn(r.values!, key)) continue;
      const text = valueText(r.values![key]);
      groups.set(text, [...(groups.get(text) ?? []), r[metric] as number]);
    }
    const stats = [...groups.entries()].map(([text, vs]) => ({ text, n: vs.length, mean: vs.reduce((a, b) => a + b, 0) / vs.length, best: vs.reduce(better) }));
    const bestMean = stats.map((s) => s.mean).reduce(better);
    const rows = stats
      .map((s) => `<tr${s.mean === bestMean ? ' class="best"' : ''}><td>${e(key)}</td><td>${e(s.text)}</td><td class="num">${s.n}</td><td class="num">${e(formatMetric(metric, s.mean))}</td><td class="num">${e(formatMetric(metric, s.best))}</td></tr>`)
      .join('');
    return rows;
  });
  return `<div class="scroll"><table><thead><tr><th>parameter</th><th>value</th><th class="num">trials</th><th class="num">mean ${e(metricTitle(metric))}</th><th class="num">best ${e(metricTitle(metric))}</th></tr></thead><tbody>${blocks.join('')}</tbody></table></div>
<p class="muted">Highlighted: the value with the best mean, over every completed trial that used it (so the other parameters are averaged over).</p>`;
}

function chartsSection(charts: ReportChart[]): string {
  return `<div class="charts">${charts
    .map((c) => `<figure id="chart-${e(c.name)}">${inlineSvg(c.svg, `chart-${c.name}`)}<figcaption>${e(c.title)} — <a href="charts/${e(c.name)}.svg">SVG</a>, <a href="charts/${e(c.name)}.png">PNG</a></figcaption></figure>`)
    .join('\n')}</div>`;
}

/** How the search went: the optimization history and every trial's epochs, pruned ones marked. */
function searchSection(charts: ReportChart[]): string {
  const shown = charts.filter((c) => c.name.startsWith('search-history') || c.name === 'epoch-curves');
  return shown.length === 0 ? '' : `<h2>How the search went</h2>\n${chartsSection(shown)}`;
}

function failuresSection(page: ReportPage): string {
  const bad = page.summary.rows.filter((r) => r.status === 'failed' || r.status === 'unreadable');
  if (bad.length === 0) return '';
  const items = bad.map((r) => `<li><code>${e(r.trial_id)}</code> ${e(r.label)} — <strong>${e(r.status)}${r.error_kind ? ` (${e(r.error_kind)})` : ''}</strong>: <span class="error">${e(r.error ?? '')}</span></li>`);
  return `<h2 id="failures">Failed and unreadable trials</h2><ul>${items.join('\n')}</ul>`;
}

function bestSection(best: BestTrialDetails | undefined, sweepDir: string, configuration: Configuration | undefined): string {
  if (!best) return '';
  const { row, metrics } = best;
  const parts: string[] = [];
  parts.push(configuration ? `<h2>Best configuration: ${e(configuration.label)}, the replicate nearest its mean</h2>` : `<h2>Best trial: ${e(row.label)}</h2>`);
  parts.push(
    `<p>Trial <code>${e(row.trial_id)}</code>: test accuracy ${e(formatMetric('test_accuracy', row.test_accuracy))}, test loss ${e(formatMetric('test_loss', row.test_loss))}, validation accuracy ${e(formatMetric('val_accuracy', row.val_accuracy) || '–')}, ${e(formatMetric('params', row.params))} parameters, best epoch ${e(row.best_epoch ?? '–')} of ${e(row.epochs_run ?? '–')}${metrics.stopped_early ? ' (stopped early)' : ''}, ${e(formatDuration(row.duration_s ?? Number.NaN))}. Reproduce it with <code>convsweep train ${e(shellWord(join(sweepDir, 'best', 'config.json')))}</code>.</p>`,
  );
  const figures: string[] = [];
  if (best.curvesSvg) figures.push(`<figure>${inlineSvg(best.curvesSvg, 'best-curves')}<figcaption>Loss and accuracy per epoch</figcaption></figure>`);
  if (best.confusionTestSvg) figures.push(`<figure>${inlineSvg(best.confusionTestSvg, 'best-cm-test')}<figcaption>Confusion matrix, test set</figcaption></figure>`);
  if (best.confusionTrainSvg) figures.push(`<figure>${inlineSvg(best.confusionTrainSvg, 'best-cm-train')}<figcaption>Confusion matrix, training set</figcaption></figure>`);
  if (figures.length > 0) parts.push(`<div class="charts">${figures.join('\n')}</div>`);
  if (best.confusion) parts.push(confusionText(best.confusion));
  return parts.join('\n');
}

function confusionText({ labels, matrix }: { labels: string[]; matrix: number[][] }): string {
  const accuracy = perClassAccuracy(matrix);
  const rows = labels.map((label, i) => {
    const total = matrix[i].reduce((a, b) => a + b, 0);
    let mistakenFor = '';
    let most = 0;
    matrix[i].forEach((c, p) => {
      if (p !== i && c > most) {
        most = c;
        mistakenFor = `${labels[p]} (${c}×)`;
      }
    });
    const acc = accuracy[i];
    return `<tr><td>${e(label)}</td><td class="num" data-v="${Number.isFinite(acc) ? acc : ''}">${Number.isFinite(acc) ? e((acc * 100).toFixed(1)) + '%' : '–'}</td><td class="num">${total}</td><td>${e(mistakenFor || '–')}</td></tr>`;
  });
  const top = topConfusions(matrix, labels, 8);
  const sentences = top.map((c) => `<li>${e(c.true)} predicted as ${e(c.predicted)}: ${c.count} time${c.count === 1 ? '' : 's'}</li>`);
  return `<div class="charts pair"><div>
<h3>Per-class accuracy (test set)</h3>
<div class="scroll"><table class="sortable"><thead><tr><th>class</th><th class="num">accuracy</th><th class="num">examples</th><th>most often predicted as</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>
</div><div>
<h3>Top confusions (test set)</h3>
${sentences.length > 0 ? `<ul class="confusions">${sentences.join('\n')}</ul>` : '<p>No test example was misclassified.</p>'}
<p class="muted">A large off-diagonal count names two classes this model mixes up. (For comparison, and not from this sweep: in the paper's Fig. 5, 5 was predicted as 3 in 13 cases.)</p>
</div></div>`;
}

export function reportHtml(page: ReportPage): string {
  const { sweep } = page;
  const title = `Sweep ${sweep.name}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${e(title)}</h1>
${sweep.description ? `<p class="muted">${e(sweep.description)}</p>` : ''}
${headline(page)}
${selectionNote(page)}
${facts(page)}
${configurationsTable(page)}
<h2>Leaderboard</h2>
${leaderboardTable(page)}
${chartsSection(page.charts.filter((c) => c.name === 'leaderboard'))}
<h2>What the hyperparameters did</h2>
${effectsTable(page)}
${chartsSection(page.charts.filter((c) => c.name.startsWith('param-') || c.name.startsWith('value-') || c.name === 'parallel-coordinates' || c.name === 'importance'))}
${searchSection(page.charts)}
<h2>Training curves of the top trials</h2>
${chartsSection(page.charts.filter((c) => c.name === 'top-curves'))}
${bestSection(page.best, sweep.dir, page.summary.configurations?.[0])}
${failuresSection(page)}
</main>
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}
