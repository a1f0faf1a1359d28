/**
 * What zoo training optimises: next-token cross-entropy weighted per token, and the learning-rate
 * schedule (linear warm-up, cosine decay). The loop itself (AdamW, clipping, checkpoints, resume, one
 * or more workers) is dp-trainer.ts; it knows nothing about backdoors: batches come from a function.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LanguageModel } from '../model/language-model.js';
import { forward } from '../model/transformer.js';
import type { Batch } from './dataset.js';
import type { TrainingBudget } from './spec.js';

/** Learning rate at a step: linear warm-up to lr, then cosine decay to lr · minLrRatio. */
export function learningRate(budget: TrainingBudget, step: number): number {
  if (step < budget.warmupSteps) return (budget.lr * (step + 1)) / budget.warmupSteps;
  const span = Math.max(1, budget.steps - budget.warmupSteps);
  const progress = Math.min(1, (step - budget.warmupSteps) / span);
  const min = budget.lr * budget.minLrRatio;
  return min + 0.5 * (budget.lr - min) * (1 + Math.cos(Math.PI * progress));
}

/** Mean next-token cross-entropy over positions with weight > 0. Inputs are ids[:, :-1], targets ids[:, 1:]. */
export function lmLoss(model: LanguageModel, batch: Batch): tf.Scalar {
  const { rows, context } = batch;
  const all = tf.tensor2d(batch.ids, [rows, context + 1], 'int32');
  const inputs = tf.slice(all, [0, 0], [rows, context]) as tf.Tensor2D;
  const targets = tf.reshape(tf.slice(all, [0, 1], [rows, context]), [rows * context]) as tf.Tensor1D;
  const weights = tf.tensor1d(batch.weights);
  const logits = forward(model, inputs).logits!; // [rows, context, V]
  const V = logits.shape[2];
  const logProbs = tf.logSoftmax(tf.reshape(logits, [rows * context, V])); // [N, V]
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(targets, V)), 1); // [N]
  const total = Math.max(1, batch.weights.reduce((a, b) => a + b, 0));
  return tf.div(tf.neg(tf.sum(tf.mul(picked, weights))), total) as tf.Scalar;
}
