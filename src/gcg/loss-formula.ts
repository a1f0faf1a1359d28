/**
 * The GCG loss, written once over abstract tensor operations. The tfjs ops (targets.ts) give the
 * differentiable loss of the token-gradient pass and of tfjs scoring; the ONNX ops (onnx-loss.ts)
 * emit the same formula as graph nodes for the ONNX Runtime scorer. Neither side writes the
 * formula itself, so the gradient pass and the scorer cannot disagree about what is optimised.
 *
 *   logit       mean over response tokens of −log p(y_r)   (or mellowmax_α of the −log p)
 *   activation  1 − cos(mean over positions of (h − h_clean), direction)
 *   mixed       w · logit + (1 − w) · activation
 *   contrast    logit(suspect) + w · max(0, m − logit(reference)): Y on the suspect, not on the clean
 *               reference; the hinge charges only while the reference's loss on Y is below the margin
 */
import type { GcgTargetSpec } from './config.js';

/** The primitives the formula needs; axes count from the front of [B, ...] tensors. */
export interface LossOps<T> {
  /** log-softmax over the last axis. */
  logSoftmax(x: T): T;
  /** [B, R, V] -> [B, R]: the entry of each response token y_r at row r. */
  pickResponse(logProbs: T): T;
  mean(x: T, axis: number): T;
  sum(x: T, axis: number): T;
  logSumExp(x: T, axis: number): T;
  /** Euclidean norm over `axis`. */
  norm(x: T, axis: number): T;
  relu(x: T): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  neg(x: T): T;
  scalar(value: number): T;
}

export interface LossInputs<T> {
  /** [B, R, V] logits predicting each response token (null for an activation-only target). */
  logits: T | null;
  /** [B, R, V] the reference model's logits at the same positions (contrast only). */
  referenceLogits?: T | null;
  /** [B, P, D] activations at the target positions (null for a logit-only target). */
  activations: T | null;
  /** [P, D] the clean prompt's activations at the same positions. */
  clean: T | null;
  /** [D] unit direction. */
  direction: T | null;
  /** Number of response tokens R (mellowmax subtracts log R). */
  responseLength: number;
}

/** Per-sequence losses [B]. */
export function lossFormula<T>(ops: LossOps<T>, spec: GcgTargetSpec, mellowmax: { alpha: number } | null, x: LossInputs<T>): T {
  const logit = () => logitLoss(ops, mellowmax, x.logits!, x.responseLength);
  const activation = () => activationLoss(ops, x);
  if (spec.kind === 'logit') return logit();
  if (spec.kind === 'contrast') {
    const reference = logitLoss(ops, mellowmax, x.referenceLogits!, x.responseLength);
    return ops.add(logit(), ops.mul(ops.relu(ops.sub(ops.scalar(spec.margin), reference)), ops.scalar(spec.weight)));
  }
  if (spec.kind === 'activation') return activation();
  return ops.add(ops.mul(logit(), ops.scalar(spec.weight)), ops.mul(activation(), ops.scalar(1 - spec.weight)));
}

function logitLoss<T>(ops: LossOps<T>, mellowmax: { alpha: number } | null, logits: T, responseLength: number): T {
  const picked = ops.pickResponse(ops.logSoftmax(logits)); // [B, R] log p(y_r)
  if (!mellowmax) return ops.neg(ops.mean(picked, 1));
  // mellowmax_α(x) = (logsumexp(α·x) − log R) / α over x = −log p, a smooth maximum of the token losses
  const alpha = ops.scalar(mellowmax.alpha);
  const lse = ops.logSumExp(ops.mul(ops.neg(picked), alpha), 1);
  return ops.div(ops.sub(lse, ops.scalar(Math.log(responseLength))), alpha);
}

function activationLoss<T>(ops: LossOps<T>, x: LossInputs<T>): T {
  const shift = ops.mean(ops.sub(x.activations!, x.clean!), 1); // [B, D], averaged over positions
  const norm = ops.add(ops.norm(shift, 1), ops.scalar(1e-8)); // [B]
  const cos = ops.div(ops.sum(ops.mul(shift, x.direction!), 1), norm); // direction is unit length
  return ops.sub(ops.scalar(1), cos);
}
