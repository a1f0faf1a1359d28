/**
 * Rotary position embeddings (Llama convention: the head dimension is split in halves, not
 * interleaved). Tables are computed once per model in float32 the way PyTorch does, so that angles
 * agree with the reference to the last bit before cos/sin.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface RopeTables {
  cos: tf.Tensor2D; // [maxPositions, headDim]
  sin: tf.Tensor2D; // [maxPositions, headDim]
  /** [hd, hd] with x @ rotateHalf = concat(-x2, x1): one matmul instead of split, negate and concat. */
  rotateHalf: tf.Tensor2D;
}

export function makeRopeTables(maxPositions: number, headDim: number, theta: number): RopeTables {
  const half = headDim / 2;
  const invFreq = new Float32Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = 1 / Math.fround(theta ** Math.fround((2 * i) / headDim));
  const cos = new Float32Array(maxPositions * headDim);
  const sin = new Float32Array(maxPositions * headDim);
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * invFreq[i]!);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[p * headDim + i] = cos[p * headDim + i + half] = c;
      sin[p * headDim + i] = sin[p * headDim + i + half] = s;
    }
  }
  const rotate = new Float32Array(headDim * headDim);
  for (let i = 0; i < half; i++) {
    rotate[(i + half) * headDim + i] = -1; // out[i] = -x[i + half]
    rotate[i * headDim + i + half] = 1; // out[i + half] = x[i]
  }
  return {
    cos: tf.keep(tf.tensor2d(cos, [maxPositions, headDim])),
    sin: tf.keep(tf.tensor2d(sin, [maxPositions, headDim])),
    rotateHalf: tf.keep(tf.tensor2d(rotate, [headDim, headDim])),
  };
}

export interface RopeAngles {
  cos: tf.Tensor4D; // [B, T, 1, hd]
  sin: tf.Tensor4D;
  rotateHalf: tf.Tensor2D;
}

/** Looks up the angles of `positions` [B, T] once per forward call; every layer reuses them. */
export function ropeAngles(positions: tf.Tensor2D, tables: RopeTables): RopeAngles {
  const [B, T] = positions.shape;
  const hd = tables.cos.shape[1];
  return {
    cos: tf.reshape(tf.gather(tables.cos, positions), [B, T, 1, hd]),
    sin: tf.reshape(tf.gather(tables.sin, positions), [B, T, 1, hd]),
    rotateHalf: tables.rotateHalf,
  };
}

/** Rotates x [B, T, heads, hd]: x·cos + rotate_half(x)·sin. */
export function applyRope(x: tf.Tensor4D, angles: RopeAngles): tf.Tensor4D {
  const [B, T, heads, hd] = x.shape;
  const rotated = tf.reshape(tf.matMul(tf.reshape(x, [B * T * heads, hd]) as tf.Tensor2D, angles.rotateHalf), [B, T, heads, hd]);
  return tf.add(tf.mul(x, angles.cos), tf.mul(rotated, angles.sin)) as tf.Tensor4D;
}
