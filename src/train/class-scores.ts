/**
 * Per-class precision, recall and F1 from a confusion matrix (rows true, columns predicted), with
 * the macro and support-weighted averages, as scikit-learn's classification_report gives them. A
 * class never predicted has precision 0 and one with no examples recall 0 (scikit-learn's
 * zero_division default, without its warning).
 */

export interface ClassScore {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassScores {
  classes: ClassScore[];
  macro: Omit<ClassScore, 'class'>;
  weighted: Omit<ClassScore, 'class'>;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function classScores(matrix: number[][], labels: string[]): ClassScores {
  const classes = labels.map((label, i) => {
    const support = matrix[i].reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((s, row) => s + row[i], 0);
    const precision = ratio(matrix[i][i], predicted);
    const recall = ratio(matrix[i][i], support);
    return { class: label, precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const total = classes.reduce((s, c) => s + c.support, 0);
  const average = (weight: (c: ClassScore) => number, sum: number) => {
    const mean = (key: 'precision' | 'recall' | 'f1') => ratio(classes.reduce((s, c) => s + weight(c) * c[key], 0), sum);
    return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), support: total };
  };
  return { classes, macro: average(() => 1, classes.length), weighted: average((c) => c.support, total) };
}
