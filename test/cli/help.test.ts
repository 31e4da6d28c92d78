/** `--help` as a user reads it: wrapped on words, `-h` everywhere, described positionals, an example a command. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers.js';

const COMMANDS = ['train', 'validate', 'schema', 'bench', 'run', 'report', 'best', 'export', 'worker', 'serve'];

/** Help text with its layout undone: every run of spaces and line breaks as one space. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

test('help wraps on words: every description reads whole once the layout is undone', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0, top.stderr);
  const phrases: [string[], string[]][] = [
    [['--help'], ['writes model, metrics, history, curves and confusion matrices', 'pull trials from the Redis queue, train them here, send the results back']],
    [['run', '--help'], ['auto takes the first that loads of tensorflow-gpu, tensorflow, wasm, cpu', 'skip finished trials, rerun failed and unfinished ones', 'send the trials to `convsweep worker` processes instead of a local pool']],
    [['train', '--help'], ['train on the first N training examples (validation split taken from their end)']],
  ];
  for (const [args, texts] of phrases) {
    const r = await runCli(args);
    for (const text of texts) assert.ok(flat(r.stdout).includes(text), `${args.join(' ')}: "${text}" cut apart in\n${r.stdout}`);
    // Piped, help is laid out for 80 columns.
    for (const line of r.stdout.split('\n')) assert.ok(line.length <= 80, `${args.join(' ')}: line of ${line.length}: ${line}`);
  }
});

test('every command: -h works, its positionals are described, and it shows an example', async () => {
  for (const command of COMMANDS) {
    const r = await runCli([command, '-h']);
    assert.equal(r.code, 0, `${command} -h: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^convsweep ${command}\\b`), command);
    assert.match(r.stdout, /\nExamples:\n {2}convsweep /, `${command} has no example`);
    const positionals = /\nPositionals:\n([\s\S]*?)\n\n/.exec(r.stdout)?.[1];
    for (const line of positionals?.split('\n') ?? []) assert.match(line, /^ {2}\S+ {2,}\w.*\[/, `${command}: positional without a description: ${line}`);
  }
});

test('run --help says what a sweep file holds; --rank-by offers only metrics that rank', async () => {
  const run = await runCli(['run', '--help']);
  assert.match(flat(run.stdout), /A sweep file is JSON: "base", .*"grid", .*convsweep schema --sweep/);
  for (const command of ['report', 'best']) {
    const r = await runCli([command, '--help']);
    const choices = /--rank-by[\s\S]*?\[choices: ([^\]]*)\]/.exec(r.stdout)![1];
    assert.deepEqual(flat(choices).split(', ').map((c) => c.replace(/"/g, '')), ['test_accuracy', 'test_loss', 'val_accuracy', 'val_loss', 'train_accuracy', 'train_loss'], command);
  }
});

test('an unknown command is named, with the command it is close to and no far-fetched one', async () => {
  const typo = await runCli(['trian']);
  assert.equal(typo.code, 2);
  assert.equal(typo.stderr, 'unknown command "trian": did you mean "train"? (convsweep --help for usage)\n');
  const near = await runCli(['evalute', 'x.json']);
  assert.equal(near.code, 2);
  assert.equal(near.stderr, 'unknown command "evalute": did you mean "evaluate"? (convsweep --help for usage)\n', 'evaluate, not validate');
  const other = await runCli(['optimise', 'x.json']);
  assert.equal(other.code, 2);
  assert.equal(other.stderr, 'unknown command "optimise" (convsweep --help for usage)\n');
});
