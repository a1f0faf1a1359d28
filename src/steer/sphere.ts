/**
 * Geometry of the sphere ‖θ‖ = R that MELBO optimises on, as pure functions over tensors (no tidy in
 * here: callers wrap them). Directions to avoid come as rows of a matrix [K, D].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Random } from '../util/random.js';

/**
 * Gram-Schmidt in double precision on the host: an orthonormal basis of the vectors' span, in order.
 * A vector (nearly) inside the span of earlier ones is dropped, so the basis may be shorter. Runs
 * once per trained vector, never per step, and keeps the per-step work free of host reads.
 */
export function orthonormalBasis(vectors: readonly ArrayLike<number>[], tolerance = 1e-6): Float32Array[] {
  const basis: Float64Array[] = [];
  for (const v of vectors) {
    const rest = Float64Array.from(v);
    const norm0 = euclid(rest);
    for (let pass = 0; pass < 2; pass++) {
      for (const u of basis) {
        let dot = 0;
        for (let i = 0; i < rest.length; i++) dot += rest[i]! * u[i]!;
        for (let i = 0; i < rest.length; i++) rest[i] = rest[i]! - dot * u[i]!;
      }
    }
    const norm = euclid(rest);
    if (!(norm > tolerance * norm0)) continue;
    basis.push(rest.map((x) => x / norm));
  }
  return basis.map((u) => Float32Array.from(u));
}

function euclid(x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum);
}

/** Rows [K, D] as one tensor, or undefined for none. */
export function rowsTensor(rows: readonly Float32Array[]): tf.Tensor2D | undefined {
  if (rows.length === 0) return undefined;
  const D = rows[0]!.length;
  const flat = new Float32Array(rows.length * D);
  rows.forEach((row, k) => flat.set(row, k * D));
  return tf.tensor2d(flat, [rows.length, D]);
}

/**
 * x minus its projection on the span of orthonormal rows `basis` [K, D]. Done twice ("twice is
 * enough", Kahan): one pass leaves float32 round-off of the size of the projection.
 */
export function projectOut(x: tf.Tensor1D, basis: tf.Tensor2D | undefined): tf.Tensor1D {
  if (!basis) return x;
  const D = x.shape[0];
  let out = x;
  for (let pass = 0; pass < 2; pass++) {
    const coefficients = tf.matMul(tf.reshape(out, [1, D]), basis, false, true); // [1, K]
    out = tf.sub(out, tf.reshape(tf.matMul(coefficients, basis), [D])) as tf.Tensor1D; // [1, K] @ [K, D] -> [D]
  }
  return out;
}

/** The tangent part of g at θ on the sphere of radius R: g − (g·θ)θ/R². */
export function tangent(g: tf.Tensor1D, theta: tf.Tensor1D, R: number): tf.Tensor1D {
  return tf.sub(g, tf.mul(theta, tf.div(tf.dot(g, theta), R * R))) as tf.Tensor1D;
}

/** R·x/‖x‖. */
export function toSphere(x: tf.Tensor1D, R: number): tf.Tensor1D {
  return tf.mul(x, tf.div(R, tf.norm(x))) as tf.Tensor1D;
}

/** x scaled down onto the ball ‖x‖ ≤ R when it lies outside, unchanged inside. */
export function toBall(x: tf.Tensor1D, R: number): tf.Tensor1D {
  return tf.mul(x, tf.minimum(1, tf.div(R, tf.add(tf.norm(x), 1e-30)))) as tf.Tensor1D;
}

/** R·normalize(randn(D)), the draw through the seeded generator. */
export function randomOnSphere(D: number, R: number, rng: Random): tf.Tensor1D {
  const data = new Float32Array(D);
  let sum = 0;
  for (let i = 0; i < D; i++) {
    data[i] = rng.normal();
    sum += data[i]! * data[i]!;
  }
  const scale = R / Math.sqrt(sum);
  for (let i = 0; i < D; i++) data[i] = data[i]! * scale;
  return tf.tensor1d(data);
}
