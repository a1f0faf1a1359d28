/**
 * A sweep: one measure against a grid of settings (e.g. diversity of steered completions against the
 * steering radius R), points joined by a line, the knee marked by a dashed rule and a labelled ring.
 * On a log axis the ticks are the grid itself, so every swept value can be read off.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ChartText } from './common.js';
import { noDataSpec, titleOf, topLevel } from './common.js';
import { renderSvg } from './render.js';

export interface SweepChartOptions extends ChartText {
  /** Axis titles (defaults 'R', 'diversity'). */
  xTitle?: string;
  yTitle?: string;
  /** Log x axis: true for base 2 (radius grids are geometric), or a base. */
  logX?: boolean | number;
  /** The knee's label (default 'knee at <x>'). */
  kneeLabel?: (x: number) => string;
  width?: number;
  height?: number;
}

export function sweepChartSpec(points: readonly { x: number; y: number }[], knee: { x: number; y: number } | null, options: SweepChartOptions = {}): TopLevelSpec {
  if (points.length === 0) return noDataSpec(options, 'sweep points');
  const base = options.logX === true ? 2 : options.logX || 0;
  const grid = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const x = {
    field: 'x', type: 'quantitative', title: options.xTitle ?? 'R',
    scale: base ? { type: 'log', base, nice: false } : { zero: false, nice: false },
    axis: { values: grid, format: '~g', grid: true },
  };
  const y = { field: 'y', type: 'quantitative', title: options.yTitle ?? 'diversity', scale: { zero: true, nice: true } };
  const layers: Record<string, unknown>[] = [
    { data: { values: points }, mark: { type: 'line', color: '#1f77b4', strokeWidth: 2, point: { filled: true, size: 50, color: '#1f77b4' } }, encoding: { x, y } },
  ];
  if (knee) {
    const label = (options.kneeLabel ?? ((v: number) => `knee at ${v}`))(Number(knee.x.toPrecision(3)));
    layers.push(
      { data: { values: [knee] }, mark: { type: 'rule', color: 'crimson', strokeDash: [5, 4], strokeWidth: 1.5 }, encoding: { x } },
      { data: { values: [knee] }, mark: { type: 'point', shape: 'circle', size: 260, color: 'crimson', strokeWidth: 2.5, filled: false, opacity: 1 }, encoding: { x, y } },
      // the label sits at the top of the rule, left of it: clear of a curve that is flat before the knee
      { data: { values: [{ ...knee, label }] }, mark: { type: 'text', color: 'crimson', align: 'right', baseline: 'top', dx: -6, dy: 4, fontSize: 12, fontWeight: 'bold' }, encoding: { x, y: { value: 0 }, text: { field: 'label' } } },
    );
  }
  return topLevel({ ...titleOf(options), width: options.width ?? 440, height: options.height ?? 260, layer: layers });
}

/** A sweep curve with its knee marked, as an SVG document. */
export function sweepChart(points: readonly { x: number; y: number }[], knee: { x: number; y: number } | null, options: SweepChartOptions = {}): Promise<string> {
  return renderSvg(sweepChartSpec(points, knee, options));
}

/** The labels of `triggerfish steer sweep --svg`, shared with the script that redraws committed sweeps. */
export const rSweepLabels: SweepChartOptions = {
  title: 'Diversity of steered completions against R',
  subtitle: 'one point per radius of the grid; the knee, where found: the last R before diversity jumps',
  xTitle: 'steering radius R (‖θ‖₂, log scale)',
  yTitle: 'embedding variance of completions',
  logX: 2,
  kneeLabel: (R) => `knee: R = ${R}`,
};
