/**
 * Training progress for people: on a TTY a bar redrawn in place with loss, accuracy and ETA; in a
 * pipe or a log one plain line an epoch.
 */
import type { HistoryRow } from '../train/history.js';
import { formatDuration } from './format-duration.js';
import type { BatchProgress } from '../train/trainer.js';

const BAR_WIDTH = 24;

const fmt = (v: number | null) => (v === null ? '-' : v.toFixed(4));

export function epochLine(row: HistoryRow, epochs: number): string {
  return `epoch ${row.epoch}/${epochs} loss=${fmt(row.loss)} accuracy=${fmt(row.accuracy)} val_loss=${fmt(row.val_loss)} val_accuracy=${fmt(row.val_accuracy)} lr=${row.lr} ${row.seconds.toFixed(1)}s`;
}

export function progressReporter(stream: NodeJS.WriteStream = process.stderr) {
  const tty = Boolean(stream.isTTY);
  let epochStarted = performance.now();
  let lastDraw = 0;
  return {
    onBatch(p: BatchProgress) {
      if (!tty) return;
      if (p.batch === 1) epochStarted = performance.now();
      const now = performance.now();
      if (now - lastDraw < 100 && p.batch !== p.batches) return;
      lastDraw = now;
      const done = p.batch / p.batches;
      const elapsed = (now - epochStarted) / 1000;
      const eta = (elapsed / done) * (1 - done);
      const filled = Math.round(done * BAR_WIDTH);
      stream.write(`\r\x1b[2Kepoch ${p.epoch}/${p.epochs} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} acc ${p.accuracy.toFixed(4)} ETA ${formatDuration(eta)}`);
    },
    onEpoch(row: HistoryRow, epochs: number) {
      if (tty) stream.write('\r\x1b[2K');
      stream.write(`${epochLine(row, epochs)}\n`);
    },
  };
}
