/** Shared Vega-Lite config for the report's charts: one font, readable sizes, white background. */
import type { Config } from 'vega-lite';
import { CHART_FONT } from './render.js';

export const chartConfig: Config = {
  font: CHART_FONT,
  background: 'white',
  padding: 12,
  title: { fontSize: 15, fontWeight: 'bold', anchor: 'middle', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'bold', titlePadding: 8 },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'bold' },
  header: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: '#ccc' },
};
