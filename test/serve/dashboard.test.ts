/**
 * A finished sweep in a real browser: the sweep list's row, the sweep page's leaderboard (rows,
 * statuses, sorting, the status filter, top-N, the parallel-coordinates brush), its charts drawn
 * with one uPlot series a trial, the trial page's settings diff and downloads, and the compare page.
 * Every request stays on the dashboard's origin and the page logs no error; a screenshot is kept.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { startDashboard, type Dashboard } from '../../src/serve/server.js';
import { tempDir } from '../helpers.js';
import { assertCleanPage, keepScreenshot, launch, openPage, skipBrowser, waitDrawn, type WatchedPage } from './browser.js';
import { planTrials, writeFinishedSweep, type PlannedTrial } from './dashboard-fixture.js';

const TRIALS = 40;
const EPOCHS = 6;

describe('a finished sweep in the dashboard', { skip: skipBrowser }, () => {
  let dir: string;
  let trials: PlannedTrial[];
  let dashboard: Dashboard;
  let browser: Browser;
  let watched: WatchedPage;

  before(async () => {
    dir = await tempDir('convsweep-dashboard-');
    trials = planTrials(TRIALS, EPOCHS);
    await writeFinishedSweep(join(dir, 'results', 'fixture'), trials);
    dashboard = await startDashboard({ dir: join(dir, 'results') });
    browser = await launch();
    watched = await openPage(browser);
  });
  after(async () => {
    await browser?.close();
    await dashboard?.close();
  });

  const count = (o: string) => trials.filter((t) => t.outcome === o).length;

  it('lists the sweep with its method, pruner, status, counts and best value', async () => {
    const { page } = watched;
    await page.goto(dashboard.url);
    await waitDrawn(page);
    const row = page.locator('#sweeps tr[data-sweep="fixture"]');
    assert.equal(await row.getAttribute('data-phase'), 'finished');
    const cells = await row.locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 9), ['dashboard-fixture', 'random', 'asha', 'finished', String(count('completed')), String(count('pruned')), String(count('failed')), '0', '0']);
    const best = Math.max(...trials.filter((t) => t.outcome === 'completed').map((t) => t.history.at(-1)!.val_accuracy! - 0.002));
    assert.equal(cells[9], `${best.toFixed(4)} test_accuracy`);
    // A sweep started under the folder after the page opened shows up by itself.
    await writeFinishedSweep(join(dir, 'results', 'later'), planTrials(2, 2));
    await page.waitForSelector('#sweeps tr[data-sweep="later"]', { timeout: 5000 });
  });

  it('shows the leaderboard in rank order, sorts on a header click, filters by status, top N and brush', async () => {
    const { page } = watched;
    await page.click('#sweeps tr[data-sweep="fixture"] a');
    await waitDrawn(page);
    const rows = page.locator('#leaderboard tbody tr');
    assert.equal(await rows.count(), TRIALS);
    assert.equal(await page.locator('#counts').innerText(), `${TRIALS} of ${TRIALS} trials finished: ${count('completed')} completed, ${count('pruned')} pruned, ${count('failed')} failed, 0 running, 0 queued`);
    const statuses = await page.locator('#leaderboard tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')));
    assert.deepEqual(statuses, [...Array(count('completed')).fill('completed'), ...Array(count('pruned')).fill('pruned'), ...Array(count('failed')).fill('failed')]);
    const accuracies = async () => (await page.locator('#leaderboard tbody td[data-column="test_accuracy"]').allInnerTexts()).map(Number);
    const ranked = (await accuracies()).slice(0, count('completed'));
    assert.deepEqual(ranked, [...ranked].sort((a, b) => b - a), 'completed trials best first');
    assert.equal(await page.locator('#leaderboard tbody tr').first().locator('td[data-column="rank"]').innerText(), '1');

    // Sorting by trial number, then the other way.
    await page.click('#leaderboard th[data-column="number"]');
    const numbers = async () => (await page.locator('#leaderboard tbody td[data-column="number"]').allInnerTexts()).map(Number);
    assert.deepEqual(await numbers(), trials.map((t) => t.number));
    await page.click('#leaderboard th[data-column="number"]');
    assert.deepEqual(await numbers(), trials.map((t) => t.number).reverse());

    // Status filter: only the failed ones, with their error.
    for (const s of ['completed', 'pruned']) await page.uncheck(`input[data-filter-status="${s}"]`);
    await page.waitForFunction((n) => document.querySelectorAll('#leaderboard tbody tr').length === n, count('failed'));
    assert.deepEqual(await page.locator('#leaderboard tbody td[data-column="error"]').allInnerTexts(), Array(count('failed')).fill('loss became NaN at epoch 1'));
    for (const s of ['completed', 'pruned']) await page.check(`input[data-filter-status="${s}"]`);

    // Top 5 (by the sweep's metric).
    await page.fill('#top-n', '5');
    await page.waitForFunction(() => document.querySelectorAll('#leaderboard tbody tr').length === 5);
    await page.fill('#top-n', '');
    await page.waitForFunction((n) => document.querySelectorAll('#leaderboard tbody tr').length === n, TRIALS);

    // Brushing the top of the last axis (the metric) keeps the best trials only.
    const canvas = page.locator('#pcoords');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const x = box.x + box.width - 60;
    await page.mouse.move(x, box.y + 26);
    await page.mouse.down();
    await page.mouse.move(x, box.y + 26 + (box.height - 56) * 0.3, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction((n) => document.querySelectorAll('#leaderboard tbody tr').length < n, TRIALS);
    const brushed = await accuracies();
    assert.ok(brushed.length > 0, 'some trials inside the brush');
    const all = trials.filter((t) => t.outcome !== 'failed').map((t) => t.history.at(-1)!.val_accuracy! - 0.002);
    const lo = Math.min(...all);
    const hi = Math.max(...all);
    for (const v of brushed) assert.ok(v >= lo + 0.65 * (hi - lo), `${v} is in the top 30% of [${lo}, ${hi}]`);
    await page.click('#clear-brush');
    await page.waitForFunction((n) => document.querySelectorAll('#leaderboard tbody tr').length === n, TRIALS);
  });

  it('draws the curves (one series a trial), the optimization history and the importance bars', async () => {
    const { page } = watched;
    assert.equal(await page.locator('#curves').getAttribute('data-series'), String(TRIALS - count('failed')));
    // uPlot: its series plus the x series, and a canvas drawn.
    const canvases = await page.locator('#curves .uplot').evaluate((node) => node.querySelectorAll('canvas').length);
    assert.equal(canvases, 1, "one uPlot canvas for every curve");
    assert.equal(await page.locator('#history').getAttribute('data-points'), String(TRIALS - count('failed')));
    assert.equal(await page.locator('#history .u-legend .u-series').count(), 4, 'trial, completed, pruned, best so far');
    const painted = await page.locator('#curves canvas').evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && !(data[i] > 240 && data[i + 1] > 240 && data[i + 2] > 240)) coloured++;
      return coloured;
    });
    assert.ok(painted > 2000, `the curves canvas has ${painted} painted pixels`);
    assert.equal(await page.locator('#importance .bar').count(), 3);
    assert.equal(await page.locator('#failed tr').count(), count('failed'));
    await page.selectOption('#curve-metric', 'val_loss');
    await page.waitForFunction(() => document.querySelector('#curves')?.getAttribute('data-metric') === 'val_loss');
    await keepScreenshot(page, dir, 'sweep-page.png');
  });

  it('shows a trial: its settings as a diff against the base config, metrics, downloads', async () => {
    const { page } = watched;
    const trial = trials.find((t) => t.outcome === 'completed')!;
    await page.goto(`${dashboard.origin}/sweep/fixture/trial/${trial.id}`);
    await page.waitForSelector('#settings-diff');
    const lr = page.locator('#settings-diff tr[data-path="learning_rate"] td');
    assert.deepEqual(await lr.allInnerTexts(), ['learning_rate', '0.01', String(trial.values.learning_rate)]);
    assert.equal(await page.locator('#metrics tr[data-metric="epochs_run"] td.num').innerText(), String(EPOCHS));
    const href = (await page.locator('#download-config').getAttribute('href'))!;
    const config = await (await page.request.get(`${dashboard.origin}${href}`)).json();
    assert.equal(config.learning_rate, trial.values.learning_rate);
    assert.equal(await page.locator('#loss-chart .uplot').count(), 1);
  });

  it('compares trials side by side, and offers the leaderboard as CSV and JSON', async () => {
    const { page } = watched;
    await page.goto(`${dashboard.origin}/sweep/fixture`);
    await waitDrawn(page);
    const boxes = page.locator('#leaderboard tbody input[type=checkbox]');
    for (const i of [0, 1, 2]) await boxes.nth(i).check();
    await page.click('#compare');
    await page.waitForSelector('#compare-table');
    assert.equal(await page.locator('#compare-table thead th[data-trial]').count(), 3);
    assert.equal(await page.locator('#compare-curves').getAttribute('class'), 'panel');
    assert.equal(await page.locator('#compare-curves [data-series]').getAttribute('data-series'), '3');
    const csv = await (await page.request.get(`${dashboard.origin}/api/sweeps/fixture/leaderboard.csv`)).text();
    assert.equal(csv.trim().split('\n').length, 1 + TRIALS);
    assert.match(csv.split('\n')[0], /^rank,number,trial_id,status,learning_rate,dropout,batch_size,test_accuracy/);
    const json = await (await page.request.get(`${dashboard.origin}/api/sweeps/fixture/leaderboard.json`)).json();
    assert.equal(json.trials.completed, count('completed'));
    assertCleanPage(watched, dashboard.origin);
  });

  it('says so for a sweep that is not served', async () => {
    const { page } = await openPage(browser);
    await page.goto(`${dashboard.origin}/sweep/nope`);
    await waitDrawn(page);
    assert.match(await page.locator('#not-found').innerText(), /^No sweep named “nope” is served here/);
  });
});
