/** One plotting module: Vega-Lite specs rendered to SVG by vega in Node. Every plot the project writes comes from here. */
export type { ChartText } from './common.js';
export type { LineChartOptions, LinePoint, LineSummary } from './line-chart.js';
export { lineChart, lineChartSpec, summariseLines } from './line-chart.js';
export type { TopLevelSpec } from './render.js';
export { compileSpec, headlessView, renderSvg, writeFileAtomic } from './render.js';
export type { CumulativePoint, RunOutcome, StepChartOptions } from './step-chart.js';
export { cumulativeShares, stepChart, stepChartSpec } from './step-chart.js';
export type { SweepChartOptions } from './sweep-chart.js';
export { rSweepLabels, sweepChart, sweepChartSpec } from './sweep-chart.js';
export type { LearningCurveOptions, LearningRecord, MetricAxis } from './learning-curve.js';
export { learningCurve, learningCurveSpec } from './learning-curve.js';
export type { LandscapeMark, LandscapeOptions, LandscapeValue } from './landscape-chart.js';
export { landscapeChart, landscapeChartSpec, shareBelow } from './landscape-chart.js';
