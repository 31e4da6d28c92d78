/**
 * `convsweep serve` as a user runs it: it prints its address, answers there (an event stream held
 * open too), and Ctrl-C stops it cleanly with exit 0. `run --port` without --ui is refused.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { cliPath, repoRoot, runCli, tempDir } from '../helpers.js';
import { planTrials, writeFinishedSweep } from './dashboard-fixture.js';

it('serve prints its address, serves the sweep, and stops on Ctrl-C with exit 0', { timeout: 60_000 }, async () => {
  const dir = join(await tempDir(), 'results');
  await writeFinishedSweep(join(dir, 'one'), planTrials(3, 2));
  const child = spawn(process.execPath, [cliPath, 'serve', dir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /^dashboard of \S+ at (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(stdout);
      if (m) resolve(m[1]);
    });
    void exited.then(() => reject(new Error(`serve ended: ${stderr}`)));
  });
  const list = await (await fetch(`${url}api/sweeps`)).json();
  assert.deepEqual(list.sweeps.map((s: { header: { key: string; phase: string } }) => [s.header.key, s.header.phase]), [['one', 'finished']]);
  // An open event stream must not hold the stop back.
  const stream = await fetch(`${url}api/sweeps/one/events`);
  const reader = stream.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /^event: snapshot\ndata: \{/);
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  assert.match(stdout, /dashboard stopped\n$/);
  assert.equal(stderr, '');
});

it('run --port without --ui is refused with one line', async () => {
  const r = await runCli(['run', join(repoRoot, 'sweeps', 'mnist-quick.json'), '--port', '8080']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, '--port: has no effect without --ui (add --ui to serve the dashboard)\n');
});
