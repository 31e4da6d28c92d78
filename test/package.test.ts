/** The install a new user runs: npm has reviewed every dependency's install script (allowScripts in package.json). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from './helpers.js';

test('npm install warns of no unreviewed install script', async (t) => {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('npm', ['install-scripts', 'ls'], { cwd: repoRoot, timeout: 60_000 }));
  } catch (err) {
    // npm before 11.16 has no allowScripts, and so no such warning to silence.
    t.skip(`npm install-scripts is unavailable: ${(err as Error).message.split('\n')[0]}`);
    return;
  }
  assert.match(stdout, /No packages with unreviewed install scripts/, stdout);
});
