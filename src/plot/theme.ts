/**
 * The house look of every plot: one font, sizes readable on a laptop screen, white background, light
 * grid, legends to the right of the data (never on it), axis titles that carry units.
 */
import type { Config } from 'vega-lite';

const font = 'Helvetica, Arial, sans-serif';

export const plotConfig: Config = {
  background: 'white',
  padding: 8,
  font,
  view: { stroke: '#bbb' },
  title: { fontSize: 15, fontWeight: 'bold', anchor: 'start', subtitleFontSize: 12, subtitleColor: '#444', offset: 12 },
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', titlePadding: 8, gridColor: '#e6e6e6', tickColor: '#888', domainColor: '#888', labelColor: '#222', titleColor: '#222', labelOverlap: 'greedy' },
  legend: { orient: 'right', labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'bold', symbolStrokeWidth: 2.5, symbolSize: 120, labelLimit: 260, offset: 16 },
  header: { labelFontSize: 13, titleFontSize: 13, labelFontWeight: 'bold', labelPadding: 6 },
  facet: { spacing: 18 },
  concat: { spacing: 28 },
  range: { category: ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'] },
};
