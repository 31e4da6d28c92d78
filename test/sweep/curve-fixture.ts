/**
 * A synthetic learning-curve table for replay tests: a full grid over learning rate × dropout ×
 * batch size whose curves rise towards a ceiling that depends mostly on the learning rate (best at
 * 0.003), with deterministic wiggles, so that early epochs already tell good trials from bad ones.
 */
import type { CurveTable } from '../../src/sweep/executor/replay.js';
import { trialRng } from '../../src/sweep/sampler/seeded.js';

export const LEARNING_RATES = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3];
export const DROPOUTS = [0.1, 0.2, 0.3, 0.4, 0.5];
export const BATCH_SIZES = [32, 64, 128];

export function syntheticTable(epochs = 8): CurveTable {
  const rows: CurveTable['rows'] = [];
  let n = 0;
  for (const lr of LEARNING_RATES) {
    for (const dropout of DROPOUTS) {
      for (const batch of BATCH_SIZES) {
        const rng = trialRng(7, ++n);
        const distance = Math.abs(Math.log10(lr) - Math.log10(0.003));
        const ceiling = 0.99 - 0.06 * distance - 0.01 * Math.abs(dropout - 0.3) - 0.002 * (batch / 32);
        const speed = 0.6 + 0.3 * rng();
        const curve = Array.from({ length: epochs }, (_, e) => ceiling - (ceiling - 0.3) * Math.exp(-speed * (e + 1)) + 0.002 * (rng() - 0.5));
        rows.push({
          values: { learning_rate: lr, dropout, batch_size: batch },
          val_accuracy: curve,
          val_loss: curve.map((a) => -Math.log(Math.max(a, 1e-6))),
          accuracy: curve.map((a) => Math.min(1, a + 0.01)),
          loss: curve.map((a) => -Math.log(Math.max(a, 1e-6)) * 0.9),
          seconds: curve.map(() => 2 + 8 / (batch / 32) + rng()),
          test_accuracy: curve[epochs - 1] - 0.001,
        });
      }
    }
  }
  return { name: 'synthetic', metric: 'val_accuracy', goal: 'maximize', epochs, keys: ['learning_rate', 'dropout', 'batch_size'], values: { learning_rate: LEARNING_RATES, dropout: DROPOUTS, batch_size: BATCH_SIZES }, rows };
}
