/** "Did you mean …?" for misspelt keys, layer types and enum values. */

/**
 * The candidate nearest to `word` (case-insensitive Damerau–Levenshtein distance), or undefined when
 * none is close enough to be a typo: at most max(2, length/3) edits, and fewer than half the word,
 * so that short words like "rate" are not "corrected" to an unrelated "name". Failing that, the one
 * candidate that `word` (3 letters or more) abbreviates: "val_acc" is "val_accuracy".
 */
export function closest(word: string, candidates: string[]): string | undefined {
  const limit = Math.min(Math.max(2, Math.floor(word.length / 3)), Math.ceil(word.length / 2) - 1);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined || word.length < 3) return best;
  const extended = candidates.filter((c) => c.toLowerCase().startsWith(word.toLowerCase()));
  return extended.length === 1 ? extended[0] : undefined;
}

/** Insertions, deletions, substitutions and swaps of two adjacent characters (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  // d[i][j] is the distance between the first i characters of a and the first j of b.
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
