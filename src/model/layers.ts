/** The small differentiable pieces of a transformer block, as plain functions over tensors. */
import * as tf from '@tensorflow/tfjs-core';
import type { NormParams } from './params.js';

/** x [..., in] @ w [in, out] (+ b) -> [..., out] */
export function linear(x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor {
  const shape = x.shape;
  const inDim = shape[shape.length - 1]!;
  const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
  let y: tf.Tensor = tf.matMul(flat, w);
  if (b) y = tf.add(y, b);
  return x.rank === 2 ? y : tf.reshape(y, [...shape.slice(0, -1), w.shape[1]]);
}

export function layerNorm(x: tf.Tensor, p: NormParams, eps: number): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, eps)));
  const scaled = tf.mul(normed, p.weight);
  return p.bias ? tf.add(scaled, p.bias) : scaled;
}

export function rmsNorm(x: tf.Tensor, p: NormParams, eps: number): tf.Tensor {
  const meanSquare = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), p.weight);
}

const geluScale = Math.sqrt(2 / Math.PI);

/** GPT-2's GELU, tanh approximation ("gelu_new"). */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715)), geluScale);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}
