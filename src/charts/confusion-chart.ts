/**
 * Confusion matrix as a heat map: y = true label, x = predicted label, both in the order of `labels`
 * (natural order 0..9 for MNIST), square cells with the count written in each, white text on dark
 * cells. Plus the same matrix as CSV.
 */
import { stringify } from 'csv-stringify/sync';
import type { TopLevelSpec } from 'vega-lite';
import { chartConfig } from './theme.js';

interface Cell {
  true: string;
  predicted: string;
  count: number;
}

function checkShape(matrix: number[][], labels: string[]): void {
  if (matrix.length !== labels.length || matrix.some((row) => row.length !== labels.length)) {
    throw new RangeError(`confusion matrix must be ${labels.length}x${labels.length} to match its labels`);
  }
}

export function confusionSpec(matrix: number[][], labels: string[], title: string): TopLevelSpec {
  checkShape(matrix, labels);
  const cells: Cell[] = [];
  let max = 0;
  matrix.forEach((row, t) =>
    row.forEach((count, p) => {
      cells.push({ true: labels[t], predicted: labels[p], count });
      max = Math.max(max, count);
    }),
  );
  const digits = String(Math.max(0, Math.round(max))).length;
  const countFontSize = labels.length > 20 ? 9 : 11;
  // Wide enough for the largest count, never smaller than a comfortable click-sized square.
  const step = Math.max(40, 2 * Math.ceil((digits * countFontSize * 0.65 + 12) / 2));
  // A 2px white gap between cells; with an integer step the plot (step * n - 2) stays whole pixels.
  const gap = 2 / step;
  // Colour scale midpoint: above it the cell is dark enough that black text stops reading well.
  const darkAbove = max * 0.5;

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title },
    config: { ...chartConfig, view: { stroke: null }, axis: { ...chartConfig.axis, domain: false, ticks: false, labelPadding: 6 } },
    data: { values: cells },
    width: { step },
    height: { step },
    encoding: {
      x: {
        field: 'predicted',
        type: 'ordinal',
        title: 'predicted label',
        sort: labels,
        scale: { domain: labels, paddingInner: gap, paddingOuter: 0 },
        axis: { labelAngle: 0, orient: 'bottom' },
      },
      y: {
        field: 'true',
        type: 'ordinal',
        title: 'true label',
        sort: labels,
        scale: { domain: labels, paddingInner: gap, paddingOuter: 0 },
      },
    },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          color: {
            field: 'count',
            type: 'quantitative',
            title: 'count',
            scale: { scheme: 'blues', domain: [0, Math.max(1, max)] },
            legend: { gradientLength: Math.max(60, step * labels.length - 20), format: 'd' },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: countFontSize, baseline: 'middle', align: 'center' },
        encoding: {
          text: { field: 'count', type: 'quantitative', format: 'd' },
          color: {
            condition: [
              { test: `datum.count > ${darkAbove}`, value: 'white' },
              { test: 'datum.count === 0', value: '#9aa5b1' },
            ],
            value: 'black',
          },
        },
      },
    ],
  };
}

/** CSV: header `true\predicted,<labels...>`, then one row per true label. */
export function confusionCsv(matrix: number[][], labels: string[]): string {
  checkShape(matrix, labels);
  return stringify([['true\\predicted', ...labels], ...matrix.map((row, t) => [labels[t], ...row.map(String)])]);
}
