/**
 * Δ(θ): how a vector θ added at the source layer changes the target layer, for many θ at once. This is
 * the function DCT factorises (the reference's `DeltaActivations` over a `SlicedModel`): for each
 * prompt n, the mean over its target tokens of h_target(θ) − h_target(0).
 *
 * The model's blocks up to the source run once: their output (hidden_states[source + 1], the residual
 * after blocks.{source}.hook_resid_post) is kept, and every evaluation resumes from it with θ added,
 * through blocks source+1 .. target−1 only. F vectors are evaluated as one batch of F·N rows.
 *
 * Everything returns tensors for the caller's tidy, except `vectorJacobianProducts`, which manages its
 * own gradient scope and returns three tensors the caller owns.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { BadInputError } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import { forward } from '../model/transformer.js';
import type { PromptBatch } from './prompts.js';

export interface DeltaMap {
  /** Width of θ. */
  dIn: number;
  /** Width of Δ. */
  dOut: number;
  /** Prompts N. */
  prompts: number;
  /** Target rows K over all prompts (the tokens whose shift is read). */
  rows: number;
  /** θ_f [F, dIn] → every target row's shift [F, K, dOut]. */
  rowShifts(thetas: tf.Tensor2D): tf.Tensor3D;
  /** [N, K]: row k of prompt n weighs 1/k_n, so averaging[n]·shift is prompt n's mean shift. */
  averaging: tf.Tensor2D;
  dispose(): void;
}

/** Each prompt's mean shift over its target tokens, [F, N, dOut]. */
export function promptDeltas(map: DeltaMap, thetas: tf.Tensor2D): tf.Tensor3D {
  const shifts = map.rowShifts(thetas); // [F, K, D]
  const [F, K, D] = shifts.shape;
  const flat = tf.reshape(tf.transpose(shifts, [1, 0, 2]), [K, F * D]); // [K, F·D]
  const perPrompt = tf.matMul(map.averaging, flat); // [N, K] @ [K, F·D] -> [N, F·D]
  return tf.transpose(tf.reshape(perPrompt, [map.prompts, F, D]), [1, 0, 2]); // [F, N, D]
}

/** Δ̄(θ_f): the prompts' mean of promptDeltas, [F, dOut]. */
export function meanDeltas(map: DeltaMap, thetas: tf.Tensor2D): tf.Tensor2D {
  return tf.mean(promptDeltas(map, thetas), 1) as tf.Tensor2D;
}

export interface VjpResult {
  /** Δ̄(θ_f), [F, dOut]. */
  delta: tf.Tensor2D;
  /** u_f · Δ̄(θ_f), [F]. */
  value: tf.Tensor1D;
  /** ∇_θ (u_f · Δ̄(θ))(θ_f), the vector-Jacobian product u_fᵀ J̄(θ_f), [F, dIn]. */
  grad: tf.Tensor2D;
}

/**
 * One backward pass for all F rows: the gradient of Σ_f u_f·Δ̄(θ_f) with respect to Θ is row by row
 * the VJP of each factor, since θ_f reaches only its own batch rows. Δ̄ comes out of the same forward.
 */
export function vectorJacobianProducts(map: DeltaMap, thetas: tf.Tensor2D, us: tf.Tensor2D): VjpResult {
  let kept: tf.Tensor2D | undefined;
  const { grad, value } = tidy(() => {
    const result = tf.valueAndGrad((t: tf.Tensor) => {
      const delta = meanDeltas(map, t as tf.Tensor2D);
      kept = tf.keep(delta);
      return tf.sum(tf.mul(delta, us)) as tf.Scalar;
    })(thetas);
    return { grad: result.grad as tf.Tensor2D, value: tf.sum(tf.mul(kept!, us), 1) as tf.Tensor1D };
  });
  return { delta: kept!, value, grad };
}

export interface ModelDeltaOptions {
  /** Add θ only at these positions of each prompt (its own token positions from 0); default every position. */
  positions?: readonly number[];
  /**
   * Leave out the direct path: θ itself, carried unchanged by the residual stream to a target row that
   * was steered (only for a residual-stream target, target < L; the final norm's output has no such
   * term). On a shallow model the direct path dominates Δ (it is linear, so the nonlinearity ratio never
   * reaches 0.5, and u = v is nearly a fixed point of DCT's iteration); what the blocks in between do
   * with θ is what the method is after.
   */
  subtractDirect?: boolean;
}

/**
 * The Δ map of a model for a prompt batch: θ added at blocks.{source}.hook_resid_post (every position,
 * padding included as MELBO does; padding is masked out of attention), read at hidden_states[target].
 */
export function modelDeltaMap(model: LanguageModel, batch: PromptBatch, source: number, target: number, options: ModelDeltaOptions = {}): DeltaMap {
  const L = model.config.nLayers;
  if (!(Number.isInteger(source) && source >= 0 && source <= L - 2)) throw new BadInputError(`DCT's source layer must be in 0..${L - 2} (a block must follow it), got ${source}`);
  if (!(Number.isInteger(target) && target > source && target <= L)) throw new BadInputError(`DCT's target layer must be in ${source + 1}..${L}, got ${target}`);
  const N = batch.tokens.length;
  const T = batch.width;
  const D = model.config.dModel;
  const K = batch.targetRows.length;
  const resume = source + 1; // hidden_states[source + 1] = blocks.{source}.hook_resid_post
  const fwd = { attentionMask: batch.mask, positions: batch.positions };
  const residual = tidy(() => forward(model, batch.ids, { ...fwd, stopAt: resume }).hidden); // [N, T, D]
  const base = tidy(() => readRows(forward(model, { residual, layer: resume }, { ...fwd, stopAt: target }).hidden, batch.targetRows)); // [K, D]
  const where = options.positions ? positionMask(batch, options.positions) : undefined; // [N, T, 1]
  const averaging = averagingMatrix(batch);
  const rowIndex = tf.tensor1d(batch.targetRows, 'int32');
  const direct = options.subtractDirect && target < L ? steeredRows(batch, options.positions) : undefined; // [1, K, 1]
  return {
    dIn: D,
    dOut: D,
    prompts: N,
    rows: K,
    averaging,
    rowShifts(thetas) {
      const F = thetas.shape[0];
      const steer = tf.reshape(thetas, [F, 1, 1, D]); // one θ per factor, broadcast over prompts and positions
      const added = where ? tf.mul(steer, where) : steer; // [F, 1|N, 1|T, D]
      const input = tf.reshape(tf.add(tf.expandDims(residual, 0), added), [F * N, T, D]) as tf.Tensor3D; // [F·N, T, D]
      const tiled = { attentionMask: tf.tile(batch.mask, [F, 1]) as tf.Tensor2D, positions: tf.tile(batch.positions, [F, 1]) as tf.Tensor2D };
      const hidden = forward(model, { residual: input, layer: resume }, { ...tiled, stopAt: target }).hidden; // [F·N, T, D]
      const rows = tf.gather(tf.reshape(hidden, [F, N * T, D]), rowIndex, 1); // [F, K, D]
      const shift = tf.sub(rows, base) as tf.Tensor3D;
      return direct ? (tf.sub(shift, tf.mul(tf.reshape(thetas, [F, 1, D]), direct)) as tf.Tensor3D) : shift;
    },
    dispose: () => tf.dispose([residual, base, averaging, rowIndex, ...(where ? [where] : []), ...(direct ? [direct] : [])]),
  };
}

function readRows(hidden: tf.Tensor3D, rows: readonly number[]): tf.Tensor2D {
  const [B, T, D] = hidden.shape;
  return tf.gather(tf.reshape(hidden, [B * T, D]), tf.tensor1d(rows as number[], 'int32')) as tf.Tensor2D; // [K, D]
}

/** [N, K]: 1/k_n where target row k belongs to prompt n. */
function averagingMatrix(batch: PromptBatch): tf.Tensor2D {
  const N = batch.tokens.length;
  const K = batch.targetRows.length;
  const counts = new Array<number>(N).fill(0);
  batch.targetPrompt.forEach((n) => counts[n]!++);
  const data = new Float32Array(N * K);
  batch.targetPrompt.forEach((n, k) => (data[n * K + k] = 1 / counts[n]!));
  return tf.tensor2d(data, [N, K]);
}

/** [1, K, 1]: 1 where a target row received θ (every row, or those at the listed positions). */
function steeredRows(batch: PromptBatch, positions: readonly number[] | undefined): tf.Tensor3D {
  const T = batch.width;
  const wanted = positions && new Set(positions);
  const data = Float32Array.from(batch.targetRows, (row, k) => {
    const n = batch.targetPrompt[k]!;
    const own = (row - n * T) - (T - batch.tokens[n]!.length); // the token's position in its own prompt
    return !wanted || wanted.has(own) ? 1 : 0;
  });
  return tf.tensor3d(data, [1, batch.targetRows.length, 1]);
}

/** [N, T, 1]: 1 at the real tokens whose own position is listed. */
function positionMask(batch: PromptBatch, positions: readonly number[]): tf.Tensor3D {
  const N = batch.tokens.length;
  const T = batch.width;
  const wanted = new Set(positions);
  const data = new Float32Array(N * T);
  batch.tokens.forEach((seq, n) => {
    const pad = T - seq.length;
    for (let t = 0; t < seq.length; t++) if (wanted.has(t)) data[n * T + pad + t] = 1;
  });
  return tf.tensor3d(data, [N, T, 1]);
}
