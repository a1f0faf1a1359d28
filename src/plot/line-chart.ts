/**
 * Lines of many runs drawn as their mean with a spread band, one colour per series (e.g. a method),
 * one small panel per facet (e.g. a model): dozens of runs stay readable where one line per run is a
 * tangle. Points sharing (facet, series, x) are pooled; the band is mean ± one sample standard
 * deviation or the min–max range over them.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ChartText } from './common.js';
import { noDataSpec, orderOf, scaleOf, titleOf, topLevel } from './common.js';
import { renderSvg } from './render.js';

export interface LinePoint {
  x: number;
  y: number;
  /** The line this point feeds (colour, legend entry), e.g. a method. */
  series: string;
  /** The panel it is drawn in, e.g. a model; leave out for one panel. */
  facet?: string;
}

export interface LineChartOptions extends ChartText {
  /** Axis titles, with units: 'forward passes (batches)', 'best loss / first loss'. */
  xTitle: string;
  yTitle: string;
  /** Legend title (default 'series'). */
  seriesTitle?: string;
  /** 'sd': mean ± one standard deviation; 'range': min to max (default; honest for 3 seeds); 'none'. */
  spread?: 'sd' | 'range' | 'none';
  logX?: boolean;
  logY?: boolean;
  /** Series drawn dashed (e.g. another kind of target), and the legend/colour order. */
  dashed?: readonly string[];
  seriesOrder?: readonly string[];
  /** Panels per row (default 4) and the size of one panel in pixels. */
  columns?: number;
  width?: number;
  height?: number;
  /** d3-format of the tick labels, e.g. '~s', '.0%'. */
  xFormat?: string;
  yFormat?: string;
}

export interface LineSummary {
  facet: string;
  series: string;
  x: number;
  mean: number;
  low: number;
  high: number;
  /** Points pooled into this one. */
  n: number;
}

// plot is a leaf that imports no other layer (the house's dependency rules), so its two statistics live here
const mean = (ys: readonly number[]) => ys.reduce((a, b) => a + b, 0) / ys.length;
/** Sample standard deviation (n − 1), 0 for one value: the convention of src/eval/stats.ts. */
const sampleSd = (ys: readonly number[], m: number) => (ys.length < 2 ? 0 : Math.sqrt(ys.reduce((s, y) => s + (y - m) ** 2, 0) / (ys.length - 1)));

/** Pools the points of each (facet, series, x) into a mean and a band. */
export function summariseLines(points: readonly LinePoint[], options: Pick<LineChartOptions, 'spread' | 'logY'> = {}): LineSummary[] {
  const groups = new Map<string, { facet: string; series: string; x: number; ys: number[] }>();
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const key = JSON.stringify([p.facet ?? '', p.series, p.x]);
    const group = groups.get(key) ?? { facet: p.facet ?? '', series: p.series, x: p.x, ys: [] };
    group.ys.push(p.y);
    groups.set(key, group);
  }
  const spread = options.spread ?? 'range';
  return [...groups.values()].map(({ facet, series, x, ys }) => {
    const m = mean(ys);
    let [low, high] = spread === 'sd' ? [m - sampleSd(ys, m), m + sampleSd(ys, m)] : spread === 'range' ? [Math.min(...ys), Math.max(...ys)] : [m, m];
    // a log axis cannot show a band below zero: clip it at the smallest value seen
    if (options.logY && low <= 0) low = Math.min(...ys);
    if (options.logY && high <= 0) high = m;
    return { facet, series, x, mean: m, low, high, n: ys.length };
  });
}

export function lineChartSpec(points: readonly LinePoint[], options: LineChartOptions): TopLevelSpec {
  const rows = summariseLines(points, options);
  if (rows.length === 0) return noDataSpec(options, 'points');
  const series = orderOf(rows.map((r) => r.series), options.seriesOrder);
  const legendTitle = options.seriesTitle ?? 'series';
  const color = { field: 'series', type: 'nominal', title: legendTitle, scale: { domain: series }, legend: { symbolType: 'stroke', symbolStrokeWidth: 2.5 } } as const;
  // dash by the same field as colour, so the legend merges both and shows each series as drawn
  const dash = { field: 'series', type: 'nominal', title: legendTitle, scale: { domain: series, range: series.map((s) => (options.dashed?.includes(s) ? [6, 3] : [1, 0])) } } as const;
  const x = { field: 'x', type: 'quantitative', title: options.xTitle, scale: scaleOf(options.logX), axis: { ...(options.xFormat && { format: options.xFormat }), tickCount: 6 } } as const;
  const yAxis = { ...(options.yFormat && { format: options.yFormat }), ...(options.logY && { tickCount: 4 }) };
  const layers: Record<string, unknown>[] = [];
  if ((options.spread ?? 'range') !== 'none') {
    layers.push({
      mark: { type: 'area', opacity: 0.18, line: false },
      encoding: { x, y: { field: 'low', type: 'quantitative', title: options.yTitle, scale: scaleOf(options.logY), axis: yAxis }, y2: { field: 'high' }, fill: { field: 'band', type: 'nominal', scale: { domain: series }, legend: null } },
    });
  }
  layers.push({
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x,
      y: { field: 'mean', type: 'quantitative', title: options.yTitle, scale: scaleOf(options.logY), axis: yAxis },
      color,
      strokeDash: dash,
    },
  });
  const panel = { width: options.width ?? 220, height: options.height ?? 160, layer: layers };
  const faceted = rows.some((r) => r.facet !== '');
  const body = faceted
    ? { facet: { field: 'facet', type: 'nominal', title: null, header: { labelOrient: 'top' } }, columns: options.columns ?? 4, spec: panel }
    : panel;
  return topLevel({ ...titleOf(options), data: { values: rows.map((r) => ({ ...r, band: r.series })) }, ...body });
}

/** Mean ± spread lines, per-facet panels, as an SVG document. */
export function lineChart(points: readonly LinePoint[], options: LineChartOptions): Promise<string> {
  return renderSvg(lineChartSpec(points, options));
}
