/**
 * Hook points, named as in TransformerLens. A hook sees an activation and may return a replacement;
 * hooks are passed per forward call, so nothing is left behind after the call returns.
 *
 *   hook_embed, hook_pos_embed (gpt2)       token (and position) embeddings   [B, T, D]
 *   blocks.{l}.hook_resid_pre               residual stream entering block l  = HF hidden_states[l]
 *   blocks.{l}.hook_attn_out                attention output (after o_proj)
 *   blocks.{l}.hook_resid_mid               resid_pre + attn_out
 *   blocks.{l}.hook_mlp_out                 MLP output
 *   blocks.{l}.hook_resid_post              resid_mid + mlp_out            = hook_resid_pre of l + 1
 *   ln_final                                final norm output              = HF hidden_states[L]
 */
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../errors.js';

export interface HookContext {
  name: string;
  /** Block index, or -1 for hook_embed / ln_final. */
  layer: number;
  /** Positions already in the KV cache (including any left padding). */
  pastLength: number;
  /** [B, T] int32: each token's position in its own sequence (left padding excluded). */
  positions: tf.Tensor2D;
}

/** Returns a replacement activation (same shape), or nothing to leave it unchanged. */
export type Hook = (activation: tf.Tensor3D, context: HookContext) => tf.Tensor3D | void;

/** Hooks for one call: a record by name, or a list of [name, hook] pairs (several per name run in order). */
export type Hooks = Readonly<Record<string, Hook>> | readonly (readonly [string, Hook])[];

const blockHook = /^blocks\.(\d+)\.hook_(resid_pre|resid_mid|resid_post|attn_out|mlp_out)$/;

export type BlockPoint = 'resid_pre' | 'resid_mid' | 'resid_post' | 'attn_out' | 'mlp_out';

/** blocks.{l}.hook_{point} → { layer: l, point }, or null for any other name. */
export function parseBlockHook(name: string): { layer: number; point: BlockPoint } | null {
  const match = blockHook.exec(name);
  return match ? { layer: Number(match[1]), point: match[2] as BlockPoint } : null;
}

/**
 * The HF hidden_states index a vector added at `hook` lives in: blocks.{l}.hook_resid_pre is
 * hidden_states[l]; resid_post (and the attention and MLP outputs, which are summed into it) are part
 * of hidden_states[l + 1]. `remedy` ends the error for hooks outside the residual stream.
 */
export function hiddenStateIndex(hook: string, remedy = 'give the layer explicitly'): number {
  const parsed = parseBlockHook(hook);
  if (!parsed) throw new BadInputError(`a vector at ${hook} has no residual-stream layer; ${remedy}`);
  return parsed.layer + (parsed.point === 'resid_pre' ? 0 : 1);
}

/** The hook point whose activation is HF hidden_states[layer], 0..L (L is the final norm's output). */
export function hiddenStateHook(nLayers: number, layer: number): string {
  if (!(Number.isInteger(layer) && layer >= 0 && layer <= nLayers)) throw new BadInputError(`layer ${layer} is outside 0..${nLayers} (the model's hidden states)`);
  return layer === nLayers ? 'ln_final' : `blocks.${layer}.hook_resid_pre`;
}

/** Checks a hook point name against a model's depth; a typo is an error, never a silently unused hook. */
export function checkHookName(name: string, nLayers: number): void {
  if (name === 'hook_embed' || name === 'hook_pos_embed' || name === 'ln_final') return;
  const match = blockHook.exec(name);
  if (match && Number(match[1]) < nLayers) return;
  throw new BadInputError(
    `unknown hook point '${name}'; use hook_embed, ln_final or blocks.{0..${nLayers - 1}}.hook_{resid_pre,attn_out,resid_mid,mlp_out,resid_post}`,
  );
}

/** Normalises Hooks to a map from name to the hooks at that point, checking every name. */
export function indexHooks(hooks: Hooks | undefined, nLayers: number): Map<string, Hook[]> {
  const index = new Map<string, Hook[]>();
  if (!hooks) return index;
  const pairs: readonly (readonly [string, Hook])[] = Array.isArray(hooks) ? hooks : Object.entries(hooks as Record<string, Hook>);
  for (const [name, hook] of pairs) {
    checkHookName(name, nLayers);
    const list = index.get(name) ?? [];
    list.push(hook);
    index.set(name, list);
  }
  return index;
}

export interface SteerOptions {
  /** Multiplies the vector (default 1). */
  scale?: number;
  /** 'all' (default), or positions within each sequence (0 = its first real token, cached ones counted). */
  positions?: 'all' | readonly number[];
}

/**
 * A hook that adds `vector` [D] to the activation at every token, or at chosen positions.
 * Positions are each sequence's own (padding excluded, KV cache included), so steering "position 3"
 * means the same token in every row of a left-padded batch and while generating.
 */
export function steeringHook(vector: tf.Tensor1D, options: SteerOptions = {}): Hook {
  const scale = options.scale ?? 1;
  const positions = options.positions ?? 'all';
  return (activation, context) => {
    const scaled = scale === 1 ? vector : tf.mul(vector, scale);
    if (positions === 'all') return tf.add(activation, scaled) as tf.Tensor3D;
    if (positions.length === 0) return undefined;
    // [B, T, 1] == [K] -> [B, T, K] -> any over K -> [B, T, 1]
    const hits = tf.equal(tf.expandDims(context.positions, 2), tf.tensor1d(positions as number[], 'int32'));
    const mask = tf.cast(tf.any(hits, 2, true), 'float32');
    return tf.add(activation, tf.mul(mask, scaled)) as tf.Tensor3D;
  };
}
