/**
 * Where vectors sit in an objective's landscape: for each objective (one panel each), the histogram
 * of the objective over random vectors of the same norm (the reference), the histograms of trained
 * vectors (MELBO, DCT features...) over the same bins, and single marked vectors (θ_Y, δ_X) as
 * labelled rules that say which share of the random vectors they beat. Histograms are normalised per
 * group (share of the group's vectors per bin), so 64 random vectors and 512 features compare.
 */
import type { TopLevelSpec } from 'vega-lite';
import { BadInputError } from '../errors.js';
import type { ChartText } from './common.js';
import { logTicks, noDataSpec, orderOf, titleOf, topLevel } from './common.js';
import { renderSvg } from './render.js';
import { measureTextWidth } from './text-width.js';

export interface LandscapeValue {
  /** The panel, e.g. 'MELBO objective'. */
  objective: string;
  /** The distribution it belongs to, e.g. 'random', 'MELBO vectors', 'DCT features'. */
  group: string;
  value: number;
}

export interface LandscapeMark {
  objective: string;
  /** e.g. 'θ_Y', 'δ_X'. */
  label: string;
  value: number;
  /** The group it is ranked against, e.g. the random vectors of its own norm (default: options.reference). */
  against?: string;
}

export interface LandscapeOptions extends ChartText {
  /** The group marks are ranked against unless they name their own (default 'random'); listed first. */
  reference?: string;
  /** Per objective: the x axis title with units (default: the objective's name). Key order = panel order. */
  objectives?: Record<string, { title?: string }>;
  /** Log x axis (the optima of MELBO reach many times the random level); values must be > 0. */
  logX?: boolean;
  /** Bins per panel (default 24). */
  bins?: number;
  groupOrder?: readonly string[];
  width?: number;
  height?: number;
}

/** Share of the reference values below `value` (ties count half): 0.97 = beats 97 % of them. */
export function shareBelow(reference: readonly number[], value: number): number {
  if (reference.length === 0) return NaN;
  let below = 0;
  for (const r of reference) below += r < value ? 1 : r === value ? 0.5 : 0;
  return below / reference.length;
}

interface Bin {
  objective: string;
  group: string;
  start: number;
  end: number;
  share: number;
}

function histogram(objective: string, values: readonly LandscapeValue[], extent: [number, number], bins: number, log: boolean): Bin[] {
  const [lo, hi] = log ? [Math.log(extent[0]), Math.log(extent[1])] : extent;
  const width = (hi - lo || 1) / bins;
  const edge = (i: number) => (log ? Math.exp(lo + i * width) : lo + i * width);
  const out: Bin[] = [];
  for (const [group, members] of groupBy(values, (v) => v.group)) {
    const counts = new Array<number>(bins).fill(0);
    for (const v of members) counts[Math.min(bins - 1, Math.floor(((log ? Math.log(v.value) : v.value) - lo) / width))]! += 1;
    counts.forEach((c, i) => c > 0 && out.push({ objective, group, start: edge(i), end: edge(i + 1), share: c / members.length }));
  }
  return out;
}

export function landscapeChartSpec(values: readonly LandscapeValue[], marks: readonly LandscapeMark[], options: LandscapeOptions = {}): TopLevelSpec {
  const reference = options.reference ?? 'random';
  const log = options.logX ?? false;
  const finite = values.filter((v) => Number.isFinite(v.value));
  if (log && [...finite, ...marks].some((v) => !(v.value > 0))) throw new BadInputError('landscapeChart: a log axis needs every objective value above 0; plot without logX');
  if (finite.length === 0 && marks.length === 0) return noDataSpec(options, 'objective values');
  const objectives = orderOf([...finite.map((v) => v.objective), ...marks.map((m) => m.objective)], Object.keys(options.objectives ?? {}));
  const groups = orderOf(finite.map((v) => v.group), [reference, ...(options.groupOrder ?? [])]);
  const panels = objectives.map((objective) => {
    const own = finite.filter((v) => v.objective === objective);
    const ownMarks = marks.filter((m) => m.objective === objective);
    const all = [...own.map((v) => v.value), ...ownMarks.map((m) => m.value)];
    const extent = padded(Math.min(...all), Math.max(...all), log);
    const bins = histogram(objective, own, extent, options.bins ?? 24, log);
    const width = options.width ?? 380;
    const marked = placeLabels(ownMarks, own, { reference, extent, log, width });
    const x = { title: options.objectives?.[objective]?.title ?? objective, scale: log ? { type: 'log', domain: extent, nice: false } : { domain: extent, nice: false } };
    const height = options.height ?? 220;
    // headroom above the tallest bar for the marks' labels
    const top = Math.max(0, ...bins.map((b) => b.share)) / Math.max(0.3, 1 - (8 + labelRowHeight * marked.length) / height);
    return {
      width,
      height,
      layer: [
        {
          data: { values: bins },
          mark: { type: 'rect', opacity: 0.55, stroke: 'white', strokeWidth: 0.5 },
          encoding: {
            x: { field: 'start', type: 'quantitative', ...x, axis: { format: '~g', ...((log && logTicks(...extent)) ? { values: logTicks(...extent) } : { tickCount: 6 }) } },
            x2: { field: 'end' },
            y: { field: 'share', type: 'quantitative', title: 'share of the group\'s vectors', scale: { domain: [0, top], nice: false }, axis: { format: '.0%' } },
            y2: { datum: 0 },
            color: { field: 'group', type: 'nominal', title: 'vectors', scale: { domain: groups } },
          },
        },
        { data: { values: marked }, mark: { type: 'rule', color: '#111', strokeWidth: 2, strokeDash: [5, 3] }, encoding: { x: { field: 'value', type: 'quantitative' } } },
        ...labelLayers(marked),
      ],
    };
  });
  return topLevel({ ...titleOf(options), hconcat: panels, resolve: { scale: { x: 'independent' } } });
}

/** The landscape of one or more objectives, with marked vectors, as an SVG document. */
export function landscapeChart(values: readonly LandscapeValue[], marks: readonly LandscapeMark[], options: LandscapeOptions = {}): Promise<string> {
  return renderSvg(landscapeChartSpec(values, marks, options));
}

/** Two lines per mark (its name in bold, its rank below), 15 px each, and a gap. */
const labelRowHeight = 34;
const labelFont = 12;

interface PlacedLabel extends LandscapeMark {
  rank: string;
  /** Pixels from the top of the panel. */
  row: number;
  /** 'left': the text starts at the rule and runs right; 'right': it ends at the rule. */
  side: 'left' | 'right';
}

/** Ranks each mark and puts its label on the side of its rule with room for it. */
function placeLabels(marks: readonly LandscapeMark[], values: readonly LandscapeValue[], at: { reference: string; extent: [number, number]; log: boolean; width: number }): PlacedLabel[] {
  const { extent, log, width } = at;
  const fraction = (v: number) => (log ? Math.log(v / extent[0]) / Math.log(extent[1] / extent[0]) : (v - extent[0]) / (extent[1] - extent[0] || 1));
  return marks.map((m, i) => {
    const against = m.against ?? at.reference;
    const share = shareBelow(values.filter((v) => v.group === against).map((v) => v.value), m.value);
    const rank = Number.isNaN(share) ? '' : share === 1 ? `above all ${against}` : share === 0 ? `below all ${against}` : `above ${Math.round(share * 100)}% of ${against}`;
    const needed = Math.max(measureTextWidth({ fontSize: labelFont, fontWeight: 'bold' }, m.label), measureTextWidth({ fontSize: labelFont }, rank)) + 6;
    const x = fraction(m.value) * width;
    const side = width - x >= needed || width - x >= x ? 'left' : 'right';
    return { ...m, rank, row: 4 + i * labelRowHeight, side };
  });
}

/** Text layers for the labels: per side (alignment is a mark property), the name and the rank below it. */
function labelLayers(labels: readonly PlacedLabel[]): Record<string, unknown>[] {
  return (['left', 'right'] as const).flatMap((side) => {
    const values = labels.filter((l) => l.side === side).map((l) => ({ ...l, rankRow: l.row + 15 }));
    const text = (field: string, row: string, bold: boolean) => ({
      data: { values },
      mark: { type: 'text', align: side, baseline: 'top', dx: side === 'left' ? 4 : -4, fontSize: labelFont, fontWeight: bold ? 'bold' : 'normal', color: '#111' },
      encoding: { x: { field: 'value', type: 'quantitative' }, y: { field: row, type: 'quantitative', scale: null }, text: { field } },
    });
    return values.length === 0 ? [] : [text('label', 'row', true), text('rank', 'rankRow', false)];
  });
}

/** The data's extent with a little room on either side (multiplicative on a log axis). */
function padded(lo: number, hi: number, log: boolean): [number, number] {
  if (log) return [lo / 1.05, hi * 1.05];
  const room = (hi - lo || Math.abs(hi) || 1) * 0.03;
  return [lo - room, hi + room];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
