/**
 * The forward pass of transformer.ts as an ONNX graph, read top to bottom: embed, blocks, final norm,
 * head, with hook points as named values. Callers choose the inputs and outputs a graph has; the
 * graph is cut after the last layer anything reads, so a graph that only wants hidden_states[2]
 * computes two blocks.
 *
 * Inputs (names as transformers.js feeds them):
 *   input_ids [B, T] int64, or inputs_embeds [B, T, D]
 *   attention_mask [B, S] int64 (S = P + T: past and new tokens; 0 marks left padding)
 *   position_ids [B, T] int64
 *   past_key_values.{l}.key / .value [B | 1, KV, P, hd]   (with kv; batch 1 with sharedPast)
 *   logits_range [2] int64: [start, end) of the positions that get logits (with logits 'range')
 *   steer.{hook} [B, T, D]: added at that hook point (before it is read)
 * Outputs: logits [B, T', V], present.{l}.key / .value [B, KV, S, hd], and one per hidden hook name.
 */
import { GraphBuilder } from '../engine/onnx-graph.js';
import type { Projections } from './onnx-attention.js';
import { attention, attentionBias, ropeAngles } from './onnx-attention.js';
import type { HostWeights, LayerContext } from './onnx-layers.js';
import { layerNorm, linear, mlp, needParam, param, rmsNorm } from './onnx-layers.js';
import type { ModelConfig } from './config.js';
import { checkHookName } from './hooks.js';
import { splitWeights } from './onnx-weights-split.js';

export interface OnnxGraphOptions {
  input: 'ids' | 'embeds';
  /** Past keys/values in, present keys/values out. */
  kv: boolean;
  /** With kv: whether present keys/values are outputs (default true; GCG's scorer only reads the past). */
  present?: boolean;
  /** Past keys/values have batch 1 and are broadcast to every row (GCG's shared prompt prefix). */
  sharedPast?: boolean;
  /** Which positions get logits; 'none' makes none (and cuts the graph after the last hidden output). */
  logits: 'all' | 'last' | 'range' | 'none';
  /** Hook point names returned as outputs. */
  hidden?: readonly string[];
  /** Hook point names that take a steer.{name} input added to the activation. */
  steer?: readonly string[];
}

/** What a graph computed, by role, for callers that add their own heads (the GCG loss). */
export interface TransformerValues {
  logits?: string;
  hidden: Record<string, string>;
  batch: string;
}

export interface RopeHostTables {
  cos: Float32Array;
  sin: Float32Array;
  positions: number;
}

/** Layers a graph must compute: all when logits or KV are wanted, else up to the deepest hook read. */
function depth(c: ModelConfig, o: OnnxGraphOptions): number {
  if (o.logits !== 'none' || (o.kv && o.present !== false)) return c.nLayers;
  let deepest = 0;
  for (const name of [...(o.hidden ?? []), ...(o.steer ?? [])]) {
    const m = /^blocks\.(\d+)\./.exec(name);
    deepest = Math.max(deepest, name === 'ln_final' ? c.nLayers : m ? Number(m[1]) + 1 : 0);
  }
  return deepest;
}

export function transformerGraph(c: ModelConfig, weights: HostWeights, rope: RopeHostTables | undefined, o: OnnxGraphOptions): { g: GraphBuilder; values: TransformerValues } {
  for (const name of [...(o.hidden ?? []), ...(o.steer ?? [])]) checkHookName(name, c.nLayers);
  const g = new GraphBuilder();
  const ctx: LayerContext = { g, weights: splitWeights(c, weights) };
  const { dModel: D, nKvHeads: KV, headDim: hd } = c;
  const ids = o.input === 'ids' ? g.input('input_ids', 'int64', ['batch', 'sequence']) : null;
  const embeds = o.input === 'embeds' ? g.input('inputs_embeds', 'float', ['batch', 'sequence', D]) : null;
  const mask = g.input('attention_mask', 'int64', ['batch', 'total_sequence']);
  const positions = g.input('position_ids', 'int64', ['batch', 'sequence']);
  const range = o.logits === 'range' ? g.input('logits_range', 'int64', [2]) : null;
  const shapeOf = g.op('Shape', [ids ?? embeds!]);
  const T = g.op('Gather', [shapeOf, g.ints([1], [])], { axis: 0 });
  const batch = g.op('Gather', [shapeOf, g.ints([0])], { axis: 0 }); // [1]
  const hidden: Record<string, string> = {};
  const steer = new Set(o.steer ?? []);
  const point = (name: string, x: string): string => {
    if (steer.has(name)) x = g.op('Add', [x, g.input(`steer.${name}`, 'float', ['batch', 'sequence', D])]);
    if (o.hidden?.includes(name)) hidden[name] = x;
    return x;
  };
  const norm = (x: string, prefix: string) => (c.arch === 'gpt2' ? layerNorm(ctx, x, prefix, c.normEps) : rmsNorm(ctx, x, prefix, c.normEps));

  const shared = { bias: attentionBias(g, mask, T), ...(rope && ropeAngles(g, positions, g.weight('rope.cos', rope.cos, [rope.positions, hd]), g.weight('rope.sin', rope.sin, [rope.positions, hd]))) };
  let x = point('hook_embed', embeds ?? g.op('Gather', [needParam(ctx, 'wte'), ids!], { axis: 0 }));
  if (c.arch === 'gpt2') x = g.op('Add', [x, point('hook_pos_embed', g.op('Gather', [needParam(ctx, 'wpe'), positions], { axis: 0 }))]);
  const layers = depth(c, o);
  for (let l = 0; l < layers; l++) {
    const p = `blocks.${l}.`;
    x = point(p + 'hook_resid_pre', x);
    const past = o.kv ? pastInputs(g, l, KV, hd, o.sharedPast ? batch : null) : undefined;
    const attn = attention(g, c, projections(ctx, norm(x, p + 'ln1'), p, rope !== undefined), shared, past);
    if (o.kv && o.present !== false) {
      g.output(`present.${l}.key`, attn.keys, 'float', ['batch', KV, 'total_sequence', hd]);
      g.output(`present.${l}.value`, attn.values, 'float', ['batch', KV, 'total_sequence', hd]);
    }
    const attnOut = point(p + 'hook_attn_out', linear(ctx, attn.out, needParam(ctx, p + 'wO'), param(ctx, p + 'bO')));
    x = point(p + 'hook_resid_mid', g.op('Add', [x, attnOut]));
    const mlpOut = point(p + 'hook_mlp_out', mlp(ctx, norm(x, p + 'ln2'), l, c.arch));
    x = point(p + 'hook_resid_post', g.op('Add', [x, mlpOut]));
  }
  if (layers < c.nLayers) return { g, values: { hidden, batch } };
  const final = point('ln_final', norm(x, 'lnF'));
  if (o.logits === 'none') return { g, values: { hidden, batch } };
  let picked = final;
  if (o.logits === 'last') picked = g.op('Slice', [final, g.ints([-1]), g.ints([2 ** 31 - 1]), g.ints([1])]);
  if (range) {
    const start = g.op('Slice', [range, g.ints([0]), g.ints([1])]);
    const end = g.op('Slice', [range, g.ints([1]), g.ints([2])]);
    picked = g.op('Slice', [final, start, end, g.ints([1])]);
  }
  const head = weights.get(c.tiedEmbeddings ? 'wte' : 'lmHead')!;
  const logits = g.op('MatMul', [picked, g.weight('head', transpose(head.data, head.shape[0]!, head.shape[1]!), [head.shape[1]!, head.shape[0]!])]);
  return { g, values: { logits, hidden, batch } };
}

function projections(ctx: LayerContext, x: string, p: string, rope: boolean): Projections {
  const project = (name: string) => linear(ctx, x, needParam(ctx, `${p}w${name}`), param(ctx, `${p}b${name}`));
  return { q: project('Q'), k: project('K'), v: project('V'), ...(rope && { qRotated: project('Q.rot'), kRotated: project('K.rot') }) };
}

function pastInputs(g: GraphBuilder, l: number, KV: number, hd: number, broadcastTo: string | null): { keys: string; values: string } {
  const dims = [broadcastTo ? 1 : 'batch', KV, 'past_sequence', hd];
  const keys = g.input(`past_key_values.${l}.key`, 'float', dims);
  const values = g.input(`past_key_values.${l}.value`, 'float', dims);
  if (!broadcastTo) return { keys, values };
  const shape = g.op('Concat', [broadcastTo, g.ints([1, 1, 1])], { axis: 0 }); // [B, 1, 1, 1]
  return { keys: g.op('Expand', [keys, shape]), values: g.op('Expand', [values, shape]) };
}

/** [rows, cols] -> [cols, rows], so that the head is x @ W with no transpose at run time. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) out[k * rows + r] = data[r * cols + k]!;
  return out;
}

/** Adds the standard outputs (logits, hidden states) and encodes the model. */
export function encodeForwardGraph(c: ModelConfig, weights: HostWeights, rope: RopeHostTables | undefined, o: OnnxGraphOptions): Uint8Array {
  const { g, values } = transformerGraph(c, weights, rope, o);
  const D = c.dModel;
  if (values.logits) g.output('logits', values.logits, 'float', ['batch', 'logit_positions', c.vocabSize]);
  for (const [name, value] of Object.entries(values.hidden)) g.output(name, value, 'float', ['batch', 'sequence', D]);
  return g.encode(`triggerfish-${c.arch}`);
}
