/**
 * Reproducibility. tfjs draws initial weights and dropout masks from Math.random whenever no seed is
 * passed (and a fixed per-layer seed would repeat the same dropout mask on every step), so a run
 * replaces Math.random with a seeded generator for its duration. Shuffling uses its own generator.
 * A trial owns its thread or process, so nothing else draws from the replaced Math.random meanwhile.
 */

import { createRng } from '../random.js';

export { createRng };

/** Runs fn with Math.random seeded; restores the original afterwards, also when fn throws. */
export async function withSeededRandom<T>(seed: number, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = createRng(seed ^ 0x5eed5eed);
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}

/** Fisher–Yates into `order` (reused across epochs to avoid an allocation per epoch). */
export function shuffleInPlace(order: Uint32Array, rng: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
