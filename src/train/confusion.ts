/**
 * Confusion matrices and what the report says about them. Rows are true labels, columns predicted
 * labels: `matrix[t][p]` counts examples of class t predicted as p.
 */

export function confusionMatrix(trueLabels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`classes must be a positive integer, got ${classes}`);
  if (trueLabels.length !== predicted.length) {
    throw new RangeError(`trueLabels has ${trueLabels.length} entries but predicted has ${predicted.length}`);
  }
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < trueLabels.length; i++) {
    const t = trueLabels[i];
    const p = predicted[i];
    if (!Number.isInteger(t) || t < 0 || t >= classes) throw new RangeError(`true label ${t} at index ${i} is not in 0..${classes - 1}`);
    if (!Number.isInteger(p) || p < 0 || p >= classes) throw new RangeError(`predicted label ${p} at index ${i} is not in 0..${classes - 1}`);
    matrix[t][p]++;
  }
  return matrix;
}

/** Fraction of each true class predicted correctly (diagonal / row total); NaN for a class with no examples. */
export function perClassAccuracy(matrix: number[][]): number[] {
  return matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? Number.NaN : row[i] / total;
  });
}

export interface Confusion {
  true: string;
  predicted: string;
  count: number;
}

/**
 * The `n` largest off-diagonal cells with a non-zero count, largest first; ties broken by true label
 * index, then predicted label index (the order of `labels`).
 */
export function topConfusions(matrix: number[][], labels: string[], n: number): Confusion[] {
  const cells: { t: number; p: number; count: number }[] = [];
  matrix.forEach((row, t) =>
    row.forEach((count, p) => {
      if (t !== p && count > 0) cells.push({ t, p, count });
    }),
  );
  cells.sort((a, b) => b.count - a.count || a.t - b.t || a.p - b.p);
  const label = (i: number) => labels[i] ?? String(i);
  return cells.slice(0, Math.max(0, n)).map((c) => ({ true: label(c.t), predicted: label(c.p), count: c.count }));
}
