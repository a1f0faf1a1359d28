/** One plotting module: Vega-Lite specs rendered to SVG by vega in Node. Every plot the project writes comes from here. */
export type { ChartText } from './common.js';
export type { LineChartOptions, LinePoint, LineSummary } from './line-chart.js';
export { lineChart, lineChartSpec, summariseLines } from './line-chart.js';
export type { TopLevelSpec } from './render.js';
export { renderSvg, writeFileAtomic, writeSvg } from './render.js';
export type { CumulativePoint, RunOutcome, StepChartOptions } from './step-chart.js';
export { cumulativeShares, stepChart, stepChartSpec } from './step-chart.js';
export type { SweepChartOptions } from './sweep-chart.js';
export { rSweepLabels, sweepChart, sweepChartSpec } from './sweep-chart.js';
