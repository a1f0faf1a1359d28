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
