/**
 * The dashboard on a large sweep: a generated folder of 1,000 trials × 20 epochs (synthetic curves,
 * written as `convsweep run` writes them), served by `convsweep serve` in its own process. Measures
 * the server's first read of the folder; in headless Chromium the time from navigation to the sweep
 * page interactive (leaderboard rows, curves, history and parallel coordinates drawn, by the page's
 * own performance marks); the server's resident memory; and the update latency from an epoch line appended
 * to sweep.log to the page showing it (a MutationObserver timestamps the curves' redraw), median and
 * p95 over the epochs of six more trials (120 updates). Target: first page under 1 s.
 *
 *   npm run build && node dist/bench/dashboard.js [--trials 1000] [--epochs 20] [--repeats 5]
 */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { planTrials, runTrialsInOrder, SweepLogWriter, writeSweepFile, writeTrialFolder } from '../test/serve/dashboard-fixture.js';
import { numberFlag } from './flags.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const TRIALS = numberFlag('trials', 1000);
const EPOCHS = numberFlag('epochs', 20);
const REPEATS = numberFlag('repeats', 7);
const LIVE_TRIALS = 6;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

const root = await mkdtemp(join(tmpdir(), 'convsweep-bench-dashboard-'));
const sweepDir = join(root, 'big');
try {
  const all = planTrials(TRIALS + LIVE_TRIALS, EPOCHS);
  const finished = all.slice(0, TRIALS);
  const live = all.slice(TRIALS);
  let t = performance.now();
  await writeSweepFile(sweepDir, all);
  const log = new SweepLogWriter(sweepDir);
  log.start(all.length);
  await runTrialsInOrder(sweepDir, log, finished);
  console.log(`fixture: ${TRIALS} trials × ${EPOCHS} epochs written in ${((performance.now() - t) / 1000).toFixed(1)} s (${sweepDir})`);

  const server = spawn(process.execPath, [join(repoRoot, 'dist', 'src', 'cli', 'main.js'), 'serve', sweepDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  const origin = new URL(url).origin;
  // The server reads its sweeps as it starts; the first answer for this one waits for that read.
  t = performance.now();
  const snapshot = await (await fetch(`${origin}/api/sweeps/big`)).text();
  console.log(`server: first snapshot of the sweep ${((performance.now() - t) / 1000).toFixed(2)} s after it started listening (${(snapshot.length / 1e6).toFixed(1)} MB of JSON); RSS ${(await rssMb(server.pid!)).toFixed(0)} MB`);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    // A browser's very first page pays for starting its renderer: not the dashboard's time.
    const warmUp = await browser.newPage();
    await warmUp.goto(`${origin}/`);
    await warmUp.waitForSelector('body[data-ready=true]');
    await warmUp.close();
    const loads: number[] = [];
    const drawn: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      t = performance.now();
      await page.goto(`${origin}/sweep/big`);
      await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
      const ms = performance.now() - t;
      const rows = Number(await page.locator('#table-box').getAttribute('data-rows'));
      const series = await page.locator('#curves').getAttribute('data-series');
      if (rows !== all.length || series !== String(TRIALS)) throw new Error(`page incomplete: ${rows} rows, ${series} series`);
      const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name.replace('convsweep:', ''), Math.round(m.startTime)])));
      loads.push(ms);
      drawn.push(marks.drawn);
      console.log(`load ${i + 1}: ${ms.toFixed(0)} ms to interactive (${rows} rows, ${series} curves; in the page: script ${marks.script} ms, snapshot ${marks.snapshot} ms, drawn ${marks.drawn} ms)`);
      await page.close();
    }
    console.log(`server: RSS ${(await rssMb(server.pid!)).toFixed(0)} MB with the sweep loaded`);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${origin}/sweep/big`);
    await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
    await page.evaluate(() => {
      const seen: { points: string; at: number }[] = [];
      (window as unknown as { seen: typeof seen }).seen = seen;
      const curves = document.querySelector('#curves')!;
      new MutationObserver(() => seen.push({ points: curves.getAttribute('data-points')!, at: Date.now() })).observe(curves, { attributes: true, attributeFilter: ['data-points'] });
    });
    const basePoints = Number(await page.locator('#curves').getAttribute('data-points'));
    const latencies: number[] = [];
    let points = basePoints;
    for (const trial of live) {
      log.trialStart(trial);
      await page.waitForFunction(() => / 1 running, /.test(document.querySelector('#counts')?.textContent ?? ''), undefined, { timeout: 10_000 });
      for (const row of trial.history) {
        points++;
        const sent = Date.now();
        log.epoch(trial, row);
        const shown = await page.waitForFunction((want) => (window as unknown as { seen: { points: string; at: number }[] }).seen.find((s) => s.points === String(want))?.at, points, { timeout: 10_000 });
        latencies.push(Number(await shown.jsonValue()) - sent);
        // Epochs a few hundred ms apart, as a fast sweep's are.
        await new Promise((r) => setTimeout(r, 100));
      }
      await writeTrialFolder(sweepDir, trial);
      log.trialEnd(trial);
    }
    log.close();
    console.log(`update latency over ${latencies.length} epochs: median ${quantile(latencies, 0.5)} ms, p95 ${quantile(latencies, 0.95)} ms, max ${Math.max(...latencies)} ms`);
    console.log(`first page interactive (navigation start → table and charts drawn, in the page): median ${quantile(drawn, 0.5)} ms of ${REPEATS}, min ${Math.min(...drawn)}, max ${Math.max(...drawn)} ms`);
    console.log(`the same seen from outside (goto → ready seen by playwright): median ${quantile(loads, 0.5).toFixed(0)} ms`);
    console.log(`server: RSS ${(await rssMb(server.pid!)).toFixed(0)} MB after the live updates; machine: ${cpus()[0].model}, ${cpus().length} cores`);
  } finally {
    await browser.close();
    server.kill('SIGINT');
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
