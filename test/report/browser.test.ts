/**
 * report.html in a real browser (headless Chromium, when installed at /usr/bin/chromium or
 * $CHROMIUM): the page runs its sorting script from file:// and sorts the leaderboard on a header
 * click, empty cells last both ways. Skipped without Chromium.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { writeReport } from '../../src/report/aggregate.js';
import { tempDir } from '../helpers.js';
import { sweepRecord } from './sweep-fixture.js';

const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';

function trial(id: string, values: Record<string, unknown>, metrics: Record<string, unknown> | undefined): Record<string, string> {
  const files: Record<string, string> = { 'trial.json': JSON.stringify({ id, label: id, index: 0, values, seed: 1 }) };
  if (metrics) {
    files['metrics.json'] = JSON.stringify({ test_accuracy: 0.9, test_loss: 0.3, train_accuracy: 0.9, train_loss: 0.3, val_accuracy: 0.9, val_loss: 0.3, best_epoch: 1, epochs_run: 1, params: 10, duration_s: 1, backend: 'cpu', ...metrics });
    files['config.json'] = '{}\n';
  } else {
    files['error.json'] = JSON.stringify({ id, label: id, values, status: 'failed', kind: 'error', message: 'boom' });
  }
  return files;
}

// In CI (.ci/run installs Chromium) a missing browser fails the test instead of skipping it.
const skip = !existsSync(chromium) && process.env.CI !== 'true' && `no Chromium at ${chromium} (apt-get install chromium)`;

it('sorts the leaderboard table on a header click, in a real browser from file://', { skip }, async () => {
  const dir = join(await tempDir(), 'browser-sweep');
  const trials: Record<string, Record<string, string>> = {
    a: trial('a', { filters: [4, 8], learning_rate: 0.01 }, { test_accuracy: 0.9, test_loss: 0.5 }),
    b: trial('b', { filters: [8, 8], learning_rate: 0.01 }, { test_accuracy: 0.8, test_loss: 0.2 }),
    c: trial('c', { filters: [4, 8], learning_rate: 0.003 }, { test_accuracy: 0.7, test_loss: 0.9 }),
    f: trial('f', { filters: [8, 8], learning_rate: 0.003 }, undefined),
  };
  await mkdir(join(dir, 'trials'), { recursive: true });
  await writeFile(join(dir, 'sweep.json'), JSON.stringify(sweepRecord()));
  for (const [id, files] of Object.entries(trials)) {
    await mkdir(join(dir, 'trials', id));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, 'trials', id, name), text);
  }
  await writeReport(dir);
  const html = await readFile(join(dir, 'report.html'), 'utf8');
  const probe = `<script>
var th = Array.from(document.querySelectorAll('#leaderboard th')).find(function (h) { return h.textContent === 'test_loss'; });
function order() { return Array.from(document.querySelectorAll('#leaderboard tbody tr')).map(function (r) { return r.getAttribute('data-trial'); }).join(','); }
th.click(); var up = order(); th.click(); var down = order();
document.title = 'sorted:' + up + '|' + down;
</script></body>`;
  await writeFile(join(dir, 'probe.html'), html.replace('</body>', probe));
  const profile = await tempDir('convsweep-chromium-');
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
  const { stdout } = await promisify(execFile)(chromium, [...flags, '--dump-dom', `file://${join(dir, 'probe.html')}`], { timeout: 60_000 });
  assert.match(stdout, /<title>sorted:b,a,c,f\|c,a,b,f<\/title>/);
});
