/**
 * A generator for each trial number: trial n of a sweep draws from its own stream, derived from
 * the sweep's seed and n alone, so that the same file gives the same trials whatever order they
 * are asked in, however many workers run them, and across a resume.
 */
import { createRng } from '../../train/seeded-random.js';

/** A 32-bit mix of the integers (murmur3's finaliser over each). */
function mix(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    let k = Math.imul(part >>> 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** `stream` separates independent uses for the same trial (random values, TPE's candidates). */
export function trialRng(seed: number, number: number, stream = 0): () => number {
  return createRng(mix(seed, number, stream));
}
