/**
 * The sweep's charts as a user reads them: the tick labels of the rendered SVG (what the PNG shows
 * too), read back and compared with the values the tables print.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LeaderboardRow, Ranking } from '../../src/report/leaderboard.js';
import { renderVegaLite } from '../../src/charts/render.js';
import { LABEL_HALO, leaderboardBarSpec, paramSpec, parallelSpec } from '../../src/report/sweep-charts.js';
import { trialId, trialLabel } from '../../src/sweep/trial.js';
import { labelsOf } from './svg.js';

const RANKING: Ranking = { metric: 'test_accuracy', goal: 'maximize' };

/** Leaderboard rows, ranked in the order given; a score of null is a failed trial. */
function rows(trials: [values: Record<string, unknown>, score: number | null][]): LeaderboardRow[] {
  let rank = 0;
  return trials.map(([values, score]) => ({
    rank: score === null ? null : ++rank,
    number: null,
    trial_id: trialId(values),
    label: trialLabel(values),
    status: score === null ? 'failed' : 'completed',
    values,
    test_accuracy: score,
    test_loss: score === null ? null : 1 - score,
    val_accuracy: score,
    val_loss: score === null ? null : 1 - score,
    train_accuracy: score,
    train_loss: score === null ? null : 1 - score,
    best_epoch: 1,
    epochs_run: 1,
    params: 1000,
    duration_s: 10,
    backend: 'wasm',
    error: score === null ? 'ran longer than trial_timeout_s 3' : null,
    error_kind: score === null ? 'timeout' : null,
  }));
}

const texts = (labels: { text: string }[]) => labels.map((l) => l.text);

/** Relative luminance contrast against white, of a colour vega writes as #rrggbb or rgb(r, g, b). */
function contrastWithWhite(colour: string): number {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  const rgb = hex ? hex.slice(1).map((h) => parseInt(h, 16)) : /rgb\((\d+), ?(\d+), ?(\d+)\)/.exec(colour)!.slice(1).map(Number);
  const lin = rgb.map((c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
  const l = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  return 1.05 / (l + 0.05);
}

describe('sweep charts', () => {
  it('labels a numeric grid axis with the exact values, as the tables write them', async () => {
    const grid = { dropout: [0.15, 0.25, 0.35], learning_rate: [0.001, 0.003] };
    const r = rows([[{ dropout: 0.25, learning_rate: 0.003 }, 0.973], [{ dropout: 0.15, learning_rate: 0.001 }, 0.961], [{ dropout: 0.35, learning_rate: 0.001 }, 0.957]]);
    const dropout = (await renderVegaLite(paramSpec('dropout', r, RANKING, grid))).svg;
    assert.deepEqual(texts(labelsOf(dropout, 'X-axis')), ['0.15', '0.25', '0.35']);
    const lr = (await renderVegaLite(paramSpec('learning_rate', r, RANKING, grid))).svg;
    assert.deepEqual(texts(labelsOf(lr, 'X-axis')), ['0.001', '0.003']);
  });

  it('keeps the axes apart and readable when a trial failed: distinct x labels, y labels as the table prints them', async () => {
    const grid = { dropout: [0.15, 0.35] };
    const r = rows([[{ dropout: 0.15 }, 0.91], [{ dropout: 0.35 }, null]]);
    const { svg } = await renderVegaLite(paramSpec('dropout', r, RANKING, grid));
    const x = labelsOf(svg, 'X-axis');
    assert.deepEqual(texts(x), ['0.15', '0.35']);
    assert.ok(x[1].x - x[0].x > 100, `x labels ${JSON.stringify(x)} overlap`);
    const y = texts(labelsOf(svg, 'Y-axis'));
    assert.ok(y.length >= 2, `y labels ${y}`);
    for (const label of y) assert.match(label, /^0\.9\d{3}$/);
    assert.ok(y.includes('0.9100'), `y labels ${y}`);
  });

  it('zooms the leaderboard to the trials\' accuracies, never past 1, so that the ranking shows', async () => {
    const scores = [0.973, 0.971, 0.968, 0.966, 0.965, 0.963, 0.961, 0.957];
    const r = rows(scores.map((s, i) => [{ learning_rate: i + 1 }, s]));
    const { svg } = await renderVegaLite(leaderboardBarSpec(r, RANKING));
    const labels = labelsOf(svg, 'X-axis');
    const ticks = texts(labels).map(Number);
    assert.ok(ticks.length >= 3, `ticks ${ticks}`);
    for (let i = 1; i < labels.length; i++) assert.ok(labels[i].x - labels[i - 1].x >= 45, `x labels overlap: ${JSON.stringify(labels)}`);
    assert.ok(Math.min(...ticks) >= 0.94 && Math.max(...ticks) <= 0.99, `ticks ${ticks}`);
    // Dots, one a trial, each further left than the one ranked above it.
    const dots = [...svg.matchAll(/aria-roledescription="point" transform="translate\(([\d.]+),([\d.]+)\)"/g)].map((m) => Number(m[1]));
    assert.equal(dots.length, scores.length);
    for (let i = 1; i < dots.length; i++) assert.ok(dots[i] < dots[i - 1] - 5, `dots ${dots}`);
    // A perfect score: the axis stops at 1.
    const perfect = (await renderVegaLite(leaderboardBarSpec(rows([[{ learning_rate: 1 }, 1], [{ learning_rate: 2 }, 0.99]]), RANKING))).svg;
    assert.ok(Math.max(...texts(labelsOf(perfect, 'X-axis')).map(Number)) <= 1);
    // One trial (the others failed): a few labels around its value, none on top of another.
    const single = labelsOf((await renderVegaLite(leaderboardBarSpec(rows([[{ learning_rate: 1 }, 0.91], [{ learning_rate: 2 }, null]]), RANKING))).svg, 'X-axis');
    assert.ok(single.length >= 2, JSON.stringify(single));
    for (let i = 1; i < single.length; i++) assert.ok(single[i].x - single[i - 1].x >= 45, `x labels overlap: ${JSON.stringify(single)}`);
  });

  it('draws no line between categories: the mean of each optimizer is a mark of its own', async () => {
    const grid = { optimizer: ['Adam', 'SGD', 'RMSprop'] };
    const r = rows([[{ optimizer: 'RMSprop' }, 0.95], [{ optimizer: 'SGD' }, 0.93], [{ optimizer: 'Adam' }, 0.9]]);
    const categorical = (await renderVegaLite(paramSpec('optimizer', r, RANKING, grid))).svg;
    assert.doesNotMatch(categorical, /aria-roledescription="line mark"/);
    assert.deepEqual(texts(labelsOf(categorical, 'X-axis')), ['Adam', 'SGD', 'RMSprop']);
    const numeric = (await renderVegaLite(paramSpec('dropout', rows([[{ dropout: 0.4 }, 0.95], [{ dropout: 0.2 }, 0.93]]), RANKING, { dropout: [0.2, 0.4] }))).svg;
    assert.match(numeric, /aria-roledescription="line mark"/);
  });

  it('parallel coordinates: lists written as elsewhere, labels above the lines, every line visible on white', async () => {
    const grid = { filters: [[8, 16], [16, 32]], optimizer: ['Adam', 'SGD'] };
    const r = rows([
      [{ filters: [16, 32], optimizer: 'Adam' }, 0.973],
      [{ filters: [8, 16], optimizer: 'Adam' }, 0.966],
      [{ filters: [16, 32], optimizer: 'SGD' }, 0.961],
      [{ filters: [8, 16], optimizer: 'SGD' }, 0.9],
    ]);
    const { svg } = await renderVegaLite(parallelSpec(r, ['filters', 'optimizer'], RANKING, grid));
    const labels = [...svg.matchAll(/aria-roledescription="text mark"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    for (const text of ['16,32', '8,16', 'Adam', 'SGD', '0.9730', '0.9000']) assert.ok(labels.includes(text), `${text} in ${labels}`);
    // The labels' white outline is drawn after (over) the lines and is wide enough to cover the gaps between glyphs.
    const lastLine = svg.lastIndexOf('aria-roledescription="line mark"');
    const halo = new RegExp(`aria-roledescription="text mark"[^>]*stroke="white"[^>]*stroke-width="${LABEL_HALO}"`).exec(svg);
    assert.ok(halo && halo.index > lastLine, 'label outline over the lines');
    assert.ok(LABEL_HALO >= 8);
    const strokes = [...svg.matchAll(/aria-roledescription="line mark"[^>]*stroke="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(strokes.length, r.length);
    for (const s of strokes) assert.ok(contrastWithWhite(s) >= 3, `line colour ${s}: contrast ${contrastWithWhite(s).toFixed(2)} with white`);
  });
});
