/**
 * One plotting module: Vega-Lite specs rendered to SVG by vega in Node (no browser, no canvas). Every
 * plot the project writes comes from here; each chart kind is a function from plain records to an SVG
 * string, and `<kind>Spec` gives the Vega-Lite spec behind it.
 *
 *   const svg = await learningCurve(records, { title: 'Base pretraining', metrics: { heldoutLoss: { title: 'held-out loss (nats/token)' } } });
 *   writeFileAtomic('learning-curve.svg', svg);
 *
 * vega takes about half a second to load: front ends that plot only on request import this module
 * dynamically (`await import('../plot/index.js')`).
 */
export type { ChartText } from './common.js';
export type { LineChartOptions, LinePoint, LineSummary } from './line-chart.js';
export { lineChart, lineChartSpec, summariseLines } from './line-chart.js';
export type { TopLevelSpec } from './render.js';
export { headlessView, renderSvg } from './render.js';
/** The project's one atomic file writer, re-exported so that a plot and its file come from one import. */
export { writeFileAtomic } from '../util/atomic-file.js';
export type { CumulativePoint, RunOutcome, StepChartOptions } from './step-chart.js';
export { cumulativeShares, stepChart, stepChartSpec } from './step-chart.js';
export type { SweepChartOptions } from './sweep-chart.js';
export { rSweepLabels, sweepChart, sweepChartSpec } from './sweep-chart.js';
export type { LearningCurveOptions, LearningRecord, MetricAxis } from './learning-curve.js';
export { learningCurve, learningCurveSpec } from './learning-curve.js';
export type { LandscapeMark, LandscapeOptions, LandscapeValue } from './landscape-chart.js';
export { landscapeChart, landscapeChartSpec, shareBelow } from './landscape-chart.js';
