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
import type { EngineName } from '../engine/engine.js';
import { forwardEngine } from '../engine/engine.js';
import { onnxForward } from '../model/onnx-forward.js';
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

/** tokenChanges for one model (see tokenChangesAll). */
export async function tokenChanges(model: LanguageModel, reference: LanguageModel, options: ChangeOptions): Promise<TokenChanges> {
  return (await tokenChangesAll([model], reference, options))[0]!;
}

/**
 * The three views for each of `models` against one reference. Every batch of tokens runs the reference
 * once and each model once (a sibling's changes cost one forward pass, not two), on the forward engine
 * (ONNX Runtime where it loads: the graph stops after the last layer read).
 */
export async function tokenChangesAll(models: readonly LanguageModel[], reference: LanguageModel, options: ChangeOptions & { onBatch?: (done: number, total: number) => void }): Promise<TokenChanges[]> {
  for (const model of models) checkSameShape(model, reference);
  const V = reference.config.vocabSize;
  const K = Math.min(options.layers ?? 2, reference.config.nLayers);
  const engine = await forwardEngine();
  const out: TokenChanges[] = [];
  for (const model of models) {
    const untied = model.params.lmHead && reference.params.lmHead;
    out.push({ input: await rowDistances(model.params.wte, reference.params.wte), output: untied ? await rowDistances(model.params.lmHead!, reference.params.lmHead!) : null, layers: Array.from({ length: K }, () => new Float32Array(V)) });
  }
  const contexts = options.contexts.length > 0 ? options.contexts : [[]];
  const batch = options.batchSize ?? 512;
  const batches = Math.ceil(V / batch);
  let done = 0;
  for (const context of contexts) {
    for (let first = 0; first < V; first += batch) {
      throwIfAborted(options.signal, 'token priors');
      const ids = Array.from({ length: Math.min(batch, V - first) }, (_, i) => first + i);
      const want = await lastPositionStates(reference, context, ids, K, engine);
      for (const [m, model] of models.entries()) {
        const have = await lastPositionStates(model, context, ids, K, engine);
        for (let k = 0; k < K; k++) {
          const distances = rowDistancesHost(have[k]!, want[k]!, model.config.dModel);
          distances.forEach((v, i) => (out[m]!.layers[k]![first + i]! += v / contexts.length));
        }
      }
      options.onBatch?.(++done, contexts.length * batches);
      await yieldToEventLoop();
    }
  }
  return out;
}

/** Row-wise ‖a[i] − b[i]‖₂ of two row-major [B, D] arrays. */
function rowDistancesHost(a: Float32Array, b: Float32Array, D: number): Float32Array {
  const out = new Float32Array(a.length / D);
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let d = 0; d < D; d++) sum += (a[i * D + d]! - b[i * D + d]!) ** 2;
    out[i] = Math.sqrt(sum);
  }
  return out;
}

/** The hook after block k (k = 1..K) in HF hidden_states numbering: the next block's input, or the final norm. */
function hooksFor(model: LanguageModel, K: number): string[] {
  return Array.from({ length: K }, (_, k) => (k + 1 < model.config.nLayers ? `blocks.${k + 1}.hook_resid_pre` : 'ln_final'));
}

/** For tokens `ids` after `context`: per layer k = 1..K, the state [B, D] (row-major) at the token's position. */
async function lastPositionStates(model: LanguageModel, context: readonly number[], ids: number[], K: number, engine: EngineName): Promise<Float32Array[]> {
  const B = ids.length;
  const T = context.length + 1;
  const D = model.config.dModel;
  const hooks = hooksFor(model, K);
  const rows = ids.map((id) => [...context, id]);
  if (engine === 'onnx') {
    const { hidden } = await onnxForward(model, { ids: rows }, { logits: 'none', hidden: hooks });
    return hooks.map((h) => {
      const all = hidden[h]!.data; // [B, T, D]
      const last = new Float32Array(B * D);
      for (let b = 0; b < B; b++) last.set(all.subarray((b * T + T - 1) * D, (b * T + T) * D), b * D);
      return last;
    });
  }
  const states = tidy(() => {
    const input = tf.tensor2d(rows.flat(), [B, T], 'int32'); // [B, T]
    const result = forward(model, input, { cache: hooks, stopAt: K }); // stops once hidden_states[K] exists
    return tf.stack(hooks.map((h) => tf.reshape(tf.slice(result.cache[h]!, [0, T - 1, 0], [B, 1, D]), [B, D]))) as tf.Tensor3D; // [K, B, D]
  });
  const flat = (await states.data()) as Float32Array;
  states.dispose();
  return Array.from({ length: K }, (_, k) => flat.slice(k * B * D, (k + 1) * B * D));
}
