/**
 * Causal grouped-query self-attention as ONNX nodes, mirroring attention.ts: query heads are grouped
 * under their key/value head ([B, KV, rep, T, hd]) and MatMul broadcasts over the group, so keys and
 * values are never repeated. RoPE's rotate_half is folded into extra projection weights (a column
 * permutation with sign flips, exact in float), so no Split/Neg/Concat runs per layer. The KV cache
 * goes in as past_key_values.{l}.* and out as present.{l}.*, the layout transformers.js uses:
 * [B, KV, S, hd], keys after RoPE.
 */
import type { GraphBuilder } from '../engine/onnx-graph.js';
import type { ModelConfig } from './config.js';

/** Per-call values every layer shares. */
export interface AttentionShared {
  /** [B, 1, 1, T, S] additive bias: 0 where a query may attend, -1e9 elsewhere. */
  bias: string;
  /** RoPE angles [B, T, 1, hd] (llama family only). */
  cos?: string;
  sin?: string;
}

/** Large enough that exp underflows to exactly 0, finite so a fully padded row gives no NaN (as attention.ts). */
const masked = -1e9;

/**
 * The additive bias for T new queries at positions P..S-1 over S keys, from `attention_mask` [B, S]
 * (1 = real token, 0 = left padding) and the number of new tokens T (a scalar).
 */
export function attentionBias(g: GraphBuilder, mask: string, T: string): string {
  const S = g.op('Gather', [g.op('Shape', [mask]), g.ints([1], [])], { axis: 0 }); // scalar
  const P = g.op('Sub', [S, T]);
  const queries = g.op('Unsqueeze', [g.op('Range', [P, S, g.ints([1], [])]), g.ints([1])]); // [T, 1]
  const keys = g.op('Unsqueeze', [g.op('Range', [g.ints([0], []), S, g.ints([1], [])]), g.ints([0])]); // [1, S]
  const causal = g.op('LessOrEqual', [keys, queries]); // [T, S]
  const real = g.op('Unsqueeze', [g.op('Cast', [mask], { to: 9 }), g.ints([1, 2, 3])]); // [B, 1, 1, 1, S]
  const allowed = g.op('And', [causal, real]); // [B, 1, 1, T, S]
  return g.op('Where', [allowed, g.floats([0], []), g.floats([masked], [])]);
}

/** cos/sin angles [B, T, 1, hd] of `positions` [B, T] from tables [maxPositions, hd]. */
export function ropeAngles(g: GraphBuilder, positions: string, cosTable: string, sinTable: string): { cos: string; sin: string } {
  const at = (table: string) => g.op('Unsqueeze', [g.op('Gather', [table, positions], { axis: 0 }), g.ints([2])]);
  return { cos: at(cosTable), sin: at(sinTable) };
}

/** q·cos + rotate_half(q)·sin, where rotate_half(q) was computed by its own projection (see onnx-weights-split.ts). */
function applyRope(g: GraphBuilder, x: string, rotated: string, shared: AttentionShared): string {
  return g.op('Add', [g.op('Mul', [x, shared.cos!]), g.op('Mul', [rotated, shared.sin!])]);
}

/** The projections of one block: [B, T, out] values of q, k, v and, for RoPE, of rotate_half(q), rotate_half(k). */
export interface Projections {
  q: string;
  k: string;
  v: string;
  qRotated?: string;
  kRotated?: string;
}

export interface AttentionValues {
  /** [B, T, H·hd], before the output projection. */
  out: string;
  /** [B, KV, S, hd]: past and new keys/values, for present.{l}.*. */
  keys: string;
  values: string;
}

/**
 * Attention from the projections (q [B, T, H·hd], k and v [B, T, KV·hd]), with past keys/values
 * [B, KV, P, hd] when given. The projections are separate matmuls rather than one fused qkv matmul
 * and a Split: on ORT the Split's copies cost more than the extra matmul calls.
 */
export function attention(g: GraphBuilder, c: ModelConfig, proj: Projections, shared: AttentionShared, past?: { keys: string; values: string }): AttentionValues {
  const { nHeads: H, nKvHeads: KV, headDim: hd } = c;
  const rep = H / KV;
  const heads = (x: string, n: number) => g.op('Reshape', [x, g.ints([0, 0, n, hd])]); // [B, T, n·hd] -> [B, T, n, hd]
  let q = heads(proj.q, H);
  let k = heads(proj.k, KV);
  const v = heads(proj.v, KV);
  if (shared.cos) {
    q = applyRope(g, q, heads(proj.qRotated!, H), shared);
    k = applyRope(g, k, heads(proj.kRotated!, KV), shared);
  }
  let keys = g.op('Transpose', [k], { perm: [0, 2, 1, 3] }); // [B, KV, T, hd]
  let values = g.op('Transpose', [v], { perm: [0, 2, 1, 3] });
  if (past) {
    keys = g.op('Concat', [past.keys, keys], { axis: 2 }); // [B, KV, S, hd]
    values = g.op('Concat', [past.values, values], { axis: 2 });
  }
  // [B, T, H, hd] -> [B, T, KV, rep, hd] -> [B, KV, rep, T, hd]
  const grouped = g.op('Transpose', [g.op('Reshape', [q, g.ints([0, 0, KV, rep, hd])])], { perm: [0, 2, 3, 1, 4] });
  const keysT = g.op('Unsqueeze', [g.op('Transpose', [keys], { perm: [0, 1, 3, 2] }), g.ints([2])]); // [B, KV, 1, hd, S]
  const scores = g.op('Mul', [g.op('MatMul', [grouped, keysT]), g.floats([1 / Math.sqrt(hd)], [])]); // [B, KV, rep, T, S]
  const probs = g.op('Softmax', [g.op('Add', [scores, shared.bias])], { axis: -1 });
  const mixed = g.op('MatMul', [probs, g.op('Unsqueeze', [values, g.ints([2])])]); // [B, KV, rep, T, hd]
  // [B, KV, rep, T, hd] -> [B, T, KV, rep, hd] -> [B, T, H·hd]
  const out = g.op('Reshape', [g.op('Transpose', [mixed], { perm: [0, 3, 1, 2, 4] }), g.ints([0, 0, H * hd])]);
  return { out, keys, values };
}
