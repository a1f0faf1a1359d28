/**
 * The GCG targets on tfjs. The loss formula itself lives in loss-formula.ts, written once over
 * abstract ops; here are its tfjs ops. Both the token-gradient pass (one sequence, through input
 * embeddings) and tfjs candidate scoring call `sequenceLosses` on the forward outputs they computed;
 * the ONNX Runtime scorer emits the same formula as graph nodes (onnx-loss.ts).
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
import type { LossOps } from './loss-formula.js';
import { lossFormula } from './loss-formula.js';

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

/** tfjs implementations of the loss primitives (differentiable: the gradient pass uses them). */
function tfjsOps(responseIds: tf.Tensor1D | null): LossOps<tf.Tensor> {
  return {
    logSoftmax: (x) => {
      const shape = x.shape;
      return tf.reshape(tf.logSoftmax(tf.reshape(x, [-1, shape[shape.length - 1]!])), shape); // [B·R, V] rows
    },
    pickResponse: (logProbs) => {
      const [B, R, V] = logProbs.shape as [number, number, number];
      const ids = tf.tile(responseIds!, [B]); // [B·R]
      return tf.reshape(tf.sum(tf.mul(tf.reshape(logProbs, [B * R, V]), tf.oneHot(ids, V)), 1), [B, R]);
    },
    mean: (x, axis) => tf.mean(x, axis),
    sum: (x, axis) => tf.sum(x, axis),
    logSumExp: (x, axis) => tf.logSumExp(x, axis),
    norm: (x, axis) => tf.norm(x, 'euclidean', axis),
    relu: (x) => tf.relu(x),
    add: (a, b) => tf.add(a, b),
    sub: (a, b) => tf.sub(a, b),
    mul: (a, b) => tf.mul(a, b),
    div: (a, b) => tf.div(a, b),
    neg: (x) => tf.neg(x),
    scalar: (v) => tf.scalar(v),
  };
}

/**
 * Per-sequence losses [B].
 * `responseLogits` [B, R, V]: logits predicting each response token (position of the token before it).
 * `activations` [B, P, D]: layer-L activations at the target positions.
 * `referenceLogits` [B, R, V]: the reference model's logits at the same positions (contrast only).
 */
export function sequenceLosses(target: PreparedTarget, responseLogits: tf.Tensor3D | null, activations: tf.Tensor3D | null, referenceLogits: tf.Tensor3D | null = null): tf.Tensor1D {
  return lossFormula(tfjsOps(target.responseIds), target.spec, target.mellowmax, {
    logits: responseLogits,
    referenceLogits,
    activations,
    clean: target.cleanActivations,
    direction: target.direction,
    responseLength: target.responseIds?.shape[0] ?? 0,
  }) as tf.Tensor1D;
}
