/**
 * Batched autoregressive generation over token ids: left padding with an attention mask, a KV
 * cache, greedy or seeded sampling, stop tokens, and hooks active on every step (so steering
 * vectors act while the model writes). Finished rows leave the batch, so the rest run faster.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { BadInputError, throwIfAborted } from '../errors.js';
import { Random } from '../util/random.js';
import type { Hooks } from './hooks.js';
import type { KvCache } from './kv-cache.js';
import { disposeKv, selectKv } from './kv-cache.js';
import type { LanguageModel } from './language-model.js';
import { maxSequence } from './language-model.js';
import { sampleToken } from './sampling.js';
import { forward } from './transformer.js';
import { yieldToEventLoop } from '../engine/yield.js';
import { forwardEngine } from '../engine/engine.js';
import type { FinishReason, Generation, GenerateOptions } from './generate-options.js';
import { onnxGenerate } from './onnx-generate.js';
import { steerHooks } from './steer-spec.js';

export type { FinishReason, Generation, GenerateOptions } from './generate-options.js';

export async function generate(model: LanguageModel, prompts: readonly (readonly number[])[], options: GenerateOptions = {}): Promise<Generation> {
  if (prompts.length === 0) return { tokens: [], finish: [] };
  if (prompts.some((p) => p.length === 0)) throw new BadInputError('cannot generate from an empty prompt; give at least one token (e.g. BOS)');
  const maxNew = options.maxNewTokens ?? 32;
  const width = Math.max(...prompts.map((p) => p.length));
  if (width + maxNew > maxSequence(model)) {
    throw new BadInputError(`prompt (${width} tokens) + ${maxNew} new tokens exceeds the model's ${maxSequence(model)} positions; lower maxNewTokens`);
  }
  if (!options.hooks && (options.engine ?? (await forwardEngine())) === 'onnx') return onnxGenerate(model, prompts, options);
  if (options.steer?.length) {
    const steering = steerHooks(options.steer);
    const hooks = [...(Array.isArray(options.hooks) ? options.hooks : Object.entries(options.hooks ?? {})), ...steering.hooks];
    try {
      return await generate(model, prompts, { ...options, steer: [], hooks });
    } finally {
      steering.dispose();
    }
  }
  const rng = new Random(options.seed ?? 0);
  const stopIds = new Set(options.stopIds ?? []);
  const vocab = model.config.vocabSize;
  const out: number[][] = prompts.map(() => []);
  const finish: FinishReason[] = prompts.map(() => 'length');

  // rows[i] is the prompt index of batch row i; rows leave as they finish.
  let rows = prompts.map((_, i) => i);
  const padded = leftPad(prompts, width, options.padId ?? 0);
  let mask = tf.tensor2d(padded.mask, [prompts.length, width], 'int32'); // [B, S]
  let nextPositions = prompts.map((p) => p.length); // each row's position of its next token
  let { logits, kv }: { logits: tf.Tensor2D; kv: KvCache | undefined } = nextLogits(model, padded.ids, padded.positions, [prompts.length, width], mask, options.hooks);
  try {
    for (let step = 0; step < maxNew; step++) {
      await yieldToEventLoop();
      throwIfAborted(options.signal, 'generation');
      const values = (await logits.data()) as Float32Array; // one read per step: the sampler runs in JS
      logits.dispose();
      const chosen: number[] = [];
      const keep: number[] = [];
      rows.forEach((prompt, i) => {
        const token = sampleToken(values, i * vocab, vocab, options, rng);
        out[prompt]!.push(token);
        const stopped = stopIds.has(token) || (options.stopWhen?.(prompt, out[prompt]!) ?? false);
        if (stopped) finish[prompt] = 'stop';
        else {
          keep.push(i);
          chosen.push(token);
        }
      });
      if (keep.length === 0 || step === maxNew - 1) break;
      if (keep.length < rows.length) {
        const smaller = selectKv(kv!, keep);
        disposeKv(kv);
        kv = smaller;
        const index = tf.tensor1d(keep, 'int32');
        const nextMask = tf.gather(mask, index);
        index.dispose();
        mask.dispose();
        mask = nextMask as tf.Tensor2D;
        rows = keep.map((i) => rows[i]!);
        nextPositions = keep.map((i) => nextPositions[i]!);
      }
      const B = rows.length;
      const grownMask = tidy(() => tf.concat([mask, tf.ones([B, 1], 'int32')], 1) as tf.Tensor2D);
      mask.dispose();
      mask = grownMask;
      const past = kv!;
      const result = nextLogits(model, chosen, nextPositions, [B, 1], mask, options.hooks, past);
      disposeKv(past);
      kv = result.kv;
      logits = result.logits;
      nextPositions = nextPositions.map((p) => p + 1);
    }
  } finally {
    if (!logits.isDisposed) logits.dispose();
    disposeKv(kv);
    mask.dispose();
  }
  return { tokens: out, finish };
}

/**
 * One forward pass over `ids` [B, T] (after the cached `past`, if any): the logits of each row's last
 * position [B, V] and the grown KV cache.
 */
function nextLogits(
  model: LanguageModel,
  ids: ArrayLike<number>,
  positions: ArrayLike<number>,
  shape: [number, number],
  attentionMask: tf.Tensor2D,
  hooks: Hooks | undefined,
  past?: KvCache,
): { logits: tf.Tensor2D; kv: KvCache } {
  const idTensor = tf.tensor2d(ids as number[], shape, 'int32');
  const positionTensor = tf.tensor2d(positions as number[], shape, 'int32');
  const result = tidy(() => {
    const r = forward(model, idTensor, { hooks, attentionMask, positions: positionTensor, ...(past && { past }), returnKv: true, logits: 'last' });
    return { logits: tf.squeeze(r.logits!, [1]) as tf.Tensor2D, kv: r.kv! };
  });
  idTensor.dispose();
  positionTensor.dispose();
  return result;
}

/** Left-pads prompts to `width`; positions count each row's real tokens from 0 (padding gets 0). */
function leftPad(prompts: readonly (readonly number[])[], width: number, padId: number) {
  const n = prompts.length * width;
  const ids = new Int32Array(n).fill(padId);
  const mask = new Int32Array(n);
  const positions = new Int32Array(n);
  prompts.forEach((prompt, row) => {
    const offset = row * width + (width - prompt.length);
    prompt.forEach((token, t) => {
      ids[offset + t] = token;
      mask[offset + t] = 1;
      positions[offset + t] = t;
    });
  });
  return { ids, mask, positions };
}
