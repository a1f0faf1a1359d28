/**
 * Semi-supervised use of unsupervised vectors: order a MELBO or DCT set so that the features nearest
 * to a weak supervised signal come first. Three scores:
 *   vector  cos(θ_f, w): the feature's direction against a supervised vector θ_Y (same hook)
 *   delta   cos(δ_f, w): the feature's effect at the target layer against an effect (θ_Y's δ, or a δ_X)
 *   logp    mean log p(Y | prompt, θ_f), teacher forced: how much steering by the feature favours Y
 * A set re-ordered by any of them keeps its vectors and deltas, each vector's score in meta.score.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { yieldToEventLoop } from '../engine/yield.js';
import { BadInputError, throwIfAborted } from '../errors.js';
import { cosine } from '../eval/stats.js';
import { steeringHook } from '../model/hooks.js';
import type { LanguageModel } from '../model/language-model.js';
import type { PromptInput } from './prompts.js';
import { promptTokens } from './prompts.js';
import { targetTokens } from './supervised.js';
import { disposeForcedBatch, forcedBatch, targetLogProbs } from './teacher-forcing.js';
import type { VectorSet } from './vector-set.js';

export type ProjectionSpace = 'vector' | 'delta';

/** cos(θ_f, w) or cos(δ_f, w) for every vector of the set. */
export function projectionScores(set: VectorSet, direction: ArrayLike<number>, space: ProjectionSpace): number[] {
  const rows = space === 'vector' ? set.vectors : set.deltas;
  if (!rows) throw new BadInputError(`this ${set.kind} vector set has no deltas to project; rank by 'vector' or retrain it on prompts`);
  const width = rows[0]?.length ?? 0;
  if (direction.length !== width) throw new BadInputError(`the direction is ${direction.length} wide but the set's ${space === 'vector' ? 'vectors' : 'deltas'} are ${width}`);
  return rows.map((row) => cosine(row, direction));
}

export interface LogProbOptions {
  chat?: boolean;
  /** Steer only at these positions of each prompt (default every position). */
  positions?: readonly number[];
  /** Multiplies every vector (default 1). */
  scale?: number;
  signal?: AbortSignal;
}

/** Mean over prompts of the mean log p(Y token) with each vector added at the set's hook (teacher forced). */
export async function logProbScores(model: LanguageModel, set: VectorSet, prompts: PromptInput, target: string | readonly number[], options: LogProbOptions = {}): Promise<number[]> {
  const batch = forcedBatch(model, promptTokens(model, prompts, options.chat ?? true), targetTokens(model, target));
  const scores: number[] = [];
  try {
    for (const values of set.vectors) {
      throwIfAborted(options.signal, 'log p(Y) ranking');
      await yieldToEventLoop();
      const logProb = tidy(() => {
        const hook = steeringHook(tf.tensor1d(values), { scale: options.scale ?? 1, ...(options.positions && { positions: options.positions }) });
        return tf.mean(targetLogProbs(model, batch, [[set.hook, hook]]));
      });
      scores.push((await logProb.data())[0]!);
      logProb.dispose();
    }
  } finally {
    disposeForcedBatch(batch);
  }
  return scores;
}

/** The set ordered by score, highest first (ties by original index); meta.score holds each score. */
export function rankedSet(set: VectorSet, scores: readonly number[], rankedBy: string): VectorSet {
  if (scores.length !== set.vectors.length) throw new BadInputError(`${scores.length} scores for ${set.vectors.length} vectors`);
  const order = scores.map((_, i) => i).sort((i, j) => scores[j]! - scores[i]! || i - j);
  return {
    ...set,
    settings: { ...set.settings, rankedBy },
    vectors: order.map((i) => set.vectors[i]!),
    ...(set.deltas && { deltas: order.map((i) => set.deltas![i]!) }),
    meta: order.map((i) => ({ ...set.meta[i], score: scores[i]! })),
  };
}
