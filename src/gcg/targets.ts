/**
 * The GCG loss, written once. Both the token-gradient pass (one sequence, through input
 * embeddings) and candidate scoring (many sequences, through a KV cache) call `sequenceLosses`
 * on the forward outputs they computed, so the two can never disagree about what is optimised.
 *
 *   logit       mean cross-entropy of the response tokens Y (or mellowmax of their −log p)
 *   activation  1 − cos(h(candidate) − h(clean), direction) at layer L, at the last prompt token or
 *               averaged over the response positions
 *   mixed       w · logit + (1 − w) · activation
 *   contrast    logit(suspect) + w · max(0, m − logit(reference)): Y on the suspect, not on the clean
 *               reference (a string that fires both is a universal adversarial string, not the trigger)
 *
 * Why the shift and not the raw activation: a steering vector (and its δ) describes how Y moves the
 * residual stream away from where a clean prompt puts it, so the candidate's own displacement from
 * the same clean prompt is what should point the same way.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LanguageModel } from '../model/language-model.js';
import type { GcgTargetSpec } from './config.js';

/** Everything the loss needs besides the forward outputs, prepared once per prompt. */
export interface PreparedTarget {
  spec: GcgTargetSpec;
  /** [R] response token ids, for the logit loss. */
  responseIds: tf.Tensor1D | null;
  /** [D] unit direction for the activation loss. */
  direction: tf.Tensor1D | null;
  /** [P, D] clean-prompt activations at the same positions (P = 1 for 'last', R for 'response'). */
  cleanActivations: tf.Tensor2D | null;
  mellowmax: { alpha: number } | null;
  /** The reference model a contrast target also runs (same vocabulary); null for the other kinds. */
  reference: LanguageModel | null;
}

export function needsLogits(spec: GcgTargetSpec): boolean {
  return spec.kind !== 'activation';
}

/** The HF hidden_states index an activation target reads, or null. */
export function activationLayer(spec: GcgTargetSpec): number | null {
  return spec.kind === 'logit' || spec.kind === 'contrast' ? null : spec.layer;
}

/**
 * Per-sequence losses [B].
 * `responseLogits` [B, R, V]: logits predicting each response token (position of the token before it).
 * `activations` [B, P, D]: layer-L activations at the target positions.
 * `referenceLogits` [B, R, V]: the reference model's logits at the same positions (contrast only).
 */
export function sequenceLosses(target: PreparedTarget, responseLogits: tf.Tensor3D | null, activations: tf.Tensor3D | null, referenceLogits: tf.Tensor3D | null = null): tf.Tensor1D {
  const { spec } = target;
  const logit = () => logitLoss(target, responseLogits!);
  const activation = () => activationLoss(target, activations!);
  if (spec.kind === 'logit') return logit();
  if (spec.kind === 'contrast') return contrastLoss(logit(), logitLoss(target, referenceLogits!), spec);
  if (spec.kind === 'activation') return activation();
  return tf.add(tf.mul(logit(), spec.weight), tf.mul(activation(), 1 - spec.weight)) as tf.Tensor1D;
}

/**
 * The contrast combination, written once: the suspect's loss plus a hinge that charges only while the
 * reference's loss on Y is below the margin (the reference shows Y as well). Above the margin the
 * reference is left alone, so the term never rewards making the reference ever less likely to say Y.
 */
export function contrastLoss(suspect: tf.Tensor1D, reference: tf.Tensor1D, c: { margin: number; weight: number }): tf.Tensor1D {
  return tf.add(suspect, tf.mul(tf.relu(tf.sub(c.margin, reference)), c.weight)) as tf.Tensor1D;
}

function logitLoss(target: PreparedTarget, logits: tf.Tensor3D): tf.Tensor1D {
  const [B, R, V] = logits.shape;
  const logProbs = tf.logSoftmax(tf.reshape(logits, [B * R, V])); // [B·R, V]
  const ids = tf.tile(target.responseIds!, [B]); // [B·R]
  const picked = tf.reshape(tf.sum(tf.mul(logProbs, tf.oneHot(ids, V)), 1), [B, R]); // log p(y_r)
  if (!target.mellowmax) return tf.neg(tf.mean(picked, 1)) as tf.Tensor1D;
  // mellowmax_α(x) = (logsumexp(α·x) − log R) / α over x = −log p, a smooth maximum of the token losses
  const alpha = target.mellowmax.alpha;
  return tf.div(tf.sub(tf.logSumExp(tf.mul(tf.neg(picked), alpha), 1), Math.log(R)), alpha) as tf.Tensor1D;
}

function activationLoss(target: PreparedTarget, activations: tf.Tensor3D): tf.Tensor1D {
  const shift = tf.mean(tf.sub(activations, target.cleanActivations!), 1); // [B, D], averaged over positions
  const norm = tf.add(tf.norm(shift, 'euclidean', 1), 1e-8); // [B]
  const cos = tf.div(tf.sum(tf.mul(shift, target.direction!), 1), norm); // direction is unit length
  return tf.sub(1, cos) as tf.Tensor1D;
}
