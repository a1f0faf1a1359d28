/**
 * MELBO's objectives, as functions of the target-layer shift Δh = h_target(θ) − h_target(0) at the
 * target rows ([K, D], prompt by prompt; `segments` [B, K] says which prompt a row belongs to).
 *
 * Magnitude, per prompt: (Σ_t ‖Δh_t‖₂^p)^(1/q), summed over prompts and maximised. This is the blog
 * post's formula. The reference repository (amack315/unsupervised-steering-vectors) computes, per prompt,
 * `(target - target_unsteered).norm(dim=1).pow(p).sum().pow(1/q)` on a [1, T, D] slice: the 2-norm over
 * the token dimension for each feature d, then Σ_d (‖Δh_{·,d}‖₂)^p. The two agree for p = 2 (both are
 * Σ_t Σ_d Δh²) and differ for every other p; this file implements the blog's.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LanguageModel } from '../model/language-model.js';
import type { PromptBatch } from './prompts.js';
import type { SteerSite } from './shift.js';
import { targetShift } from './shift.js';

/**
 * (Σ_t ‖Δh_t‖₂^p)^(1/q) for each prompt, [B]. ‖Δh‖^p is taken as (‖Δh‖²)^(p/2), which has a finite
 * gradient at Δh = 0 for p ≥ 2 (the p < 2 case has none there: avoid starting at θ = 0 with it).
 */
export function magnitudePerPrompt(shift: tf.Tensor2D, segments: tf.Tensor2D, p: number, q: number): tf.Tensor1D {
  const K = shift.shape[0];
  const squares = tf.sum(tf.square(shift), 1); // [K, D] -> [K]
  const powered = p === 2 ? squares : tf.pow(squares, p / 2);
  const sums = tf.reshape(tf.matMul(segments, tf.reshape(powered, [K, 1])), [segments.shape[0]]); // [B, K] @ [K, 1] -> [B]
  return (q === 1 ? sums : tf.pow(sums, 1 / q)) as tf.Tensor1D;
}

/** The magnitude objective: the per-prompt values summed over prompts. */
export function magnitudeObjective(shift: tf.Tensor2D, segments: tf.Tensor2D, p: number, q: number): tf.Scalar {
  return tf.sum(magnitudePerPrompt(shift, segments, p, q));
}

function unitRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.add(tf.norm(x, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
}

/**
 * Soft orthogonality: Σ_i cos(x, e_i)² over earlier rows e_i [N, F] (0 when there are none). x is θ
 * itself (soft-vector) or its flattened shift δ(θ) (soft-delta), with e_i of the same kind.
 */
export function cosinePenalty(x: tf.Tensor1D, earlier: tf.Tensor2D | undefined): tf.Scalar {
  if (!earlier) return tf.scalar(0);
  const F = x.shape[0];
  const cosines = tf.matMul(unitRows(earlier), unitRows(tf.reshape(x, [1, F]) as tf.Tensor2D), false, true); // [N, F] @ [F, 1] -> [N, 1]
  return tf.sum(tf.square(cosines));
}

/** Each prompt's mean shift over its target rows, [B, D]. */
export function promptMeanShift(shift: tf.Tensor2D, segments: tf.Tensor2D): tf.Tensor2D {
  const weights = tf.div(segments, tf.sum(segments, 1, true)); // [B, K], rows sum to 1
  return tf.matMul(weights, shift); // [B, K] @ [K, D] -> [B, D]
}

/**
 * NoiseCLR-style agreement: the mean pairwise cosine similarity of the prompts' mean shifts δ_p(θ),
 * high when one vector moves every prompt the same way (0 for a single prompt).
 */
export function contrastiveObjective(shift: tf.Tensor2D, segments: tf.Tensor2D): tf.Scalar {
  const B = segments.shape[0];
  if (B < 2) return tf.scalar(0);
  const unit = unitRows(promptMeanShift(shift, segments)); // [B, D]
  const gram = tf.matMul(unit, unit, false, true); // [B, B]
  const offDiagonal = tf.sub(tf.sum(gram), tf.sum(tf.square(unit))); // total minus the trace
  return tf.div(offDiagonal, B * (B - 1));
}

export interface ObjectiveWeights {
  /** λ_contrastive (0: off). */
  contrastive: number;
  /** λ_orth, the weight of the soft-orthogonality penalty (0: off). */
  orthogonality: number;
}

/** magnitude + λ_contrastive·contrastive − λ_orth·penalty. */
export function combinedObjective(terms: { magnitude: tf.Scalar; contrastive?: tf.Scalar; penalty?: tf.Scalar }, weights: ObjectiveWeights): tf.Scalar {
  let total = terms.magnitude;
  if (terms.contrastive && weights.contrastive !== 0) total = tf.add(total, tf.mul(terms.contrastive, weights.contrastive));
  if (terms.penalty && weights.orthogonality !== 0) total = tf.sub(total, tf.mul(terms.penalty, weights.orthogonality));
  return total;
}

/** Where soft-delta reads δ(θ): flattened over all target rows, or each prompt's last token only. */
export type DeltaSpan = 'targets' | 'last';

/** Everything the full MELBO objective at θ needs besides θ. */
export interface SteeredObjective {
  model: LanguageModel;
  batch: PromptBatch;
  site: SteerSite;
  /** h(0) at the target rows [K, D]. */
  base: tf.Tensor2D;
  /** [B, K] from segmentMatrix. */
  segments: tf.Tensor2D;
  p: number;
  q: number;
  weights: ObjectiveWeights;
  /** Soft orthogonality against earlier vectors' θ ('vector') or flattened δ ('delta'). */
  penalty?: { kind: 'vector' | 'delta'; earlier: tf.Tensor2D | undefined; span: DeltaSpan };
}

/** δ(θ) flattened for the soft-delta penalty: [K·D] over the target rows, or [B·D] at the last tokens. */
export function flatDelta(shift: tf.Tensor2D, batch: PromptBatch, span: DeltaSpan): tf.Tensor1D {
  if (span === 'targets') return tf.reshape(shift, [-1]) as tf.Tensor1D; // [K, D] -> [K·D]
  const lastInTargets = batch.lastRows.map((row) => batch.targetRows.indexOf(row));
  return tf.reshape(tf.gather(shift, tf.tensor1d(lastInTargets, 'int32')), [-1]) as tf.Tensor1D; // [B, D] -> [B·D]
}

/** The combined objective at θ, and the shift it came from. */
export function steeredObjective(o: SteeredObjective, theta: tf.Tensor1D): { objective: tf.Scalar; shift: tf.Tensor2D } {
  const shift = targetShift(o.model, o.batch, o.site, theta, o.base);
  const magnitude = magnitudeObjective(shift, o.segments, o.p, o.q);
  const contrastive = o.weights.contrastive !== 0 ? contrastiveObjective(shift, o.segments) : undefined;
  let penalty: tf.Scalar | undefined;
  if (o.penalty && o.weights.orthogonality !== 0) {
    penalty = cosinePenalty(o.penalty.kind === 'vector' ? theta : flatDelta(shift, o.batch, o.penalty.span), o.penalty.earlier);
  }
  return { objective: combinedObjective({ magnitude, ...(contrastive && { contrastive }), ...(penalty && { penalty }) }, o.weights), shift };
}
