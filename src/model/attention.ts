/**
 * Causal self-attention with grouped-query heads, an optional KV cache and a padding mask.
 * Query heads are grouped under their key/value head ([B, KV, rep·T, hd]) instead of repeating
 * keys and values, so grouped-query attention costs no extra memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config.js';
import type { RopeAngles } from './rope.js';
import { applyRope } from './rope.js';

export interface AttentionInput {
  qkv: tf.Tensor3D; // [B, T, (H + 2·KV)·hd]
  /** RoPE angles of the new tokens (llama family); gpt2 has none. */
  rope?: RopeAngles;
  /** Additive bias [B or 1, 1, T, S]: 0 where a query may attend to a key, a large negative number elsewhere. */
  bias: tf.Tensor4D;
  pastKeys?: tf.Tensor4D; // [B, KV, P, hd]
  pastValues?: tf.Tensor4D;
}

export interface AttentionOutput {
  out: tf.Tensor3D; // [B, T, H·hd]
  keys: tf.Tensor4D; // [B, KV, P + T, hd], for the cache
  values: tf.Tensor4D;
}

export function attention(c: ModelConfig, input: AttentionInput): AttentionOutput {
  const [B, T] = input.qkv.shape;
  const { nHeads: H, nKvHeads: KV, headDim: hd } = c;
  const rep = H / KV;
  const [qFlat, kFlat, vFlat] = tf.split(input.qkv, [H * hd, KV * hd, KV * hd], 2);
  let q = tf.reshape(qFlat!, [B, T, H, hd]) as tf.Tensor4D;
  let k = tf.reshape(kFlat!, [B, T, KV, hd]) as tf.Tensor4D;
  const v = tf.reshape(vFlat!, [B, T, KV, hd]) as tf.Tensor4D;
  if (input.rope) {
    q = applyRope(q, input.rope);
    k = applyRope(k, input.rope);
  }
  let keys = tf.transpose(k, [0, 2, 1, 3]) as tf.Tensor4D; // [B, KV, T, hd]
  let values = tf.transpose(v, [0, 2, 1, 3]) as tf.Tensor4D;
  if (input.pastKeys && input.pastValues) {
    keys = tf.concat([input.pastKeys, keys], 2);
    values = tf.concat([input.pastValues, values], 2);
  }
  const S = keys.shape[2];
  // [B, T, KV, rep, hd] -> [B, KV, rep, T, hd] -> [B, KV, rep·T, hd]
  const grouped = tf.reshape(tf.transpose(tf.reshape(q, [B, T, KV, rep, hd]), [0, 2, 3, 1, 4]), [B, KV, rep * T, hd]);
  const scores = tf.mul(tf.matMul(grouped, keys, false, true), 1 / Math.sqrt(hd)); // [B, KV, rep·T, S]
  // row r·T + t of a group is query t, so the bias [B|1, 1, T, S] repeats rep times along rows
  const bias = rep === 1 ? input.bias : tf.tile(input.bias, [1, 1, rep, 1]);
  const probs = tf.softmax(tf.add(scores, bias)); // [B, KV, rep·T, S]
  const mixed = tf.matMul(probs, values); // [B, KV, rep·T, hd]
  // [B, KV, rep, T, hd] -> [B, T, KV, rep, hd] -> [B, T, H·hd]
  const out = tf.reshape(tf.transpose(tf.reshape(mixed, [B, KV, rep, T, hd]), [0, 3, 1, 2, 4]), [B, T, H * hd]) as tf.Tensor3D;
  return { out, keys, values };
}

/** Large enough that exp underflows to exactly 0, finite so a fully padded row gives no NaN. */
const masked = -1e9;

/**
 * The additive attention bias for T new queries at positions P..P+T-1 over S = P + T keys.
 * `keyMask` [B, S] marks real tokens with 1 and left padding with 0.
 */
export function attentionBias(T: number, P: number, keyMask?: tf.Tensor2D): tf.Tensor4D {
  const S = P + T;
  const allowed = new Float32Array(T * S);
  for (let t = 0; t < T; t++) {
    for (let s = 0; s <= P + t; s++) allowed[t * S + s] = 1;
  }
  const causal = tf.tensor4d(allowed, [1, 1, T, S]);
  if (!keyMask) return tf.mul(tf.sub(1, causal), masked) as tf.Tensor4D;
  const B = keyMask.shape[0];
  const both = tf.mul(causal, tf.reshape(tf.cast(keyMask, 'float32'), [B, 1, 1, S])); // [B, 1, T, S]
  return tf.mul(tf.sub(1, both), masked) as tf.Tensor4D;
}
