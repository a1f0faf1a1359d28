/**
 * Choosing R: MELBO's vectors do nothing visible when R is too small and wreck the model when it is too
 * large; the useful R sits at the cusp just before the diversity of steered completions jumps. For each
 * R of a grid this trains a few vectors (few steps), generates greedy steered completions, and measures
 * their diversity two ways:
 * - embedding variance: each completion is embedded by the model itself (final-norm hidden states,
 *   unsteered, mean-pooled over the completion's tokens, teacher forced after its prompt); the measure
 *   is the total variance, the mean squared distance of the embeddings from their centroid;
 * - distinct-n: distinct token n-grams / all token n-grams over the completions (needs no forward).
 * The knee is found on (log2 R, measure) with the convex shape (flat, then a jump).
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { BadInputError, throwIfAborted } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import { forward } from '../model/transformer.js';
import { steeredCompletions } from './analysis.js';
import type { Knee } from './knee.js';
import { findKnee } from './knee.js';
import type { MelboConfig } from './melbo.js';
import { trainMelbo } from './melbo.js';
import type { PromptInput } from './prompts.js';
import { leftPad, promptTokens } from './prompts.js';

export { findKnee } from './knee.js';

export interface SweepConfig {
  /** The grid (geometric, as the knee is found on log2 R). */
  radii: number[];
  vectorsPerRadius: number;
  /** MELBO steps per vector: a sweep needs only a rough vector. */
  steps: number;
  maxNewTokens: number;
  /** Which measure the knee is found on. */
  measure: 'embedding' | 'ngram';
  /** n of distinct-n. */
  ngram: number;
  /** Anything else for MELBO (lr, p, q, layers, seed...). */
  melbo: Partial<MelboConfig>;
  chat: boolean;
}

export const defaultSweepConfig: SweepConfig = {
  radii: [0.5, 1, 2, 4, 8, 16, 32],
  vectorsPerRadius: 4,
  steps: 50,
  maxNewTokens: 24,
  measure: 'embedding',
  ngram: 2,
  melbo: {},
  chat: true,
};

export interface SweepPoint {
  R: number;
  embeddingVariance: number;
  ngramDiversity: number;
  /** Mean final objective of the vectors trained at this R. */
  objective: number;
  /** [vector][prompt] completion tokens. */
  completions: number[][][];
}

export interface SweepResult {
  points: SweepPoint[];
  knee: Knee | null;
  /** The R at the knee, or null when the curve has none. */
  R: number | null;
  config: SweepConfig;
}

export async function sweepRadius(
  model: LanguageModel,
  prompts: PromptInput,
  config: Partial<SweepConfig> = {},
  options: { signal?: AbortSignal; onProgress?: (point: SweepPoint, done: number, total: number) => void } = {},
): Promise<SweepResult> {
  const c: SweepConfig = { ...defaultSweepConfig, ...config };
  if (c.radii.length === 0 || c.radii.some((r) => !(r > 0))) throw new BadInputError('the R grid must hold positive radii');
  const promptIds = promptTokens(model, prompts, c.chat);
  const points: SweepPoint[] = [];
  for (const R of c.radii) {
    throwIfAborted(options.signal, 'R sweep');
    const set = await trainMelbo(model, promptIds, { ...c.melbo, R, count: c.vectorsPerRadius, steps: c.steps }, options.signal ? { signal: options.signal } : {});
    const runs = await steeredCompletions(model, set, promptIds, { maxNewTokens: c.maxNewTokens, signal: options.signal });
    const embeddings: Float32Array[] = [];
    for (const rows of runs.tokens) embeddings.push(...(await completionEmbeddings(model, promptIds, rows)));
    const point: SweepPoint = {
      R,
      embeddingVariance: totalVariance(embeddings),
      ngramDiversity: distinctN(runs.tokens.flat(), c.ngram),
      objective: set.meta.reduce((s, m) => s + (m.objective ?? 0), 0) / set.meta.length,
      completions: runs.tokens,
    };
    points.push(point);
    options.onProgress?.(point, points.length, c.radii.length);
  }
  const ys = points.map((p) => (c.measure === 'embedding' ? p.embeddingVariance : p.ngramDiversity));
  const knee = findKnee(points.map((p) => Math.log2(p.R)), ys, { shape: 'convex' });
  return { points, knee: knee && { ...knee, x: points[knee.index]!.R }, R: knee ? points[knee.index]!.R : null, config: c };
}

/**
 * Each completion embedded by the model: final-norm hidden states of prompt + completion (no steering),
 * mean-pooled over the completion's positions. Empty completions are skipped.
 */
export async function completionEmbeddings(model: LanguageModel, prompts: readonly (readonly number[])[], completions: readonly (readonly number[])[]): Promise<Float32Array[]> {
  const rows = completions.map((c, i) => ({ prompt: prompts[i]!, completion: c })).filter((r) => r.completion.length > 0);
  if (rows.length === 0) return [];
  const pooled = tidy(() => {
    const padded = leftPad(rows.map((r) => [...r.prompt, ...r.completion]));
    const B = rows.length;
    const W = padded.width;
    const weights = new Float32Array(B * W);
    rows.forEach((r, b) => {
      for (let t = W - r.completion.length; t < W; t++) weights[b * W + t] = 1 / r.completion.length;
    });
    const { hidden } = forward(model, padded.ids, { stopAt: model.config.nLayers, attentionMask: padded.mask, positions: padded.positions }); // [B, W, D]
    return tf.sum(tf.mul(hidden, tf.tensor3d(weights, [B, W, 1])), 1); // [B, D]
  });
  const data = (await pooled.data()) as Float32Array;
  pooled.dispose();
  const D = model.config.dModel;
  return rows.map((_, b) => data.slice(b * D, (b + 1) * D));
}

/** Mean squared distance from the centroid (the trace of the covariance, population form); 0 for < 2 rows. */
export function totalVariance(rows: readonly Float32Array[]): number {
  if (rows.length < 2) return 0;
  const D = rows[0]!.length;
  const centroid = new Float64Array(D);
  for (const row of rows) for (let i = 0; i < D; i++) centroid[i]! += row[i]! / rows.length;
  let sum = 0;
  for (const row of rows) for (let i = 0; i < D; i++) sum += (row[i]! - centroid[i]!) ** 2;
  return sum / rows.length;
}

/** Distinct-n: distinct n-grams over all n-grams of the sequences (0 when there are none). */
export function distinctN(sequences: readonly (readonly number[])[], n: number): number {
  const seen = new Set<string>();
  let total = 0;
  for (const seq of sequences) {
    for (let i = 0; i + n <= seq.length; i++) {
      seen.add(seq.slice(i, i + n).join(','));
      total++;
    }
  }
  return total === 0 ? 0 : seen.size / total;
}
