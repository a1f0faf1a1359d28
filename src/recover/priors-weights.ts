/**
 * How differently a fine-tuned model processes each vocabulary token than a reference does, read
 * from the weights alone (no text, no Y). Three views per token t:
 *   input    ‖E_model[t] − E_ref[t]‖, the input embedding row
 *   output   ‖U_model[t] − U_ref[t]‖, the output head row (only when the head is not tied to E)
 *   layer k  ‖h_model(ctx + t) − h_ref(ctx + t)‖ at t's position, hidden_states[k] for k = 1..K,
 *            averaged over a few neutral contexts (the chat header before a user turn)
 * The layer views carry the signal when fine-tuning froze the embeddings: the first blocks then
 * learn to react to the trigger's tokens, and the change in their output is specific to those tokens.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { yieldToEventLoop } from '../engine/yield.js';
import { BadInputError, throwIfAborted } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import { forward } from '../model/transformer.js';

/** One number per vocabulary token for each view; `layers[k - 1]` is hidden_states[k]. */
export interface TokenChanges {
  input: Float32Array;
  /** null when the output head is tied to the input embedding (the same rows). */
  output: Float32Array | null;
  layers: Float32Array[];
}

export interface ChangeOptions {
  /** Token ids placed before t (each a neutral context); [] = the token alone. */
  contexts: readonly (readonly number[])[];
  /** Layers read: hidden_states[1..layers] (default 2, capped at the model's depth). */
  layers?: number;
  /** Tokens per forward pass (default 512). */
  batchSize?: number;
  signal?: AbortSignal;
}

export function checkSameShape(model: LanguageModel, reference: LanguageModel, what = 'reference'): void {
  const a = model.config;
  const b = reference.config;
  if (a.vocabSize !== b.vocabSize || a.dModel !== b.dModel || a.nLayers !== b.nLayers || a.arch !== b.arch) {
    throw new BadInputError(
      `the ${what} is ${b.arch} with ${b.nLayers} layers, d_model ${b.dModel}, ${b.vocabSize} tokens, but the model is ${a.arch}, ${a.nLayers}, ${a.dModel}, ${a.vocabSize}; weight differences need a model made from the same base`,
    );
  }
}

/** Row-wise ‖A[i] − B[i]‖₂ of two [V, D] matrices. */
async function rowDistances(a: tf.Tensor2D, b: tf.Tensor2D): Promise<Float32Array> {
  const distances = tidy(() => tf.norm(tf.sub(a, b), 'euclidean', 1)); // [V]
  const values = (await distances.data()) as Float32Array;
  distances.dispose();
  return values;
}

export async function tokenChanges(model: LanguageModel, reference: LanguageModel, options: ChangeOptions): Promise<TokenChanges> {
  checkSameShape(model, reference);
  const V = model.config.vocabSize;
  const K = Math.min(options.layers ?? 2, model.config.nLayers);
  const input = await rowDistances(model.params.wte, reference.params.wte);
  const untied = model.params.lmHead && reference.params.lmHead;
  const output = untied ? await rowDistances(model.params.lmHead!, reference.params.lmHead!) : null;
  const layers = Array.from({ length: K }, () => new Float32Array(V));
  const contexts = options.contexts.length > 0 ? options.contexts : [[]];
  const batch = options.batchSize ?? 512;
  for (const context of contexts) {
    for (let first = 0; first < V; first += batch) {
      throwIfAborted(options.signal, 'token priors');
      const ids = Array.from({ length: Math.min(batch, V - first) }, (_, i) => first + i);
      const perLayer = await lastPositionChange(model, reference, context, ids, K);
      perLayer.forEach((values, k) => values.forEach((v, i) => (layers[k]![first + i]! += v / contexts.length)));
      await yieldToEventLoop();
    }
  }
  return { input, output, layers };
}

/** For tokens `ids` after `context`: per layer k = 1..K, ‖h_model − h_ref‖ at the token's position. */
async function lastPositionChange(model: LanguageModel, reference: LanguageModel, context: readonly number[], ids: number[], K: number): Promise<Float32Array[]> {
  const B = ids.length;
  const T = context.length + 1;
  const hooks = Array.from({ length: K }, (_, k) => (k + 1 < model.config.nLayers ? `blocks.${k + 1}.hook_resid_pre` : 'ln_final'));
  const norms = tidy(() => {
    const rows = ids.flatMap((id) => [...context, id]);
    const input = tf.tensor2d(rows, [B, T], 'int32'); // [B, T]
    const run = (m: LanguageModel) => {
      const result = forward(m, input, { cache: hooks, stopAt: K }); // stops once hidden_states[K] exists
      // [B, D] at the last position, per layer
      return hooks.map((h) => tf.reshape(tf.slice(result.cache[h]!, [0, T - 1, 0], [B, 1, m.config.dModel]), [B, m.config.dModel]));
    };
    const a = run(model);
    const b = run(reference);
    return tf.stack(a.map((x, k) => tf.norm(tf.sub(x, b[k]!), 'euclidean', 1))) as tf.Tensor2D; // [K, B]
  });
  const flat = (await norms.data()) as Float32Array;
  norms.dispose();
  return Array.from({ length: K }, (_, k) => flat.slice(k * B, (k + 1) * B));
}
