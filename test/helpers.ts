/** Shared test fixtures: the repo root, small slices of the real MNIST, and the CLI as a child process. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../src/data/dataset.js';
import { InputError } from '../src/errors.js';
import { limitData } from '../src/train/run.js';
import { loadDataset } from '../src/data/load.js';

/** Tests run from dist/test/…; the repo is three levels up from dist/test/helpers.js. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

let mnist: Promise<Dataset> | undefined;

/** The first `train` and `test` examples of the real MNIST. */
export async function mnistSlice(train: number, test: number): Promise<Dataset> {
  mnist ??= loadDataset({ name: 'mnist' }, join(repoRoot, 'configs', 'x.json'));
  return limitData(await mnist, { train_limit: train, test_limit: test });
}

export async function tempDir(prefix = 'convsweep-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: options.cwd ?? repoRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The CLI as a child process, interrupted with SIGINT once `when` matches its stderr. */
export function runInterrupted(args: string[], when: RegExp): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sent && when.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** An unsigned-byte IDX file's bytes: the header for `dims`, then `values`. */
export function idxBytes(dims: number[], values: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return new Uint8Array([...header, ...values]);
}

/** The message of the InputError `promise` rejects with, checked to be one line; fails when it resolves or throws something else. */
export async function inputError(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
  assert.equal(err.message.split('\n').length, 1, `one line: ${err.message}`);
  return err.message;
}

/** Points the decoded-dataset cache at a fresh folder, so a test neither reads nor fills the user's. */
export async function privateDatasetCache(): Promise<string> {
  const dir = await tempDir('convsweep-cache-');
  process.env.CONVSWEEP_CACHE = dir;
  return dir;
}
