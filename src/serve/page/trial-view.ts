/**
 * The trial page: its status and metrics, its settings as a diff against the sweep's base config,
 * its curves (live while it runs), confusion matrices, downloads (config.json, runnable by
 * `convsweep train` as it is, and the model's files) and its log. The compare page puts 2–4 trials
 * side by side.
 */
import type { SettingChange } from '../settings-diff.js';
import type { LiveTrial } from '../sweep-state.js';
import type { TrialDetail } from '../trial-detail.js';
import { CurvesChart } from './curves-chart.js';
import { append, clear, el, fileHref, markDrawn, statusBadge, sweepHref, trialHref } from './dom.js';
import { durationText, metricText, timeText, valueText } from './format.js';
import { follow } from './live.js';
import { SweepModel, type Change, type Snapshot } from './sweep-model.js';
import { notFound } from './sweep-view.js';

type Detail = TrialDetail & { trial: LiveTrial; baseKeys: string[] };

/** Training and validation on one chart. */
const PAIR = ['#4c78a8', '#f58518'];
/** Up to four compared trials. */
const COMPARED = [
  { name: 'blue', colour: '#4c78a8' },
  { name: 'orange', colour: '#f58518' },
  { name: 'red', colour: '#d62728' },
  { name: 'green', colour: '#2ca02c' },
];

const METRICS = ['test_accuracy', 'test_loss', 'val_accuracy', 'val_loss', 'train_accuracy', 'train_loss', 'best_epoch', 'epochs_run', 'params', 'duration_s'];

async function fetchDetail(key: string, id: string): Promise<Detail> {
  const response = await fetch(`/api/sweeps/${encodeURIComponent(key)}/trials/${encodeURIComponent(id)}`);
  if (!response.ok) throw new Error(`trial ${id}: ${response.status} ${(await response.json().catch(() => ({}))).error ?? ''}`);
  return response.json();
}

function crumbs(key: string, name: string, last: string): void {
  const box = document.getElementById('crumbs');
  if (!box) return;
  clear(box);
  box.append('›', el('a', { href: sweepHref(key) }, name), '›', el('span', {}, last));
}

function diffTable(diff: SettingChange[] | null): HTMLElement {
  if (diff === null) return el('p', { class: 'muted' }, 'No config.json: the trial failed before training.');
  if (diff.length === 0) return el('p', { class: 'muted' }, 'Same as the base config.');
  const show = (v: unknown) => (v === undefined ? '—' : JSON.stringify(v));
  return el('table', { class: 'data diff', id: 'settings-diff' }, el('thead', {}, el('tr', {}, el('th', {}, 'setting'), el('th', {}, 'base'), el('th', {}, 'this trial'))), el('tbody', {}, ...diff.map((d) => el('tr', { 'data-path': d.path }, el('td', {}, d.path), el('td', { class: 'base' }, show(d.base)), el('td', { class: 'trial' }, show(d.trial))))));
}

function logText(log: string): string {
  return log
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { time?: string; msg?: string; event?: string };
        return `${entry.time ?? ''}  ${entry.msg ?? entry.event ?? line}`;
      } catch {
        return line;
      }
    })
    .join('\n');
}

export function showTrial(app: HTMLElement, key: string, id: string): void {
  let model: SweepModel | undefined;
  let detail: Detail | undefined;
  const loss = new CurvesChart(el('div'), 240);
  const accuracy = new CurvesChart(el('div'), 240);
  let lastStatus = '';

  const drawCurves = () => {
    const trial = model?.trials.get(id) ?? detail?.trial;
    if (!trial) return;
    // Training and validation as two series of one chart each.
    const asSeries = (metric: 'loss' | 'accuracy'): LiveTrial[] => [
      { ...trial, id: `${trial.id}:train`, label: metric, prunedAt: null },
      { ...trial, id: `${trial.id}:val`, label: `val_${metric}`, history: trial.history.map((p) => ({ ...p, [metric]: p[`val_${metric}`] })) },
    ];
    loss.update(asSeries('loss'), 'loss', { title: 'loss (blue) and val_loss (orange)', colours: PAIR });
    accuracy.update(asSeries('accuracy'), 'accuracy', { title: 'accuracy (blue) and val_accuracy (orange)', colours: PAIR });
  };

  const draw = () => {
    if (!detail) return;
    const trial = model?.trials.get(id) ?? detail.trial;
    const sweepName = model?.header.name ?? key;
    document.title = `trial ${trial.number ?? ''} ${trial.label} · convsweep`;
    crumbs(key, sweepName, `trial #${trial.number ?? '?'}`);
    clear(app);
    const files = detail.files;
    const has = (path: string) => files.some((f) => f.path === path);
    const trialPath = `trials/${trial.id}`;
    const confusion = (['test', 'train'] as const).filter((s) => has(`${trialPath}/confusion-${s}.png`));
    append(app,
      el('h1', {}, `Trial #${trial.number ?? '?'} `, statusBadge(trial.status), ' ', el('span', { class: 'muted' }, trial.label)),
      el('p', { class: 'muted' }, `id ${trial.id}`, trial.startedAt ? ` · started ${timeText(trial.startedAt)}` : '', trial.endedAt && trial.startedAt ? ` · ran ${durationText((trial.endedAt - trial.startedAt) / 1000)}` : ''),
      trial.error ? el('p', { class: 'error', id: 'trial-error' }, `${trial.kind ?? 'failed'}: ${trial.error}`) : null,
      el('div', { class: 'controls', id: 'downloads' },
        has(`${trialPath}/config.json`) ? el('a', { href: fileHref(key, `${trialPath}/config.json`, true), download: 'config.json', id: 'download-config', title: 'runnable by convsweep train as it is' }, 'config.json') : null,
        ...files.filter((f) => f.path.startsWith(`${trialPath}/model/`)).map((f) => el('a', { href: fileHref(key, f.path, true), download: true, 'data-model-file': f.path }, f.path.slice(trialPath.length + 1))),
        has(`${trialPath}/history.csv`) ? el('a', { href: fileHref(key, `${trialPath}/history.csv`, true), download: true }, 'history.csv') : null,
        el('a', { href: `${sweepHref(key)}/compare?ids=${encodeURIComponent(trial.id)}` }, 'compare with…'),
      ),
      el('div', { class: 'grid2' },
        el('section', { class: 'panel' }, el('h2', {}, 'Settings against the base config'), diffTable(detail.diff), el('h2', {}, 'Sweep values'), el('table', { class: 'data', id: 'values' }, el('tbody', {}, ...Object.entries(trial.values ?? {}).map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, valueText(v))))))),
        el('section', { class: 'panel' }, el('h2', {}, 'Metrics'), el('table', { class: 'data', id: 'metrics' }, el('tbody', {}, ...METRICS.filter((m) => trial.metrics[m as keyof LiveTrial['metrics']] !== undefined && trial.metrics[m as keyof LiveTrial['metrics']] !== null).map((m) => el('tr', { 'data-metric': m }, el('td', {}, m), el('td', { class: 'num' }, m === 'duration_s' ? durationText(trial.metrics.duration_s) : metricText(m, trial.metrics[m as keyof LiveTrial['metrics']]))))))),
      ),
      el('div', { class: 'grid2' }, el('section', { class: 'panel', id: 'loss-chart' }), el('section', { class: 'panel', id: 'accuracy-chart' })),
      confusion.length > 0 ? el('section', { class: 'panel confusion' }, el('h2', {}, 'Confusion matrices'), el('div', { class: 'grid2' }, ...confusion.map((s) => el('img', { src: fileHref(key, `${trialPath}/confusion-${s}.png`), alt: `confusion matrix (${s})`, 'data-split': s })))) : null,
      el('section', { class: 'panel' }, el('h2', {}, 'Log (train.log)'), el('pre', { class: 'log', id: 'trial-log' }, detail.log ? logText(detail.log) : 'No log yet (a running trial writes it into its folder when it ends).')),
    );
    document.getElementById('loss-chart')!.append(loss.container);
    document.getElementById('accuracy-chart')!.append(accuracy.container);
    drawCurves();
    markDrawn();
  };

  void fetchDetail(key, id).then(
    (d) => {
      detail = d;
      lastStatus = d.trial.status;
      draw();
    },
    (err: Error) => {
      clear(app);
      app.append(el('p', { class: 'error' }, err.message));
      markDrawn();
    },
  );
  follow(`/api/sweeps/${encodeURIComponent(key)}/events`, {
    snapshot: (snapshot: Snapshot) => {
      model = new SweepModel(snapshot);
      draw();
    },
    changes: (changes: Change[]) => {
      if (!model) return;
      const touched = changes.some((c) => (c.type === 'trial' && c.trial.id === id) || (c.type === 'epoch' && c.id === id));
      model.apply(changes);
      if (!touched) return;
      const status = model.trials.get(id)?.status ?? '';
      // Its folder is written when it ends: the page reads its detail again then, and only then.
      if (status !== lastStatus) {
        lastStatus = status;
        void fetchDetail(key, id).then((d) => {
          detail = d;
          draw();
        });
      } else {
        drawCurves();
        markDrawn();
      }
    },
  }, () => notFound(app, key));
}

export function showCompare(app: HTMLElement, key: string, ids: string[]): void {
  crumbs(key, key, 'compare');
  if (ids.length < 2 || ids.length > 4) {
    clear(app);
    app.append(el('h1', {}, 'Compare trials'), el('p', {}, 'Pick 2 to 4 trials in the sweep page’s leaderboard (the boxes of its first column), then follow “compare picked trials”.'), el('a', { href: sweepHref(key) }, 'back to the sweep'));
    markDrawn();
    return;
  }
  const curves = new CurvesChart(el('div'), 280);
  void Promise.all(ids.map((id) => fetchDetail(key, id))).then(
    (details) => {
      clear(app);
      const trials = details.map((d) => d.trial);
      const keys = details[0].baseKeys;
      const paths = [...new Set(details.flatMap((d) => (d.diff ?? []).map((c) => c.path)))];
      const diffValue = (d: Detail, path: string) => {
        const change = d.diff?.find((c) => c.path === path);
        return change ? JSON.stringify(change.trial) : 'base';
      };
      const row = (name: string, cells: (Node | string)[], attrs: Record<string, string> = {}) => el('tr', attrs, el('th', {}, name), ...cells.map((c) => el('td', {}, c)));
      app.append(
        el('h1', {}, `Compare ${trials.length} trials`),
        el('table', { class: 'data', id: 'compare-table' },
          el('thead', {}, el('tr', {}, el('th', {}, ''), ...trials.map((t) => el('th', { 'data-trial': t.id }, el('a', { href: trialHref(key, t.id) }, `#${t.number ?? '?'} ${t.label}`))))),
          el('tbody', {},
            row('status', trials.map((t) => statusBadge(t.status))),
            ...keys.map((k) => row(k, trials.map((t) => valueText(t.values?.[k])), { 'data-key': k })),
            ...METRICS.map((m) => row(m, trials.map((t) => metricText(m, t.metrics[m as keyof LiveTrial['metrics']] ?? null)), { 'data-metric': m })),
            ...paths.map((p) => row(`config ${p}`, details.map((d) => diffValue(d, p)))),
          ),
        ),
        el('section', { class: 'panel', id: 'compare-curves' }, el('h2', {}, 'val_accuracy of each')),
      );
      document.getElementById('compare-curves')!.append(curves.container);
      curves.update(trials, 'val_accuracy', { title: trials.map((t, i) => `${COMPARED[i].name}: #${t.number}`).join(', '), colours: COMPARED.map((c) => c.colour) });
      markDrawn();
    },
    (err: Error) => {
      clear(app);
      app.append(el('p', { class: 'error' }, err.message));
      markDrawn();
    },
  );
}
