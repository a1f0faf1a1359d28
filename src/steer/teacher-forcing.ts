/**
 * log p(Y | prompt) by teacher forcing: each prompt followed by the target tokens, left-padded, one
 * forward; the target then sits at the last m positions of every row and is predicted by the m
 * positions before them. Shared by the optimised vector (its loss) and behaviour scoring.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../errors.js';
import type { Hooks } from '../model/hooks.js';
import type { LanguageModel } from '../model/language-model.js';
import { maxSequence } from '../model/language-model.js';
import { forward } from '../model/transformer.js';
import { leftPad } from './prompts.js';

export interface ForcedBatch {
  /** [B, W] prompt + target, left-padded. */
  ids: tf.Tensor2D;
  mask: tf.Tensor2D;
  positions: tf.Tensor2D;
  width: number;
  /** m, the target's length in tokens. */
  targetLength: number;
  /** [1, m, V] one-hot rows of the target tokens (built on the host). */
  targetOneHot: tf.Tensor3D;
}

export function forcedBatch(model: LanguageModel, prompts: readonly (readonly number[])[], target: readonly number[]): ForcedBatch {
  if (target.length === 0) throw new BadInputError('the target behaviour is empty; give at least one token of it');
  const V = model.config.vocabSize;
  const bad = target.find((id) => !Number.isInteger(id) || id < 0 || id >= V);
  if (bad !== undefined) throw new BadInputError(`target token id ${bad} is outside the model's vocabulary 0..${V - 1}`);
  const sequences = prompts.map((p) => [...p, ...target]);
  const longest = Math.max(...sequences.map((s) => s.length));
  if (longest > maxSequence(model)) throw new BadInputError(`prompt + target is ${longest} tokens, longer than the model's ${maxSequence(model)} positions; shorten them`);
  const m = target.length;
  const oneHot = new Float32Array(m * V);
  target.forEach((id, i) => (oneHot[i * V + id] = 1));
  return { ...leftPad(sequences), targetLength: m, targetOneHot: tf.tensor3d(oneHot, [1, m, V]) };
}

export function disposeForcedBatch(batch: ForcedBatch): void {
  tf.dispose([batch.ids, batch.mask, batch.positions, batch.targetOneHot]);
}

/** Mean over the target tokens of log p(token | everything before it), per prompt: [B]. */
export function targetLogProbs(model: LanguageModel, batch: ForcedBatch, hooks?: Hooks): tf.Tensor1D {
  const m = batch.targetLength;
  const { logits } = forward(model, batch.ids, {
    ...(hooks && { hooks }),
    attentionMask: batch.mask,
    positions: batch.positions,
    logits: [batch.width - m - 1, m], // the positions that predict the m target tokens
  });
  const logProbs = tf.logSoftmax(logits!); // [B, m, V]
  return tf.mean(tf.sum(tf.mul(logProbs, batch.targetOneHot), 2), 1) as tf.Tensor1D; // [B, m, V] -> [B, m] -> [B]
}
