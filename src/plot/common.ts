/** Options and spec pieces every chart kind shares. */
import type { TopLevelSpec } from 'vega-lite';

export interface ChartText {
  /** Bold line above the plot. */
  title?: string;
  /** A smaller line under the title: what the marks mean (bands, dashes, how runs were pooled). */
  subtitle?: string;
}

/** The title block of a spec, or nothing. */
export function titleOf(text: ChartText): Pick<TopLevelSpec, 'title'> {
  if (!text.title && !text.subtitle) return {};
  return { title: { text: text.title ?? '', ...(text.subtitle && { subtitle: text.subtitle }) } };
}

/** A positional scale: logarithmic (base 10 unless told) or linear, zero kept only when asked. */
export function scaleOf(log: boolean | number | undefined, zero = false): Record<string, unknown> {
  if (log) return { type: 'log', base: typeof log === 'number' ? log : 10 };
  return { type: 'linear', zero, nice: true };
}

/** Distinct values in first-seen order, or in the given order (unknown ones after). */
export function orderOf(values: Iterable<string>, preferred: readonly string[] = []): string[] {
  const seen = [...new Set(values)];
  return [...preferred.filter((v) => seen.includes(v)), ...seen.filter((v) => !preferred.includes(v))];
}

/**
 * Tick values for a log axis over [lo, hi] (lo > 0) at round numbers: 1, 2, 5 × 10^k, or every digit
 * × 10^k where that gives fewer than three; undefined (vega's own ticks) inside a single decade step.
 */
export function logTicks(lo: number, hi: number): number[] | undefined {
  for (const mantissas of [[1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks: number[] = [];
    for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
      for (const m of mantissas) {
        const t = Number((m * 10 ** k).toPrecision(6));
        if (t >= lo && t <= hi) ticks.push(t);
      }
    }
    if (ticks.length >= 3) return ticks;
  }
  return undefined;
}

/**
 * A top-level Vega-Lite spec from parts assembled in code. vega-lite's types cannot follow specs built
 * piecewise (field types as plain strings, layers from maps), so the check happens where it counts:
 * the tests compile every chart kind and require vega-lite and vega to raise no warning.
 */
export function topLevel(body: Record<string, unknown>): TopLevelSpec {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', ...body } as unknown as TopLevelSpec;
}

/** What a chart draws when it is given nothing to draw: its title and a line that says so. */
export function noDataSpec(text: ChartText, what: string): TopLevelSpec {
  return topLevel({
    ...titleOf(text),
    width: 360,
    height: 60,
    data: { values: [{ message: `nothing to plot: no ${what}` }] },
    mark: { type: 'text', fontSize: 13, color: '#444', align: 'left', baseline: 'middle' },
    encoding: { text: { field: 'message' }, x: { value: 0 }, y: { value: 30 } },
  });
}
