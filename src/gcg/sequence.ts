/**
 * One forward pass over [before | optimised | after | response] sequences (or the part after a
 * cached prefix), returning exactly what the GCG loss reads: the logits that predict the response
 * tokens, and the layer-L activations at the target positions.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hiddenStateHook } from '../model/hooks.js';
import type { KvCache } from '../model/kv-cache.js';
import type { LanguageModel } from '../model/language-model.js';
import type { ForwardInput } from '../model/transformer.js';
import { forward } from '../model/transformer.js';
import type { PromptLayout } from './layout.js';
import { positions } from './layout.js';
import type { PreparedTarget } from './targets.js';
import { activationLayer, needsLogits, sequenceLosses } from './targets.js';

/** Full-sequence indices of the activation positions a target reads. */
export function activationPositions(target: PreparedTarget, layout: PromptLayout, optimLength: number): [number, number] {
  const at = positions(layout, optimLength);
  const spec = target.spec;
  if (spec.kind === 'logit' || spec.kind === 'contrast') return [0, 0];
  return spec.positions === 'last' ? [at.lastPrompt, 1] : [at.responseStart, layout.response.length];
}

/**
 * Per-sequence losses [B] for inputs that start at full position `offset` (0, or the length of a
 * cached prefix passed as `past`). A contrast target also runs its reference model: on the same ids,
 * or on `referenceInput` (embeddings made with the reference's own table) after `referencePast`.
 */
export function losses(
  model: LanguageModel,
  input: ForwardInput,
  layout: PromptLayout,
  optimLength: number,
  target: PreparedTarget,
  options: { past?: KvCache; offset: number; referenceInput?: ForwardInput; referencePast?: KvCache },
): tf.Tensor1D {
  const at = positions(layout, optimLength);
  const layer = activationLayer(target.spec);
  const wantLogits = needsLogits(target.spec);
  const R = layout.response.length;
  const hook = layer === null ? null : hiddenStateHook(model.config.nLayers, layer);
  const result = forward(model, input, {
    ...(options.past && { past: options.past }),
    ...(hook && { cache: [hook] }),
    ...(wantLogits ? { logits: [at.responseStart - 1 - options.offset, R] as const } : { stopAt: layer! }),
  });
  let activations: tf.Tensor3D | null = null;
  if (layer !== null) {
    const hidden = wantLogits ? result.cache[hook!]! : result.hidden; // [B, T, D]
    const [start, count] = activationPositions(target, layout, optimLength);
    const [B, , D] = hidden.shape;
    activations = tf.slice(hidden, [0, start - options.offset, 0], [B, count, D]); // [B, P, D]
  }
  let referenceLogits: tf.Tensor3D | null = null;
  if (target.reference) {
    const referenceInput = options.referenceInput ?? input;
    if ('embeds' in referenceInput && referenceInput === input) throw new Error('a contrast target needs the reference\'s own input embeddings');
    referenceLogits = forward(target.reference, referenceInput, {
      ...(options.referencePast && { past: options.referencePast }),
      logits: [at.responseStart - 1 - options.offset, R] as const,
    }).logits!;
  }
  return sequenceLosses(target, wantLogits ? result.logits! : null, activations, referenceLogits);
}
