/**
 * Guided backward sampling: while the model writes a user turn from nothing, upweight the next tokens
 * that move the residual stream towards θ_Y's direction. At each step, for each row, the top-k next
 * tokens are appended in one batched look-ahead forward (lookahead.ts); the activation each produces at
 * hidden_states[layer] is compared with the direction, and the token is drawn from
 *
 *   w_i ∝ p_i · exp(β · cos(h_i, direction)),   i in the top k,
 *
 * where p_i is the top-k renormalised probability at the temperature, computed exactly as sampleToken
 * computes it: with β = 0 this is plain seeded top-k sampling, draw for draw.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError, throwIfAborted } from '../errors.js';
import { requireTokenizer } from '../model/generate-text.js';
import type { Hooks } from '../model/hooks.js';
import type { LanguageModel } from '../model/language-model.js';
import { maxSequence } from '../model/language-model.js';
import { Random } from '../util/random.js';
import type { Frontier, Reader } from './lookahead.js';
import { disposeFrontier, expand, keepRows, startFrontier } from './lookahead.js';
import type { PromptSample } from './samples.js';
import { batchSeed, checkCommon, checkSampleCount } from './samples.js';
import type { Start, StartKind } from '../steer/start.js';
import { readTurn, startOf } from '../steer/start.js';
import type { Guide, SteeringTerm } from './steering.js';
import { hiddenStateHook } from '../model/hooks.js';
import { checkTerm, steeringHooks } from './steering.js';
import { yieldToEventLoop } from '../engine/yield.js';

export interface GuidedConfig {
  /** Turns to write (default 64). */
  samples: number;
  /** Guidance strength β (default 4; 0 is plain top-k sampling). */
  beta: number;
  /** Candidates looked ahead per step (default 8). */
  topK: number;
  /** Default 1. */
  temperature: number;
  /** Default 40. */
  maxNewTokens: number;
  /** Rows per batch; each step forwards batchSize·topK candidates (default 16). */
  batchSize: number;
  start: StartKind;
  seed: number;
}

export const defaultGuidedConfig: GuidedConfig = { samples: 64, beta: 4, topK: 8, temperature: 1, maxNewTokens: 40, batchSize: 16, start: 'header', seed: 0 };

export interface GuidedOptions {
  /** Added while writing (θ_clean, α·θ_Y); none by default. */
  steering?: readonly SteeringTerm[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function sampleGuided(model: LanguageModel, guide: Guide, config: Partial<GuidedConfig> = {}, options: GuidedOptions = {}): Promise<PromptSample[]> {
  const c: GuidedConfig = { ...defaultGuidedConfig, ...config };
  checkSampleCount(c.samples);
  checkCommon(c);
  checkGuide(model, guide, c.beta, c.topK);
  (options.steering ?? []).forEach((t, i) => checkTerm(model, t, `steering vector ${i}`));
  const start = startOf(model, c.start);
  checkLength(model, start, c.maxNewTokens);
  const tokenizer = requireTokenizer(model);
  const { hooks, dispose } = steeringHooks(options.steering ?? []);
  const reader = makeReader(model, guide);
  const out: PromptSample[] = [];
  try {
    for (let first = 0, batch = 0; first < c.samples; first += c.batchSize, batch++) {
      const rows = Math.min(c.batchSize, c.samples - first);
      const written = await guidedBatch(model, start, rows, reader, hooks, c, new Random(batchSeed(c.seed, batch)), options.signal);
      for (const w of written) out.push({ ...readTurn(tokenizer, start, w.tokens), finish: w.finish, meanCos: mean(w.cos) });
      options.onProgress?.(out.length, c.samples);
    }
    return out;
  } finally {
    dispose();
    reader.unit.dispose();
  }
}

interface Written {
  tokens: number[];
  cos: number[];
  finish: 'stop' | 'length';
}

async function guidedBatch(
  model: LanguageModel,
  start: Start,
  rows: number,
  reader: Reader,
  hooks: Hooks,
  c: GuidedConfig,
  rng: Random,
  signal: AbortSignal | undefined,
): Promise<Written[]> {
  const out: Written[] = Array.from({ length: rows }, () => ({ tokens: [], cos: [], finish: 'length' }));
  const stopIds = new Set(start.stopIds);
  let active = Array.from({ length: rows }, (_, i) => i); // active[i]: the output row of frontier row i
  let frontier: Frontier = startFrontier(model, start.tokens, rows, hooks);
  try {
    for (let step = 0; step < c.maxNewTokens; step++) {
      await yieldToEventLoop();
      throwIfAborted(signal, 'guided sampling');
      const e = await expand(model, frontier, c.topK, reader, hooks);
      disposeFrontier(frontier);
      frontier = e.frontier;
      const keep: number[] = [];
      const stillActive: number[] = [];
      active.forEach((row, b) => {
        const logits = e.logits[b]!;
        const cos = e.cos[b]!;
        // sampleToken's arithmetic, so that β = 0 reproduces its draws exactly
        const max = logits[0]!;
        let probs = logits.map((l) => Math.exp((l - max) / c.temperature));
        const total = probs.reduce((x, y) => x + y, 0);
        probs = probs.map((p, j) => (p / total) * Math.exp(c.beta * cos[j]!));
        const j = rng.weighted(probs);
        const token = e.tokens[b]![j]!;
        out[row]!.tokens.push(token);
        out[row]!.cos.push(cos[j]!);
        if (stopIds.has(token)) out[row]!.finish = 'stop';
        else {
          keep.push(e.row(b, j));
          stillActive.push(row);
        }
      });
      if (keep.length === 0 || step === c.maxNewTokens - 1) break;
      frontier = keepRows(frontier, keep);
      active = stillActive;
    }
    return out;
  } finally {
    disposeFrontier(frontier);
  }
}

export function makeReader(model: LanguageModel, guide: Guide): Reader {
  const hook = hiddenStateHook(model.config.nLayers, guide.layer);
  let norm = 0;
  for (const x of guide.direction) norm += x * x;
  norm = Math.sqrt(norm);
  return { hook, unit: tf.tensor1d(guide.direction.map((x) => x / norm)) };
}

export function checkGuide(model: LanguageModel, guide: Guide, beta: number, topK: number): void {
  const D = model.config.dModel;
  if (guide.direction.length !== D) throw new BadInputError(`the guide direction is ${guide.direction.length} wide but the model's d_model is ${D}; use a vector made for this model`);
  if (!guide.direction.every(Number.isFinite) || guide.direction.every((x) => x === 0)) throw new BadInputError('the guide direction is zero or not finite; use a trained θ_Y');
  hiddenStateHook(model.config.nLayers, guide.layer);
  if (!(Number.isFinite(beta) && beta >= 0)) throw new BadInputError(`β must be a non-negative number, got ${beta}`);
  if (!(Number.isInteger(topK) && topK >= 1)) throw new BadInputError(`topK must be a positive whole number, got ${topK}`);
}

export function checkLength(model: LanguageModel, start: Start, maxNewTokens: number): void {
  if (start.tokens.length + maxNewTokens > maxSequence(model)) {
    throw new BadInputError(`start (${start.tokens.length} tokens) + ${maxNewTokens} new tokens exceeds the model's ${maxSequence(model)} positions; lower maxNewTokens`);
  }
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
