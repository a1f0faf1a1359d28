/**
 * The forward pass of gpt2 / llama / qwen2, read top to bottom: embed, blocks, final norm, head.
 * Every block is `x = x + attn(norm1(x)); x = x + mlp(norm2(x))` with hook points in between.
 * No tf.tidy in here: callers wrap a call in tidy (or tf.grad) and keep what they return.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../errors.js';
import { attention, attentionBias } from './attention.js';
import type { Hook, HookContext, Hooks } from './hooks.js';
import { indexHooks } from './hooks.js';
import type { KvCache } from './kv-cache.js';
import { kvLength } from './kv-cache.js';
import { geluTanh, layerNorm, linear, rmsNorm, silu } from './layers.js';
import type { LanguageModel } from './language-model.js';
import { maxSequence } from './language-model.js';
import { ropeAngles } from './rope.js';
import type { BlockParams, NormParams } from './params.js';

export interface ForwardOptions {
  hooks?: Hooks;
  /** Hook point names whose activations (after hooks) are returned in `cache`, or true for all. */
  cache?: readonly string[] | true;
  /** Stop once HF hidden_states[stopAt] is computed (0..L); `hidden` is then that tensor and no logits are made. */
  stopAt?: number;
  /** Keys/values of earlier positions; this call's tokens follow them. */
  past?: KvCache;
  /** Return this call's keys/values appended to `past`. */
  returnKv?: boolean;
  /** [B, P + T]: 1 for real tokens, 0 for (left) padding, covering past and new tokens. */
  attentionMask?: tf.Tensor2D;
  /** [B, T] int32 absolute positions; default P..P+T-1 for every row. */
  positions?: tf.Tensor2D;
  /** Which positions get logits: all (default), only the last, or `[start, length]`. */
  logits?: 'all' | 'last' | readonly [number, number];
}

export interface ForwardResult {
  /** [B, T', V] for the positions chosen by options.logits; absent when stopAt is set. */
  logits?: tf.Tensor3D;
  /** The last residual computed: hidden_states[stopAt], or the final norm's output [B, T, D]. */
  hidden: tf.Tensor3D;
  /** Activations named in options.cache. */
  cache: Record<string, tf.Tensor3D>;
  kv?: KvCache;
}

/**
 * Token ids [B, T] (int32), input embeddings [B, T, D] (GCG differentiates through these), or the
 * residual stream hidden_states[layer] [B, T, D], from which the pass resumes at block `layer` (hooks
 * before it do not run; no KV cache). Steering work that varies only what enters a late block (DCT's
 * sliced model) reuses the early blocks' output this way.
 */
export type ForwardInput = tf.Tensor2D | { embeds: tf.Tensor3D } | { residual: tf.Tensor3D; layer: number };

export function forward(model: LanguageModel, input: ForwardInput, options: ForwardOptions = {}): ForwardResult {
  const { config: c, params: w } = model;
  const hooks = indexHooks(options.hooks, c.nLayers);
  const wanted = options.cache;
  const cache: Record<string, tf.Tensor3D> = {};
  const P = kvLength(options.past);
  const start = 'residual' in input ? input.layer : 0;
  if ('residual' in input && !(Number.isInteger(start) && start >= 0 && start < c.nLayers && (options.stopAt ?? c.nLayers) >= start && kvLength(options.past) === 0 && !options.returnKv)) {
    throw new BadInputError(`a residual input must name a block in 0..${c.nLayers - 1} at or before stopAt, without a KV cache; got layer ${start}`);
  }
  const tokens = 'embeds' in input ? input.embeds : 'residual' in input ? input.residual : embedTokens(model, input);
  const [B, T] = tokens.shape;
  if (P + T > maxSequence(model)) {
    throw new BadInputError(`sequence of ${P + T} tokens is longer than the model's ${maxSequence(model)} positions; shorten the prompt`);
  }
  if (options.stopAt !== undefined && !(Number.isInteger(options.stopAt) && options.stopAt >= 0 && options.stopAt <= c.nLayers)) {
    throw new BadInputError(`stopAt ${options.stopAt} is outside 0..${c.nLayers}`);
  }
  const positions = options.positions ?? defaultPositions(B, T, P);
  const bias = attentionBias(T, P, options.attentionMask);
  const rope = model.rope && ropeAngles(positions, model.rope);

  const point = (name: string, layer: number, x: tf.Tensor3D): tf.Tensor3D => {
    const list = hooks.get(name);
    if (list) x = runHooks(list, x, { name, layer, pastLength: P, positions });
    if (wanted === true || wanted?.includes(name)) cache[name] = x;
    return x;
  };

  let x = tokens;
  if (!('residual' in input)) {
    x = point('hook_embed', -1, tokens);
    if (w.wpe) x = tf.add(x, point('hook_pos_embed', -1, tf.gather(w.wpe, positions) as tf.Tensor as tf.Tensor3D));
  }
  const keys: tf.Tensor4D[] = [];
  const values: tf.Tensor4D[] = [];
  for (let l = start; l < c.nLayers; l++) {
    const p = `blocks.${l}.`;
    x = point(p + 'hook_resid_pre', l, x);
    if (options.stopAt === l) return { hidden: x, cache };
    const b = w.blocks[l]!;
    const qkv = linear(norm(model, x, b.ln1), b.wQkv, b.bQkv) as tf.Tensor3D;
    const attn = attention(c, { qkv, bias, ...(rope && { rope }), pastKeys: options.past?.keys[l], pastValues: options.past?.values[l] });
    keys.push(attn.keys);
    values.push(attn.values);
    const attnOut = point(p + 'hook_attn_out', l, linear(attn.out, b.wO, b.bO) as tf.Tensor3D);
    x = point(p + 'hook_resid_mid', l, tf.add(x, attnOut));
    const mlpOut = point(p + 'hook_mlp_out', l, mlp(model, norm(model, x, b.ln2), b));
    x = point(p + 'hook_resid_post', l, tf.add(x, mlpOut));
  }
  const final = point('ln_final', -1, norm(model, x, w.lnF));
  const kv = options.returnKv ? { keys, values } : undefined;
  if (options.stopAt === c.nLayers) return { hidden: final, cache, ...(kv && { kv }) };
  const logits = head(model, final, options.logits ?? 'all');
  return { logits, hidden: final, cache, ...(kv && { kv }) };
}

/** Token embeddings [B, T, D] for ids [B, T]. */
export function embedTokens(model: LanguageModel, ids: tf.Tensor2D): tf.Tensor3D {
  return tf.gather(model.params.wte, tf.cast(ids, 'int32')) as tf.Tensor as tf.Tensor3D;
}

/** The output projection: [B, T, D] -> [B, T', V] for the chosen positions. */
function head(model: LanguageModel, x: tf.Tensor3D, which: NonNullable<ForwardOptions['logits']>): tf.Tensor3D {
  const [B, T, D] = x.shape;
  let picked = x;
  if (which === 'last') picked = tf.slice(x, [0, T - 1, 0], [B, 1, D]);
  else if (which !== 'all') picked = tf.slice(x, [0, which[0], 0], [B, which[1], D]);
  const rows = picked.shape[1];
  const weight = model.params.lmHead ?? model.params.wte; // [V, D]
  const logits = tf.matMul(tf.reshape(picked, [B * rows, D]) as tf.Tensor2D, weight, false, true); // [B·T', V]
  return tf.reshape(logits, [B, rows, weight.shape[0]]);
}

function norm(model: LanguageModel, x: tf.Tensor3D, p: NormParams): tf.Tensor3D {
  const eps = model.config.normEps;
  return (model.config.arch === 'gpt2' ? layerNorm(x, p, eps) : rmsNorm(x, p, eps)) as tf.Tensor3D;
}

function mlp(model: LanguageModel, x: tf.Tensor3D, b: BlockParams): tf.Tensor3D {
  const hidden = linear(x, b.wIn, b.bIn);
  if (model.config.arch === 'gpt2') return linear(geluTanh(hidden), b.wOut, b.bOut) as tf.Tensor3D;
  const [gate, up] = tf.split(hidden, 2, -1); // SwiGLU: silu(gate) * up
  return linear(tf.mul(silu(gate!), up!), b.wOut, b.bOut) as tf.Tensor3D;
}

function defaultPositions(B: number, T: number, P: number): tf.Tensor2D {
  const row = tf.range(P, P + T, 1, 'int32');
  return tf.tile(tf.reshape(row, [1, T]), [B, 1]) as tf.Tensor2D;
}

function runHooks(list: Hook[], x: tf.Tensor3D, context: HookContext): tf.Tensor3D {
  for (const hook of list) {
    const replaced = hook(x, context);
    if (replaced) {
      if (replaced.shape.join() !== x.shape.join()) {
        throw new BadInputError(`hook at ${context.name} returned shape [${replaced.shape}], expected [${x.shape}]`);
      }
      x = replaced;
    }
  }
  return x;
}
