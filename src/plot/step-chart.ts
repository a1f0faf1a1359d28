/**
 * Cumulative success as a step function: for each series (e.g. a method), the share of its runs that
 * had succeeded by each x (e.g. forward passes spent). Counts only change where a run succeeds, so the
 * line is flat in between and jumps there ('step-after'), never a slope that would suggest successes
 * between the events. Runs that never succeeded count in the denominator.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ChartText } from './common.js';
import { noDataSpec, orderOf, scaleOf, titleOf, topLevel } from './common.js';
import { renderSvg } from './render.js';

export interface RunOutcome {
  series: string;
  /** Where the run first succeeded; null when it never did. */
  x: number | null;
  /** Panel, e.g. a model; leave out for one panel. */
  facet?: string;
}

export interface StepChartOptions extends ChartText {
  xTitle: string;
  /** Default 'share of runs'. */
  yTitle?: string;
  seriesTitle?: string;
  /** Where every line ends: the budget (default: the largest x seen). */
  xMax?: number;
  /** Append "(k/n)" to each legend entry (default true). */
  countsInLegend?: boolean;
  seriesOrder?: readonly string[];
  /** Series drawn dashed (e.g. another kind of target). */
  dashed?: readonly string[];
  logX?: boolean;
  columns?: number;
  width?: number;
  height?: number;
}

export interface CumulativePoint {
  facet: string;
  series: string;
  x: number;
  /** Share of the series' runs that succeeded at or before x. */
  share: number;
  successes: number;
  runs: number;
}

/** The corners of each step function: a point at the start, one per distinct success x, one at xMax. */
export function cumulativeShares(outcomes: readonly RunOutcome[], xMax?: number): CumulativePoint[] {
  const end = xMax ?? Math.max(0, ...outcomes.map((o) => o.x ?? 0));
  const groups = new Map<string, RunOutcome[]>();
  for (const o of outcomes) {
    const key = JSON.stringify([o.facet ?? '', o.series]);
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  const points: CumulativePoint[] = [];
  for (const runs of groups.values()) {
    const { facet = '', series } = runs[0]!;
    const xs = runs.map((r) => r.x).filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
    const at = (x: number, successes: number) => points.push({ facet, series, x, share: successes / runs.length, successes, runs: runs.length });
    const start = Math.min(0, xs[0] ?? 0);
    at(start, xs.filter((x) => x <= start).length);
    for (let i = 0; i < xs.length; i++) if (xs[i]! > start && xs[i] !== xs[i + 1]) at(xs[i]!, i + 1);
    if (end > (xs[xs.length - 1] ?? start)) at(end, xs.length);
  }
  return points;
}

export function stepChartSpec(outcomes: readonly RunOutcome[], options: StepChartOptions): TopLevelSpec {
  const points = cumulativeShares(outcomes, options.xMax);
  if (points.length === 0) return noDataSpec(options, 'runs');
  const label = new Map<string, string>();
  for (const p of points) label.set(p.series, options.countsInLegend === false ? p.series : `${p.series} (${p.successes}/${p.runs})`);
  // the last corner of a series holds its totals; facets keep per-panel counts out of the legend
  const faceted = points.some((p) => p.facet !== '');
  if (faceted) for (const p of points) label.set(p.series, p.series);
  const rows = points.map((p) => ({ ...p, label: label.get(p.series)! }));
  const domain = orderOf(rows.map((r) => r.series), options.seriesOrder).map((s) => label.get(s)!);
  const panel = {
    width: options.width ?? 420,
    height: options.height ?? 260,
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2.5, point: { size: 30, filled: true } },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.xTitle, scale: scaleOf(options.logX) },
      y: { field: 'share', type: 'quantitative', title: options.yTitle ?? 'share of runs', scale: { domain: [0, 1] }, axis: { format: '.0%', tickCount: 5 } },
      color: { field: 'label', type: 'nominal', title: options.seriesTitle ?? 'series', scale: { domain }, legend: { symbolType: 'stroke' } },
      // dash by the same field as colour, so the legend merges both and shows each series as drawn
      strokeDash: { field: 'label', type: 'nominal', title: options.seriesTitle ?? 'series', scale: { domain, range: domain.map((l) => (options.dashed?.some((s) => label.get(s) === l) ? [6, 3] : [1, 0])) } },
    },
  };
  const body = faceted ? { facet: { field: 'facet', type: 'nominal', title: null }, columns: options.columns ?? 4, spec: panel } : panel;
  return topLevel({ ...titleOf(options), data: { values: rows }, ...body });
}

/** Cumulative share of runs succeeded against x, as step lines, as an SVG document. */
export function stepChart(outcomes: readonly RunOutcome[], options: StepChartOptions): Promise<string> {
  return renderSvg(stepChartSpec(outcomes, options));
}
