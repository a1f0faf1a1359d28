/**
 * Activations at the target layer, with and without a vector added at the source hook, gathered at
 * chosen token rows. Everything here returns tensors for the caller's tidy or gradient, except
 * `measureDeltas`, which reads back once per vector set.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import type { Hooks } from '../model/hooks.js';
import { steeringHook } from '../model/hooks.js';
import type { LanguageModel } from '../model/language-model.js';
import { forward } from '../model/transformer.js';
import type { PromptBatch } from './prompts.js';

/** Where a vector goes in and where its effect is read. */
export interface SteerSite {
  /** Hook point θ is added at (every token, padding included: padding is masked out of attention). */
  hook: string;
  /** hidden_states[targetLayer] is read (forward stops there: no logits). */
  targetLayer: number;
  /** Add θ only at these positions of each prompt (its own positions from 0, e.g. a trigger's tokens); default all. */
  positions?: readonly number[];
}

/**
 * hidden_states[layer] at the given rows, [K, D]: optional extra hooks, or θ (scaled) added at `hook`.
 * Rows index activations reshaped to [B·T, D] (PromptBatch.targetRows, lastRows).
 */
export function hiddenRows(
  model: LanguageModel,
  batch: PromptBatch,
  layer: number,
  rows: readonly number[],
  steer?: { hook: string; theta: tf.Tensor1D; scale?: number; positions?: readonly number[] } | { hooks: Hooks },
): tf.Tensor2D {
  let hooks: Hooks | undefined;
  if (steer && 'hooks' in steer) hooks = steer.hooks;
  else if (steer) hooks = [[steer.hook, steeringHook(steer.theta, { scale: steer.scale ?? 1, ...(steer.positions && { positions: steer.positions }) })]];
  const { hidden } = forward(model, batch.ids, {
    ...(hooks && { hooks }),
    stopAt: layer,
    attentionMask: batch.mask,
    positions: batch.positions,
  });
  const [B, T, D] = hidden.shape;
  const flat = tf.reshape(hidden, [B * T, D]); // [B·T, D]
  return tf.gather(flat, tf.tensor1d(rows as number[], 'int32')) as tf.Tensor2D; // [K, D]
}

/** Δh = h(θ) − h(0) at the batch's target rows, [K, D]; `base` is h(0) there, computed once. */
export function targetShift(model: LanguageModel, batch: PromptBatch, site: SteerSite, theta: tf.Tensor1D, base: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(hiddenRows(model, batch, site.targetLayer, batch.targetRows, { hook: site.hook, theta, ...(site.positions && { positions: site.positions }) }), base) as tf.Tensor2D;
}

/**
 * Each vector's mean activation shift at the target layer's last prompt token: mean over prompts of
 * h_last(θ) − h_last(0), [D] per vector. These are what a vector set stores as "deltas" and what the
 * anomaly monitor compares against.
 */
export async function measureDeltas(model: LanguageModel, batch: PromptBatch, site: SteerSite, vectors: readonly Float32Array[]): Promise<Float32Array[]> {
  const base = tidy(() => hiddenRows(model, batch, site.targetLayer, batch.lastRows));
  try {
    const out: Float32Array[] = [];
    for (const vector of vectors) {
      const delta = tidy(() => {
        const theta = tf.tensor1d(vector);
        const steered = hiddenRows(model, batch, site.targetLayer, batch.lastRows, { hook: site.hook, theta, ...(site.positions && { positions: site.positions }) });
        return tf.mean(tf.sub(steered, base), 0); // [B, D] -> [D]
      });
      out.push((await delta.data()) as Float32Array);
      delta.dispose();
    }
    return out;
  } finally {
    base.dispose();
  }
}
