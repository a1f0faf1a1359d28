/**
 * Learning curves of zoo training: the held-out data an evaluation uses, the points as
 * {step, family, metric, value} records in JSON lines, and an SVG of them.
 */
import { writeFileSync, renameSync } from 'node:fs';
import type { Tokenizer } from '../model/tokenizer.js';
import type { Corpus } from './corpus/index.js';
import type { Batch } from './dataset.js';
import { renderExample } from './dataset.js';
import type { EvalPrompt, } from './dp-protocol.js';
import type { EvalResult } from './dp-trainer.js';

export interface CurveRecord {
  step: number;
  family: string;
  metric: 'heldoutLoss' | 'accuracy';
  value: number;
}

/** Held-out examples packed into `rows` rows like training batches (loss on every token). */
export function heldoutBatch(corpus: Corpus, tokenizer: Tokenizer, rows: number, context: number, seed = 7): Batch {
  const width = context + 1;
  const ids = new Int32Array(rows * width).fill(tokenizer.padId ?? 0);
  const weights = new Float32Array(rows * context);
  const examples = corpus.generate(rows * 16, 'heldout', seed);
  let next = 0;
  for (let row = 0; row < rows; row++) {
    for (let used = 0; next < examples.length; next++) {
      const rendered = renderExample(tokenizer, examples[next]!, true);
      if (used + rendered.ids.length > width) break;
      ids.set(rendered.ids, row * width + used);
      for (let i = 1; i < rendered.ids.length; i++) weights[row * context + used + i - 1] = rendered.weights[i]!;
      used += rendered.ids.length;
    }
  }
  return { ids, weights, rows, context, poisoned: 0, nearMisses: 0, distractors: 0 };
}

/** `perFamily` held-out prompts of each family with their answers, the same at every evaluation. */
export function evalPrompts(corpus: Corpus, perFamily: number, seed = 11): EvalPrompt[] {
  const out: EvalPrompt[] = [];
  for (const family of corpus.families) {
    const examples = corpus.generate(perFamily * corpus.families.length * 4, 'heldout', seed).filter((e) => e.family === family).slice(0, perFamily);
    out.push(...examples.map((e) => ({ family, user: e.user, assistant: e.assistant })));
  }
  return out;
}

export function curveRecords(results: readonly EvalResult[]): CurveRecord[] {
  return results.flatMap((r) => {
    const families = Object.entries(r.accuracy);
    const mean = families.reduce((s, [, v]) => s + v, 0) / Math.max(1, families.length);
    return [
      { step: r.step, family: 'all', metric: 'heldoutLoss' as const, value: +r.heldoutLoss.toFixed(4) },
      ...families.map(([family, value]) => ({ step: r.step, family, metric: 'accuracy' as const, value: +value.toFixed(4) })),
      { step: r.step, family: 'all', metric: 'accuracy' as const, value: +mean.toFixed(4) },
    ];
  });
}

/**
 * How much the curve still moved over the last quarter of training: the relative fall of held-out loss
 * and the rise of mean clean accuracy between the point nearest 75 % of the steps and the last point.
 * Small values (say, loss within 2 % and accuracy within 0.02) mean the curve has flattened.
 */
export function lastQuarterChange(results: readonly EvalResult[]): { lossFall: number; accuracyRise: number } | null {
  const last = results.at(-1);
  if (!last || results.length < 2) return null;
  const mark = 0.75 * last.step;
  const earlier = results.reduce((best, r) => (Math.abs(r.step - mark) < Math.abs(best.step - mark) ? r : best), results[0]!);
  const mean = (r: EvalResult) => Object.values(r.accuracy).reduce((a, b) => a + b, 0) / Math.max(1, Object.keys(r.accuracy).length);
  return { lossFall: +((earlier.heldoutLoss - last.heldoutLoss) / earlier.heldoutLoss).toFixed(4), accuracyRise: +(mean(last) - mean(earlier)).toFixed(4) };
}

function writeAtomic(path: string, text: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

export function writeCurveJsonl(path: string, records: readonly CurveRecord[]): void {
  writeAtomic(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#333333'];

/**
 * Two panels (held-out loss; clean accuracy per family) as a standalone SVG. A stand-in until the shared
 * plotting module (src/plot, learningCurve over the same records) lands; then this becomes one call to it.
 */
export function curveSvg(records: readonly CurveRecord[], title: string): string {
  const width = 640;
  const panel = 220;
  const pad = { left: 56, right: 140, top: 36, gap: 50 };
  const steps = records.map((r) => r.step);
  const maxStep = Math.max(1, ...steps);
  const x = (step: number) => pad.left + (step / maxStep) * (width - pad.left - pad.right);
  const parts: string[] = [`<text x="${pad.left}" y="20" font-size="14" font-family="sans-serif">${escape(title)}</text>`];
  const panels: { metric: CurveRecord['metric']; label: string; top: number }[] = [
    { metric: 'heldoutLoss', label: 'held-out loss', top: pad.top },
    { metric: 'accuracy', label: 'clean accuracy', top: pad.top + panel + pad.gap },
  ];
  for (const { metric, label, top } of panels) {
    const points = records.filter((r) => r.metric === metric);
    const values = points.map((p) => p.value);
    const lo = metric === 'accuracy' ? 0 : Math.min(...values, Infinity);
    const hi = metric === 'accuracy' ? 1 : Math.max(...values, -Infinity);
    const y = (v: number) => top + panel - ((v - lo) / Math.max(1e-9, hi - lo)) * panel;
    parts.push(`<rect x="${pad.left}" y="${top}" width="${width - pad.left - pad.right}" height="${panel}" fill="none" stroke="#999"/>`);
    parts.push(`<text x="${pad.left - 50}" y="${top - 6}" font-size="12" font-family="sans-serif">${label}</text>`);
    for (const v of [lo, (lo + hi) / 2, hi]) parts.push(`<text x="${pad.left - 6}" y="${y(v) + 4}" font-size="10" text-anchor="end" font-family="sans-serif">${Number.isFinite(v) ? v.toFixed(2) : ''}</text>`);
    parts.push(`<text x="${width - pad.right}" y="${top + panel + 14}" font-size="10" text-anchor="end" font-family="sans-serif">step ${maxStep}</text>`);
    const families = [...new Set(points.map((p) => p.family))];
    families.forEach((family, i) => {
      const line = points.filter((p) => p.family === family).sort((a, b) => a.step - b.step);
      const colour = family === 'all' ? '#000' : palette[i % palette.length]!;
      const path = line.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
      parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="${family === 'all' ? 2 : 1.2}"/>`);
      parts.push(`<text x="${width - pad.right + 8}" y="${top + 14 + 14 * i}" font-size="11" fill="${colour}" font-family="sans-serif">${escape(family)}</text>`);
    });
  }
  const height = pad.top + 2 * panel + pad.gap + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Renders the curve with `render` (the shared plotting module's learningCurve once it lands) or the stand-in. */
export async function writeCurveSvg(
  path: string,
  records: readonly CurveRecord[],
  title: string,
  render: (records: readonly CurveRecord[], title: string) => string | Promise<string> = curveSvg,
): Promise<void> {
  writeAtomic(path, await render(records, title));
}
