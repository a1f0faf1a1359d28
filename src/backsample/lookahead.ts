/**
 * One step of look-ahead, shared by guided sampling and its beam variant. For each of B partial turns
 * (the "frontier": its KV cache, attention mask and final-norm output), take the k most likely next
 * tokens, append each (B·k rows: every row's cache repeated k times), and run one forward with the
 * cache. That forward gives, for every candidate, the activation at hidden_states[layer] at the
 * candidate's own position (compared with the guide direction by cosine), and the final-norm output
 * and keys/values the next step needs. Choosing a candidate is then only a row selection: guidance
 * costs one batched forward of B·k single tokens per step, no extra pass. The output projection runs
 * only for the rows that are kept (at the next expansion): with a vocabulary of 2048 and d_model 128
 * the head is about a quarter of a row's work.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import type { Hooks } from '../model/hooks.js';
import type { KvCache } from '../model/kv-cache.js';
import { disposeKv, selectKv } from '../model/kv-cache.js';
import type { LanguageModel } from '../model/language-model.js';
import { forward } from '../model/transformer.js';

export interface Frontier {
  kv: KvCache;
  /** [B, S] int32; all ones (every row starts from the same tokens, so there is no padding). */
  mask: tf.Tensor2D;
  /** [B, D] the final norm's output at each row's last token (its next-token logits, before the head). */
  final: tf.Tensor2D;
  /** Each row's position of its next token. */
  positions: number[];
}

/** The cosine reader: hook point of hidden_states[layer] and the unit direction [D]. */
export interface Reader {
  hook: string;
  unit: tf.Tensor1D;
}

/** `rows` copies of the start, run through the model once. */
export function startFrontier(model: LanguageModel, start: readonly number[], rows: number, hooks: Hooks): Frontier {
  const S = start.length;
  return tidy(() => {
    const ids = tf.tensor2d(Array.from({ length: rows }, () => start).flat(), [rows, S], 'int32');
    const mask = tf.ones([rows, S], 'int32') as tf.Tensor2D;
    const r = forward(model, ids, { hooks, attentionMask: mask, returnKv: true, stopAt: model.config.nLayers });
    const final = tf.reshape(tf.slice(r.hidden, [0, S - 1, 0], [rows, 1, -1]), [rows, -1]) as tf.Tensor2D; // [rows, 1, D] -> [rows, D]
    return { kv: r.kv!, mask, final, positions: Array(rows).fill(S) as number[] };
  });
}

export interface Expansion {
  k: number;
  /** [B][k] candidate token ids of each parent row, most likely first. */
  tokens: number[][];
  /** [B][k] the parent's logit of each candidate. */
  logits: number[][];
  /** [B] log Σ_v exp(logit_v) of each parent row (full vocabulary, temperature 1). */
  logNormalisers: number[];
  /** [B][k] cosine between the candidate's activation and the direction. */
  cos: number[][];
  /** The frontier row of parent b's j-th candidate, for `keepRows`. */
  row: (b: number, j: number) => number;
  /** The B·k extended rows; the caller keeps some with `keepRows`, or disposes it. */
  frontier: Frontier;
}

/**
 * Expands every row of `frontier` by its top-k tokens (ties to the lower id, as sampleToken orders
 * them). Reads the parents' logits and the cosines back: the two host reads of a step. The frontier
 * given is left as it is; the caller disposes it.
 *
 * Candidate rows are copy-major (row j·B + b is parent b's j-th candidate), so that repeating the cache
 * is a concat of k copies: wasm's gather copies element by element and took 30 times longer.
 */
export async function expand(model: LanguageModel, frontier: Frontier, k: number, reader: Reader, hooks: Hooks): Promise<Expansion> {
  const logitsTensor = tidy(() => headLogits(model, frontier.final));
  const [B, V] = logitsTensor.shape;
  const K = Math.min(k, V);
  const values = (await logitsTensor.data()) as Float32Array;
  logitsTensor.dispose();
  const tokens = Array.from({ length: B }, (_, b) => topK(values, b * V, V, K));
  const logits = tokens.map((top, b) => top.map((id) => values[b * V + id]!));
  const logNormalisers = tokens.map((_, b) => logSumExp(values, b * V, V));
  const row = (b: number, j: number) => j * B + b;
  const parents = Array.from({ length: B * K }, (_, r) => r % B);
  const result = tidy(() => {
    const repeat = <T extends tf.Tensor>(t: T): T => tf.concat(Array<T>(K).fill(t), 0) as T;
    const past = { keys: frontier.kv.keys.map(repeat), values: frontier.kv.values.map(repeat) }; // [B·K, KV, S, hd]
    const mask = tf.concat([repeat(frontier.mask), tf.ones([B * K, 1], 'int32')], 1) as tf.Tensor2D; // [B·K, S + 1]
    const ids = tf.tensor2d(parents.map((b, r) => tokens[b]![Math.floor(r / B)]!), [B * K, 1], 'int32');
    const positions = tf.tensor2d(parents.map((b) => frontier.positions[b]!), [B * K, 1], 'int32');
    const out = forward(model, ids, { hooks, attentionMask: mask, positions, past, returnKv: true, stopAt: model.config.nLayers, cache: [reader.hook] });
    const D = reader.unit.shape[0];
    const h = tf.reshape(out.cache[reader.hook]!, [B * K, D]); // [B·K, 1, D] -> [B·K, D]
    const dot = tf.squeeze(tf.matMul(h, tf.reshape(reader.unit, [D, 1])), [1]); // [B·K]
    const cos = tf.div(dot, tf.add(tf.norm(h, 'euclidean', 1), 1e-12)) as tf.Tensor1D;
    return { kv: out.kv!, mask, final: tf.reshape(out.hidden, [B * K, D]) as tf.Tensor2D, cos }; // [B·K, 1, D] -> [B·K, D]
  });
  const cosFlat = (await result.cos.data()) as Float32Array;
  result.cos.dispose();
  const cos = tokens.map((top, b) => top.map((_, j) => cosFlat[row(b, j)]!));
  const extended: Frontier = { kv: result.kv, mask: result.mask, final: result.final, positions: parents.map((b) => frontier.positions[b]! + 1) };
  return { k: K, tokens, logits, logNormalisers, cos, row, frontier: extended };
}

/** The rows `rows` of a frontier, as a new frontier; the old one is disposed. */
export function keepRows(frontier: Frontier, rows: readonly number[]): Frontier {
  const kv = selectKv(frontier.kv, rows);
  const picked = tidy(() => {
    const index = tf.tensor1d(rows.slice(), 'int32');
    return { mask: tf.gather(frontier.mask, index) as tf.Tensor2D, final: tf.gather(frontier.final, index) as tf.Tensor2D };
  });
  const positions = rows.map((r) => frontier.positions[r]!);
  disposeFrontier(frontier);
  return { kv, ...picked, positions };
}

export function disposeFrontier(frontier: Frontier | undefined): void {
  if (!frontier) return;
  disposeKv(frontier.kv);
  tf.dispose([frontier.mask, frontier.final]);
}

/** Next-token logits [B, V] from final-norm outputs [B, D]: the transformer's output projection. */
function headLogits(model: LanguageModel, final: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(final, model.params.lmHead ?? model.params.wte, false, true); // [B, D] @ [V, D]^T
}

/** Indices of the k largest of values[offset .. offset + n), largest first, ties to the lower index. */
export function topK(values: ArrayLike<number>, offset: number, n: number, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[offset + i]!;
    if (best.length === k && !(v > values[offset + best[k - 1]!]!)) continue;
    let at = best.length;
    while (at > 0 && v > values[offset + best[at - 1]!]!) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

function logSumExp(values: ArrayLike<number>, offset: number, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, values[offset + i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(values[offset + i]! - max);
  return max + Math.log(sum);
}
