/**
 * Learning curves of zoo training: the held-out data an evaluation uses, the points as
 * {step, family, metric, value} records in JSON lines, and an SVG of them.
 */
import { writeFileAtomic } from '../util/atomic-file.js';
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

/** Tokens an evaluation generates: the longest answer and a margin of four. */
export function evalAnswerTokens(tokenizer: Tokenizer, prompts: readonly EvalPrompt[]): number {
  return Math.max(...prompts.map((p) => tokenizer.encode(p.assistant).length)) + 4;
}

/** Exact-match (trimmed) answers per family, as counts so that workers' shares add up. */
export function countCorrect(prompts: readonly EvalPrompt[], completions: readonly string[]): { correct: Record<string, number>; total: Record<string, number> } {
  const correct: Record<string, number> = {};
  const total: Record<string, number> = {};
  prompts.forEach((p, i) => {
    total[p.family] = (total[p.family] ?? 0) + 1;
    correct[p.family] = (correct[p.family] ?? 0) + (completions[i]!.trim() === p.assistant.trim() ? 1 : 0);
  });
  return { correct, total };
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


export function writeCurveJsonl(path: string, records: readonly CurveRecord[]): void {
  writeFileAtomic(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** The two-panel learning curve (held-out loss; clean accuracy per family) through the shared plotting module. */
export async function curveSvg(records: readonly CurveRecord[], title: string): Promise<string> {
  // vega takes about half a second to load: only when a curve is drawn
  const { learningCurve } = await import('../plot/index.js');
  return learningCurve(records, {
    title,
    metrics: {
      heldoutLoss: { title: 'held-out loss (nats/token)' },
      accuracy: { title: 'clean accuracy', format: '.0%', domain: [0, 1] },
    },
  });
}

/** Renders the curve with `render` (default: the shared plotting module) and writes it atomically. */
export async function writeCurveSvg(
  path: string,
  records: readonly CurveRecord[],
  title: string,
  render: (records: readonly CurveRecord[], title: string) => string | Promise<string> = curveSvg,
): Promise<void> {
  writeFileAtomic(path, await render(records, title));
}
