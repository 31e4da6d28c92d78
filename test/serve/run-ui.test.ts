/**
 * `convsweep run --ui` for real: a tiny sweep on a slice of MNIST, whose printed dashboard address
 * is opened in Chromium while it trains; the page shows the trials finishing, and the dashboard
 * stops when the run ends (which exits as it does without --ui).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { cliPath, repoRoot, tempDir } from '../helpers.js';
import { tinySweep, writeSweep } from '../sweep/sweep-files.js';
import { assertCleanPage, keepScreenshot, launch, openPage, skipBrowser, waitDrawn } from './browser.js';

it('run --ui prints the dashboard address; the page shows the trials finish; the dashboard stops with the run', { skip: skipBrowser, timeout: 120_000 }, async () => {
  const dir = await tempDir('convsweep-run-ui-');
  const out = join(dir, 'ui-sweep');
  const file = await writeSweep(tinySweep({ learning_rate: [0.01, 0.003, 0.03] }, { epochs: 2 }));
  const child = spawn(process.execPath, [cliPath, 'run', file, '--out', out, '--ui', '--backend', 'wasm', '--workers', '1'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const address = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const url = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/sweep\/ui-sweep) /.exec(stderr)?.[1];
      if (url) resolve(url);
    });
    void exited.then(() => reject(new Error(`run ended without a dashboard address:\n${stderr}`)));
  });
  const browser = await launch();
  try {
    const watched = await openPage(browser);
    await watched.page.goto(address);
    await waitDrawn(watched.page);
    assert.equal(await watched.page.locator('#leaderboard tbody tr').count(), 3);
    await watched.page.waitForFunction(() => document.querySelectorAll('#leaderboard tbody tr[data-status="completed"]').length === 3, undefined, { timeout: 90_000 });
    assert.equal(await watched.page.locator('#curves').getAttribute('data-series'), '3');
    assert.equal(await watched.page.locator('#curves').getAttribute('data-points'), '6');
    await keepScreenshot(watched.page, dir, 'run-ui.png');
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /3 completed, 0 failed, 0 not run, of 3 trials/);
    // The run ended: so did its dashboard.
    await assert.rejects(fetch(address), /fetch failed/);
    assertCleanPage({ ...watched, errors: watched.errors.filter((e) => !/ERR_CONNECTION_REFUSED|EventSource/.test(e)) }, new URL(address).origin);
  } finally {
    child.kill();
    await browser.close();
  }
});
