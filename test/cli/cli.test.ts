import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliPath, repoRoot, runCli, tempDir } from '../helpers.js';

const fig2 = join(repoRoot, 'configs', 'fig2-example.json');

test('validate: exit 0 for each shipped config', async () => {
  for (const name of ['paper-exp1', 'paper-exp2', 'fig2-example']) {
    const r = await runCli(['validate', join(repoRoot, 'configs', `${name}.json`)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /valid/);
  }
});

test('validate: bad input exits 2 with one line per problem, no stack trace', async () => {
  const dir = await tempDir();
  const file = join(dir, 'bad.json');
  await writeFile(file, JSON.stringify({ layers: [{ type: 'Conv2D', filter: 3, kernel_size: 3, input_shape: [28, 28, 1] }, { type: 'Flatten' }, { type: 'Dense', units: 10 }], learning_rte: 0.1 }));
  const r = await runCli(['validate', file]);
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.some((l) => l.startsWith(`${file}: /layers/0`) && /did you mean "filters"/.test(l)), r.stderr);
  assert.ok(lines.some((l) => l.startsWith(`${file}: /learning_rte`) && /did you mean "learning_rate"/.test(l)), r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('train: a config that does not match the dataset exits 2 and writes nothing', async () => {
  const dir = await tempDir();
  const file = join(dir, 'fig2-64.json');
  const config = JSON.parse(await readFile(fig2, 'utf8'));
  config.layers[0].input_shape = [64, 64, 1];
  await writeFile(file, JSON.stringify(config));
  const out = join(dir, 'out');
  const r = await runCli(['train', file, '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\/layers\/0\/input_shape: .*64, 64, 1.*28, 28, 1/);
  assert.equal(existsSync(out), false);
  assert.deepEqual(await readdir(dir), ['fig2-64.json']);
});

test('train: an explicitly requested backend that is not installed is exit 2 naming the npm package', async () => {
  const r = await runCli(['train', fig2, '--backend', 'tensorflow', '--out', join(await tempDir(), 'o'), '--train-limit', '200', '--test-limit', '50', '--epochs', '1']);
  if (r.code === 0) {
    // tfjs-node is installed on this machine: then it must be the backend that trained.
    assert.match(r.stderr, /backend: tensorflow\n/);
    return;
  }
  assert.equal(r.code, 2);
  assert.match(r.stderr, /npm install @tensorflow\/tfjs-node/);
});

test('train: a short run on a slice of MNIST prints its backend and metrics and fills its folder', async () => {
  const out = join(await tempDir(), 'run');
  const r = await runCli(['train', fig2, '--out', out, '--train-limit', '1000', '--test-limit', '200', '--epochs', '1', '--backend', 'wasm', '--seed', '5']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /backend: wasm/);
  assert.match(r.stderr, /epoch 1\/1 loss=/);
  assert.match(r.stdout, /test_accuracy=0\.\d+/);
  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.seed, 5);
  assert.equal(metrics.test_examples, 200);
  // The limits are part of the config as it ran, so that config.json alone repeats the run.
  const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
  assert.deepEqual(config.dataset, { name: 'mnist', train_limit: 1000, test_limit: 200 });
  // An existing, non-empty --out is refused rather than overwritten.
  const again = await runCli(['train', fig2, '--out', out, '--epochs', '1', '--train-limit', '100']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /output folder exists and is not empty/);
});

test('schema prints the JSON Schema', async () => {
  const r = await runCli(['schema']);
  assert.equal(r.code, 0);
  assert.equal(JSON.parse(r.stdout).title, 'ModelConfig');
});

test('bench --json prints one line with img_per_s, backend, params and batch_size', async () => {
  const r = await runCli(['bench', fig2, '--images', '256', '--batch-size', '64', '--json', '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  const line = JSON.parse(r.stdout.trim());
  assert.ok(line.img_per_s > 0);
  assert.equal(line.backend, 'wasm');
  assert.equal(line.batch_size, 64);
  assert.equal(typeof line.params, 'number');
});

test('an unknown command or option, or a value outside a flag\'s choices, exits 2 with one line', async () => {
  for (const args of [['trian'], ['train', fig2, '--epoch', '3'], ['train', fig2, '--backend', 'gpu']]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^[^\n]+ \(convsweep --help for usage\)\n$/, args.join(' '));
  }
});

test('--out naming a file is bad input naming it, and the file is left as it was', async () => {
  const file = join(await tempDir(), 'not-a-folder');
  await writeFile(file, 'keep me');
  for (const args of [['train', fig2, '--epochs', '1', '--out', file], ['run', join(repoRoot, 'sweeps', 'mnist-quick.json'), '--out', file]]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `${file}: is a file, not a folder (choose another --out)\n`);
  }
  assert.equal(await readFile(file, 'utf8'), 'keep me');
});

test('numeric flags out of range are bad input naming the flag, before anything runs or is written', async () => {
  const dir = await tempDir();
  const out = join(dir, 'out');
  const cases: [string[], RegExp][] = [
    [['train', fig2, '--out', out, '--epochs', '0'], /^--epochs: must be a positive whole number, got 0$/m],
    [['train', fig2, '--out', out, '--batch-size', '0'], /^--batch-size: must be a positive whole number, got 0$/m],
    [['train', fig2, '--out', out, '--seed', '-1'], /^--seed: must be a whole number from 0 to 4294967295, got -1$/m],
    [['train', fig2, '--out', out, '--seed', '1.5', '--train-limit', '0'], /^--seed: .*got 1\.5\n--train-limit: must be a positive whole number, got 0\n$/],
    [['bench', fig2, '--batch-size', '0'], /^--batch-size: must be a positive whole number, got 0$/m],
    [['bench', fig2, '--images', 'many'], /^--images: must be a positive whole number, got not a number$/m],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.deepEqual(await readdir(dir), []);
});

test('train interrupted before its first epoch ends: one Ctrl-C stops cleanly (exit 130), a second exits at once; neither leaves a folder behind', async () => {
  for (const signals of [1, 2]) {
    const dir = await tempDir();
    const out = join(dir, 'run');
    const child = spawn(process.execPath, [cliPath, 'train', fig2, '--out', out, '--train-limit', '20000', '--epochs', '5', '--backend', 'wasm'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d) => (stderr += d));
    // Once training is under way (its staging folder exists), interrupt it.
    const poll = setInterval(() => {
      if (!sent && readdirSync(dir).some((n) => n.includes('.partial-'))) {
        sent = true;
        for (let i = 0; i < signals; i++) child.kill('SIGINT');
      }
    }, 50);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(poll);
    assert.ok(sent, 'the run was interrupted while training');
    assert.equal(code, 130, stderr);
    assert.deepEqual(readdirSync(dir), [], `${signals} Ctrl-C: left ${readdirSync(dir).join(', ')}`);
  }
});

test('train interrupted after some epochs keeps the best epoch so far: a complete run folder marked interrupted, exit 130', async () => {
  const dir = await tempDir();
  const out = join(dir, 'run');
  const child = spawn(process.execPath, [cliPath, 'train', join(repoRoot, 'configs', 'mnist-small.json'), '--out', out, '--train-limit', '1000', '--test-limit', '200', '--epochs', '40', '--backend', 'wasm'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (d) => {
    stderr += d;
    // Two epochs done: the best of them must survive the Ctrl-C.
    if (!sent && /^epoch 2\/40 /m.test(stderr)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.ok(sent, stderr);
  assert.equal(code, 130, stderr);
  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.status, 'interrupted');
  assert.ok(metrics.epochs_run >= 2 && metrics.epochs_run < 40, `epochs_run ${metrics.epochs_run}`);
  assert.ok(metrics.best_epoch >= 1 && metrics.best_epoch <= metrics.epochs_run);
  const historyLines = (await readFile(join(out, 'history.csv'), 'utf8')).trim().split('\n');
  assert.equal(historyLines.length - 1, metrics.epochs_run, 'history.csv holds every finished epoch');
  assert.ok(existsSync(join(out, 'model', 'model.json')), 'the model is saved');
  assert.match(stderr, new RegExp(`interrupted after epoch ${metrics.epochs_run}: the model of its best epoch so far \\(${metrics.best_epoch}, by val_loss\\) is saved`));
  // The saved model is usable as any other run's.
  const dataset = join(dir, 'mnist.json');
  await writeFile(dataset, JSON.stringify({ name: 'mnist' }));
  const evaluated = await runCli(['evaluate', out, '--data', dataset, '--json', '--backend', 'wasm']);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  // On the 10,000 test images: the best epoch's weights learned far beyond chance (0.1).
  assert.ok(JSON.parse(evaluated.stdout).accuracy > 0.5, evaluated.stdout.slice(0, 200));
});

test('--backend auto says which backend it chose and, when the native ones are missing, how to get them', async () => {
  const r = await runCli(['bench', fig2, '--images', '64', '--batch-size', '32']);
  assert.equal(r.code, 0, r.stderr);
  const backend = / on (\S+) \(batch/.exec(r.stdout)![1];
  if (backend === 'wasm' || backend === 'cpu') {
    assert.match(r.stderr, /^note: @tensorflow\/tfjs-node-gpu is not installed, @tensorflow\/tfjs-node is not installed .*`npm install @tensorflow\/tfjs-node-gpu`.*`npm install @tensorflow\/tfjs-node`/m);
  } else {
    assert.doesNotMatch(r.stderr, /^note:/m);
  }
  const explicit = await runCli(['bench', fig2, '--images', '64', '--batch-size', '32', '--backend', 'wasm']);
  assert.doesNotMatch(explicit.stderr, /^note:/m, 'an explicit choice needs no note');
});
