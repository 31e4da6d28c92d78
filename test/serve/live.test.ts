/**
 * Following a sweep live. The log tail on its own (lines whole and once, a partial last line, a file
 * that appears late, a file made anew); then a page opened on a sweep that has not started, while
 * this test writes its sweep.log (through the sweep's logger, with run-sweep's fields) and its trial
 * folders step by step as a run does: each step shows on the open page within a second, without a
 * reload, until the sweep ends. A page opened mid-sweep catches up from its snapshot.
 */
import assert from 'node:assert/strict';
import { appendFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { LogTail } from '../../src/serve/log-tail.js';
import { startDashboard, type Dashboard } from '../../src/serve/server.js';
import { tempDir } from '../helpers.js';
import { assertCleanPage, keepScreenshot, launch, openPage, skipBrowser, waitDrawn, type WatchedPage } from './browser.js';
import { FAILURE_MESSAGE, planTrials, SweepLogWriter, writeSweepFile, writeTrialFolder, type PlannedTrial } from './dashboard-fixture.js';

/** What the brief promises: an epoch on the page within a second of its line. */
const WITHIN_MS = 1000;

describe('the log tail', () => {
  it('delivers whole lines once, waits for a partial one, sees a file that appears late and one made anew', async () => {
    const dir = await tempDir('convsweep-tail-');
    const path = join(dir, 'sweep.log');
    const seen: string[] = [];
    let resets = 0;
    let wake: () => void = () => undefined;
    const tail = new LogTail(path, { onLines: (lines) => (seen.push(...lines), wake()), onReset: () => resets++, checkEveryMs: 50 });
    const next = (n: number) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`waited for ${n} lines, have ${seen.length}: ${JSON.stringify(seen)}`)), 3000);
      wake = () => seen.length >= n && (clearTimeout(timer), resolve());
      wake();
    });
    await tail.start();
    try {
      assert.deepEqual(seen, [], 'no file yet');
      await writeFile(path, '{"a":1}\n{"b":');
      await next(1);
      await appendFile(path, '2}\n{"c":"é');
      await next(2);
      await appendFile(path, '"}\n');
      await next(3);
      assert.deepEqual(seen, ['{"a":1}', '{"b":2}', '{"c":"é"}']);
      await rm(path);
      await writeFile(path, '{"d":4}\n');
      await next(4);
      assert.equal(seen[3], '{"d":4}');
      assert.equal(resets, 1);
    } finally {
      await tail.close();
    }
  });
});

describe('a live sweep in the dashboard', { skip: skipBrowser }, () => {
  let dir: string;
  let sweepDir: string;
  let trials: PlannedTrial[];
  let dashboard: Dashboard;
  let browser: Browser;
  let watched: WatchedPage;
  let log: SweepLogWriter;

  before(async () => {
    dir = await tempDir('convsweep-live-');
    sweepDir = join(dir, 'live');
    // Five trials of three epochs: completed, completed, pruned after one, failed, completed.
    trials = planTrials(5, 3).map((t, i) => ({ ...t, outcome: (['completed', 'completed', 'pruned', 'failed', 'completed'] as const)[i], history: i === 2 ? t.history.slice(0, 1) : i === 3 ? [] : t.history }));
    await writeSweepFile(sweepDir, trials);
    dashboard = await startDashboard({ dir: sweepDir });
    browser = await launch();
    watched = await openPage(browser);
  });
  after(async () => {
    log?.close();
    await browser?.close();
    await dashboard?.close();
  });

  /**
   * Runs `step`, then waits until the page's element `selector` has `attribute` (or its text, when
   * attribute is null) equal to `expected`; fails after a second. A function, not a string: the
   * page's content security policy forbids evaluating strings.
   */
  async function shows(page: Page, step: () => unknown, selector: string, attribute: string | null, expected: string): Promise<number> {
    const t0 = performance.now();
    await step();
    await page.waitForFunction(
      ([sel, attr, want]) => {
        const node = document.querySelector(sel!);
        return (attr === null ? node?.textContent : node?.getAttribute(attr)) === want;
      },
      [selector, attribute, expected] as const,
      { timeout: WITHIN_MS, polling: 'raf' },
    );
    return performance.now() - t0;
  }

  const rowOf = (id: string) => `#leaderboard tr[data-trial="${id}"]`;

  it('follows the sweep from before its start to its end, each step within a second, without a reload', async () => {
    const { page } = watched;
    await page.goto(`${dashboard.origin}/sweep/live`);
    await waitDrawn(page);
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    assert.equal(await page.locator('#phase').innerText(), 'not started');
    assert.equal(await page.locator('#leaderboard tbody tr[data-status="queued"]').count(), 5);

    log = new SweepLogWriter(sweepDir);
    const latencies: number[] = [];
    latencies.push(await shows(page, () => log.start(trials.length), '#phase', null, 'running'));
    let points = 0;
    // The last trial is also followed on its own page, opened while it runs.
    const trialPage = await openPage(browser);
    const last = trials.at(-1)!;
    for (const t of trials) {
      latencies.push(await shows(page, () => log.trialStart(t), rowOf(t.id), 'data-status', 'running'));
      if (t === last) {
        await trialPage.page.goto(`${dashboard.origin}/sweep/live/trial/${t.id}`);
        await trialPage.page.waitForSelector('#loss-chart');
      }
      for (const [i, row] of t.history.entries()) {
        points++;
        const stop = t.outcome === 'pruned' && i === t.history.length - 1;
        latencies.push(await shows(page, () => log.epoch(t, row, stop), '#curves', 'data-points', String(points)));
        assert.equal(await page.locator(`#leaderboard tr[data-trial="${t.id}"] td[data-column="epochs_run"]`).innerText(), `${i + 1}…`);
        // Its loss and val_loss: two points an epoch.
        if (t === last) await shows(trialPage.page, () => undefined, '#loss-chart [data-points]', 'data-points', String(2 * (i + 1)));
      }
      await writeTrialFolder(sweepDir, t);
      latencies.push(await shows(page, () => log.trialEnd(t), rowOf(t.id), 'data-status', t.outcome));
    }
    // Its page reads the folder once the trial ends: metrics and the diff against the base config.
    await trialPage.page.waitForSelector('#settings-diff tr[data-path="learning_rate"]', { timeout: WITHIN_MS });
    assert.equal(await trialPage.page.locator('#metrics tr[data-metric="epochs_run"] td.num').innerText(), String(last.history.length));
    assertCleanPage(trialPage, dashboard.origin);
    const row = (id: string, column: string) => page.locator(`#leaderboard tr[data-trial="${id}"] td[data-column="${column}"]`).innerText();
    assert.equal(await row(trials[3].id, 'error'), FAILURE_MESSAGE);
    assert.equal(await row(trials[2].id, 'epochs_run'), '1');
    assert.equal(await row(trials[0].id, 'test_accuracy'), (trials[0].history.at(-1)!.val_accuracy! - 0.002).toFixed(4));
    assert.match(await page.locator('#counts').innerText(), /^5 of 5 trials finished: 3 completed, 1 pruned, 1 failed, 0 running, 0 queued$/);
    latencies.push(await shows(page, () => log.end({ total: 5, completed: 3, pruned: 1, failed: 1, notRun: 0, interrupted: false, timeUp: false }), '#phase', null, 'finished'));
    assert.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true, 'the page was never reloaded');
    latencies.sort((a, b) => a - b);
    console.log(`live steps: ${latencies.length}, median ${latencies[latencies.length >> 1].toFixed(0)} ms, slowest ${latencies.at(-1)!.toFixed(0)} ms`);
    await keepScreenshot(page, dir, 'live-sweep.png');
    assertCleanPage(watched, dashboard.origin);
  });

  it('a page opened after the sweep catches up from its snapshot; the list shows it finished', async () => {
    const late = await openPage(browser);
    await late.page.goto(`${dashboard.origin}/sweep/live`);
    await waitDrawn(late.page);
    assert.equal(await late.page.locator('#phase').innerText(), 'finished');
    assert.equal(await late.page.locator('#curves').getAttribute('data-points'), String(trials.reduce((n, t) => n + t.history.length, 0)));
    await late.page.goto(dashboard.url);
    await waitDrawn(late.page);
    assert.equal(await late.page.locator('#sweeps tr[data-sweep="live"]').getAttribute('data-phase'), 'finished');
    assertCleanPage(late, dashboard.origin);
  });
});
