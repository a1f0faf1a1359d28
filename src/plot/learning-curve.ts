/**
 * Learning curves of a training run: one panel per metric side by side (e.g. held-out loss and clean
 * accuracy), each with its own y axis and units, one colour per task family (or split), against
 * training steps. Records are long-form so that a trainer can append one per (step, family, metric).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ChartText } from './common.js';
import { noDataSpec, orderOf, scaleOf, titleOf, topLevel } from './common.js';
import { renderSvg } from './render.js';

export interface LearningRecord {
  step: number;
  /** The line: a task family, or a split such as 'held-out'. */
  family: string;
  /** The panel: e.g. 'loss', 'accuracy'. */
  metric: string;
  value: number;
}

export interface MetricAxis {
  /** Axis title with units, e.g. 'held-out loss (nats/token)'. */
  title?: string;
  /** d3-format of the ticks, e.g. '.0%' for an accuracy in [0, 1]. */
  format?: string;
  log?: boolean;
  /** Fixed axis range, e.g. [0, 1] for an accuracy. */
  domain?: [number, number];
}

export interface LearningCurveOptions extends ChartText {
  /** Per metric: its axis (default: the metric's name, linear). The key order is the panel order. */
  metrics?: Record<string, MetricAxis>;
  /** Default 'training step'. */
  stepTitle?: string;
  familyTitle?: string;
  familyOrder?: readonly string[];
  /** Size of one panel in pixels. */
  width?: number;
  height?: number;
}

export function learningCurveSpec(records: readonly LearningRecord[], options: LearningCurveOptions = {}): TopLevelSpec {
  const rows = records.filter((r) => Number.isFinite(r.step) && Number.isFinite(r.value));
  if (rows.length === 0) return noDataSpec(options, 'learning-curve records');
  const metrics = orderOf(rows.map((r) => r.metric), Object.keys(options.metrics ?? {}));
  const families = orderOf(rows.map((r) => r.family), options.familyOrder);
  const color = { field: 'family', type: 'nominal', title: options.familyTitle ?? 'task family', scale: { domain: families }, legend: { symbolType: 'stroke' } };
  const panels = metrics.map((metric) => {
    const axis = options.metrics?.[metric] ?? {};
    return {
      width: options.width ?? 320,
      height: options.height ?? 220,
      transform: [{ filter: { field: 'metric', equal: metric } }],
      mark: { type: 'line', strokeWidth: 2, point: rows.length <= 400 ? { size: 20, filled: true } : false },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: options.stepTitle ?? 'training step', scale: { zero: true, nice: true }, axis: { format: ',d', tickCount: 6 } },
        y: { field: 'value', type: 'quantitative', title: axis.title ?? metric, scale: { ...scaleOf(axis.log), ...(axis.domain && { domain: axis.domain }) }, axis: { ...(axis.format && { format: axis.format }) } },
        color,
      },
    };
  });
  return topLevel({ ...titleOf(options), data: { values: rows }, hconcat: panels });
}

/** Learning curves, one panel per metric, as an SVG document. */
export function learningCurve(records: readonly LearningRecord[], options: LearningCurveOptions = {}): Promise<string> {
  return renderSvg(learningCurveSpec(records, options));
}
