/**
 * Looking at a vector set: how alike its vectors (and their shifts) are, what the model writes under
 * each, and which vectors elicit a known behaviour Y, so that the few that do can be picked out of
 * hundreds. Also the baseline MELBO is measured against: random vectors of the same norm.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { BadInputError, throwIfAborted } from '../errors.js';
import { cosine } from '../eval/stats.js';
import { generate } from '../model/generate.js';
import { endOfTurnIds } from '../model/generate-text.js';
import { checkHookName, steeringHook } from '../model/hooks.js';
import type { LanguageModel } from '../model/language-model.js';
import { Random } from '../util/random.js';
import { defaultLayers, sourceHook } from './layers.js';
import type { PromptInput } from './prompts.js';
import { promptTokens } from './prompts.js';
import { randomOnSphere } from './sphere.js';
import { targetTokens } from './supervised.js';
import { disposeForcedBatch, forcedBatch, targetLogProbs } from './teacher-forcing.js';
import type { VectorSet } from './vector-set.js';
import { makeVectorSet } from './vector-set.js';

/** Pairwise cosine similarities [N][N]. */
export function cosineMatrix(rows: readonly ArrayLike<number>[]): number[][] {
  return rows.map((a) => rows.map((b) => cosine(a, b)));
}

export function vectorCosines(set: VectorSet): number[][] {
  return cosineMatrix(set.vectors);
}

export interface SteerRunOptions {
  /** Default 24. */
  maxNewTokens?: number;
  /** Multiplies every vector (default 1). */
  scale?: number;
  chat?: boolean;
  /** Only these vectors of the set (default all). */
  indices?: readonly number[];
  /** Steer only at these positions of each sequence (its own positions, generated tokens included); default all. */
  positions?: readonly number[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface SteeredCompletions {
  /** The vector index each row of tokens/texts belongs to. */
  indices: number[];
  /** [vector][prompt] new tokens, end-of-turn token included when one ended the row. */
  tokens: number[][][];
  /** Decoded completions, when the model has a tokenizer. */
  texts?: string[][];
}

/**
 * Greedy completions of every prompt under every vector: one batched generation per vector, with the
 * vector added at the set's hook on every position and every step (what generateText does, run on
 * token ids so that tokenizer-less models and id prompts work alike).
 */
export async function steeredCompletions(model: LanguageModel, set: VectorSet, prompts: PromptInput, options: SteerRunOptions = {}): Promise<SteeredCompletions> {
  checkHookName(set.hook, model.config.nLayers);
  const promptIds = promptTokens(model, prompts, options.chat ?? true);
  const indices = options.indices ? [...options.indices] : set.vectors.map((_, i) => i);
  const tokenizer = model.tokenizer;
  const stopIds = tokenizer ? endOfTurnIds(tokenizer) : [];
  const tokens: number[][][] = [];
  for (const [done, index] of indices.entries()) {
    throwIfAborted(options.signal, 'steered generation');
    const values = set.vectors[index];
    if (!values) throw new BadInputError(`vector ${index} does not exist; the set has ${set.vectors.length}`);
    const generation = await generate(model, promptIds, {
      maxNewTokens: options.maxNewTokens ?? 24,
      stopIds,
      steer: [{ hook: set.hook, vector: values, scale: options.scale ?? 1, ...(options.positions && { positions: options.positions }) }],
      signal: options.signal,
    });
    tokens.push(generation.tokens);
    options.onProgress?.(done + 1, indices.length);
  }
  const texts = tokenizer && tokens.map((rows) => rows.map((row) => tokenizer.decode(row, { skipSpecialTokens: true })));
  return { indices, tokens, ...(texts && { texts }) };
}

export interface BehaviourScore {
  index: number;
  label?: string;
  /** Mean over prompts of the mean log p(Y token) under the vector, teacher forced. */
  logProb: number;
  /** Share of prompts whose greedy completion contains Y. */
  hitRate: number;
  /** The completions (decoded text, or token ids joined by spaces without a tokenizer). */
  completions: string[];
}

/**
 * For each vector: log p(Y | prompt, vector) (one teacher-forced forward, batched over prompts) and the
 * share of greedy completions that contain Y (text containment with a tokenizer and a text target,
 * token subsequence otherwise). Ranked by hit rate, then log-probability, best first.
 */
export async function scoreBehaviour(
  model: LanguageModel,
  set: VectorSet,
  prompts: PromptInput,
  target: string | readonly number[],
  options: SteerRunOptions = {},
): Promise<BehaviourScore[]> {
  const promptIds = promptTokens(model, prompts, options.chat ?? true);
  const targetIds = targetTokens(model, target);
  const runs = await steeredCompletions(model, set, promptIds, { ...options, maxNewTokens: Math.max(options.maxNewTokens ?? 0, targetIds.length + 8), chat: false }); // Y must fit in full
  const batch = forcedBatch(model, promptIds, targetIds);
  const scores: BehaviourScore[] = [];
  try {
    for (const [row, index] of runs.indices.entries()) {
      const logProb = tidy(() => tf.mean(targetLogProbs(model, batch, [[set.hook, steeringHook(tf.tensor1d(set.vectors[index]!), { scale: options.scale ?? 1 })]])));
      const value = (await logProb.data())[0]!;
      logProb.dispose();
      const texts = runs.texts?.[row];
      const completions = texts ?? runs.tokens[row]!.map((t) => t.join(' '));
      const hits = runs.tokens[row]!.filter((tokens, i) =>
        typeof target === 'string' && texts ? texts[i]!.includes(target) : containsRun(tokens, targetIds),
      ).length;
      const label = set.meta[index]?.label;
      scores.push({ index, ...(label !== undefined && { label }), logProb: value, hitRate: hits / promptIds.length, completions });
    }
  } finally {
    disposeForcedBatch(batch);
  }
  return scores.sort((a, b) => b.hitRate - a.hitRate || b.logProb - a.logProb);
}

function containsRun(haystack: readonly number[], needle: readonly number[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** `count` vectors R·normalize(randn) from a seed: the baseline that should not show Y. */
export async function randomVectors(model: LanguageModel, count: number, R: number, seed: number, hook?: string): Promise<VectorSet> {
  const at = hook ?? sourceHook(defaultLayers(model.config.nLayers).source);
  const rng = new Random(`random-vectors:${seed}`);
  const vectors: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const v = randomOnSphere(model.config.dModel, R, rng);
    vectors.push((await v.data()) as Float32Array);
    v.dispose();
  }
  return makeVectorSet(model, {
    kind: 'random',
    hook: at,
    settings: { R, seed, count },
    vectors,
    meta: vectors.map((_, i) => ({ label: `random ${i}` })),
  });
}
