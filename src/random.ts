/** The project's one pseudo-random generator, for everything that must repeat from a seed (shuffles, initial weights, augmentation). */

/** mulberry32: small, fast, and good enough for shuffles, weight initialisation and augmentation. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
