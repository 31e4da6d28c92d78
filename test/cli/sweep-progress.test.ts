/**
 * The live sweep display on a terminal, replayed through a small terminal model (carriage return,
 * erase line, cursor up to a line's start, erase below): what a user sees once it has drawn.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SweepProgress } from '../../src/cli/sweep-progress.js';
import type { Trial } from '../../src/sweep/trial.js';

/** The screen lines after the bytes a program wrote, for the escape sequences the display uses. */
function screen(bytes: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === '\x1b') {
      const m = /^\x1b\[(\d*)([A-Za-z])/.exec(bytes.slice(i))!;
      const n = m[1] === '' ? 1 : Number(m[1]);
      if (m[2] === 'F') {
        row = Math.max(0, row - n);
        col = 0;
      } else if (m[2] === 'J') {
        lines[row] = lines[row].slice(0, col);
        lines.length = row + 1;
      } else if (m[2] === 'K') lines[row] = '';
      i += m[0].length - 1;
    } else if (c === '\r') col = 0;
    else if (c === '\n') {
      row++;
      col = 0;
      lines[row] ??= '';
    } else {
      const line = lines[row].padEnd(col);
      lines[row] = line.slice(0, col) + c + line.slice(col + 1);
      col++;
    }
  }
  return lines.filter((l, i) => l !== '' || i < lines.length - 1);
}

function fakeTty(): { stream: NodeJS.WriteStream; written: () => string } {
  let out = '';
  const stream = { isTTY: true, columns: 120, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, written: () => out };
}

const trial = (id: string, label: string) => ({ id, label, index: 0, values: {}, seed: 1 }) as unknown as Trial;

it('after Ctrl-C the terminal keeps no stale trial line and no ETA, and the notice stands above the block', () => {
  const { stream, written } = fakeTty();
  const progress = new SweepProgress(stream);
  const sweep = { name: 'quick', metric: 'test_accuracy', goal: 'maximize' } as const;
  progress.onStart({ sweep: sweep as never, total: 4, finishedBefore: new Map(), runner: '2 workers (wasm, thread)', outDir: 'results/quick' });
  const a = trial('aaaaaaaaaa', 'lr=0.01');
  const b = trial('bbbbbbbbbb', 'lr=0.003');
  progress.onTrialStart(a);
  progress.onTrialStart(b);
  progress.onTrialBatch(a, { epoch: 1, epochs: 3, batch: 5, batches: 10, loss: 0.5, accuracy: 0.8 });
  assert.ok(screen(written()).some((l) => l.startsWith('  aaaaaaaaaa')), 'a trial line while running');
  progress.note('stopping (Ctrl-C again to quit at once)');
  progress.onTrialEnd(a, { status: 'stopped' });
  progress.onTrialEnd(b, { status: 'stopped' });
  progress.close(true);
  const shown = screen(written());
  assert.ok(shown.includes('stopping (Ctrl-C again to quit at once)'), shown.join('\n'));
  assert.ok(!shown.some((l) => /^\s+(aaaaaaaaaa|bbbbbbbbbb)/.test(l)), `stale trial line:\n${shown.join('\n')}`);
  assert.ok(!shown.some((l) => /ETA|running/.test(l)), `stale ETA:\n${shown.join('\n')}`);
  assert.match(shown.at(-1)!, /0\/4 done, 0 failed, interrupted/);
});
