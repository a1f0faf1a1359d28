/**
 * A batch of prompts for steering work: left-padded ids with mask and positions, and which tokens the
 * objectives read (the "targets": each prompt's last k tokens, as in the MELBO reference, or all).
 * Prompts are text (wrapped in the chat template by default) or token ids taken as they are.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../errors.js';
import { encodePrompt, requireTokenizer } from '../model/generate-text.js';
import type { LanguageModel } from '../model/language-model.js';
import { maxSequence } from '../model/language-model.js';

/** Text prompts, or prompts already tokenised. */
export type PromptInput = readonly string[] | readonly (readonly number[])[];

export interface PromptBatchOptions {
  /** Text prompts become a user turn of the chat template plus the assistant header (default true). */
  chat?: boolean;
  /** Target tokens per prompt: its last k (default 3; fewer when the prompt is shorter), or 'all'. */
  targets?: number | 'all';
}

export interface PromptBatch {
  /** [B, T] int32, left-padded with 0. */
  ids: tf.Tensor2D;
  /** [B, T] int32: 1 for real tokens. */
  mask: tf.Tensor2D;
  /** [B, T] int32: each token's position in its own prompt (padding 0). */
  positions: tf.Tensor2D;
  /** Each prompt's token ids. */
  tokens: number[][];
  width: number;
  /** Row indices b·T + t (into activations reshaped to [B·T, D]) of the target tokens, prompt by prompt. */
  targetRows: number[];
  /** The prompt each target row belongs to. */
  targetPrompt: number[];
  /** Row index of each prompt's last token. */
  lastRows: number[];
}

/** Each prompt's ids: text through the tokenizer (chat template by default), ids as given. */
export function promptTokens(model: LanguageModel, prompts: PromptInput, chat = true): number[][] {
  if (prompts.length === 0) throw new BadInputError('no prompts given; steering needs at least one');
  const tokens = prompts.map((p) => (typeof p === 'string' ? encodePrompt(requireTokenizer(model), p, chat) : p.slice()));
  const vocab = model.config.vocabSize;
  tokens.forEach((ids, i) => {
    if (ids.length === 0) throw new BadInputError(`prompt ${i} is empty; give it at least one token`);
    const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
    if (bad !== undefined) throw new BadInputError(`prompt ${i} holds token id ${bad}, outside the model's vocabulary 0..${vocab - 1}`);
  });
  return tokens;
}

/** Left-pads token sequences into ids, mask and positions [B, T] (positions count real tokens from 0). */
export function leftPad(sequences: readonly (readonly number[])[]): { ids: tf.Tensor2D; mask: tf.Tensor2D; positions: tf.Tensor2D; width: number } {
  const B = sequences.length;
  const width = Math.max(...sequences.map((s) => s.length));
  const ids = new Int32Array(B * width);
  const mask = new Int32Array(B * width);
  const positions = new Int32Array(B * width);
  sequences.forEach((seq, b) => {
    const offset = b * width + (width - seq.length);
    seq.forEach((token, t) => {
      ids[offset + t] = token;
      mask[offset + t] = 1;
      positions[offset + t] = t;
    });
  });
  return {
    ids: tf.tensor2d(ids, [B, width], 'int32'),
    mask: tf.tensor2d(mask, [B, width], 'int32'),
    positions: tf.tensor2d(positions, [B, width], 'int32'),
    width,
  };
}

export function encodePrompts(model: LanguageModel, prompts: PromptInput, options: PromptBatchOptions = {}): PromptBatch {
  const targets = options.targets ?? 3;
  if (targets !== 'all' && !(Number.isInteger(targets) && targets >= 1)) {
    throw new BadInputError(`targets must be a whole number of tokens (at least 1) or 'all', got ${targets}`);
  }
  const tokens = promptTokens(model, prompts, options.chat ?? true);
  const longest = Math.max(...tokens.map((t) => t.length));
  if (longest > maxSequence(model)) throw new BadInputError(`a prompt of ${longest} tokens is longer than the model's ${maxSequence(model)} positions; shorten it`);
  const padded = leftPad(tokens);
  const T = padded.width;
  const targetRows: number[] = [];
  const targetPrompt: number[] = [];
  const lastRows = tokens.map((_, b) => b * T + T - 1);
  tokens.forEach((seq, b) => {
    const k = targets === 'all' ? seq.length : Math.min(targets, seq.length);
    for (let t = T - k; t < T; t++) {
      targetRows.push(b * T + t);
      targetPrompt.push(b);
    }
  });
  return { ...padded, tokens, targetRows, targetPrompt, lastRows };
}

export function disposePromptBatch(batch: PromptBatch): void {
  tf.dispose([batch.ids, batch.mask, batch.positions]);
}

/** [B, K]: 1 where target row k belongs to prompt b; a matMul with it sums rows per prompt. */
export function segmentMatrix(batch: PromptBatch): tf.Tensor2D {
  const B = batch.tokens.length;
  const K = batch.targetRows.length;
  const data = new Float32Array(B * K); // built on the host: wasm's OneHot writes float32 output wrongly
  batch.targetPrompt.forEach((b, k) => (data[b * K + k] = 1));
  return tf.tensor2d(data, [B, K]);
}
