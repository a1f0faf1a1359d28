/**
 * Steering arithmetic: sample user turns from nothing with θ_clean + α·θ_Y added while the model writes,
 * for a grid of α. θ_clean keeps the samples looking like clean prompts; θ_Y pushes towards the state in
 * which the model shows Y, and the hope is that the prompts it now writes contain the trigger X.
 *
 * Every α uses the same seed (common random numbers): the sets differ only by the steering, which makes
 * their n-gram statistics comparable. Rows are sampled in batches through `generate` (KV cache, finished
 * rows leave the batch), stopping at the end-of-turn token.
 */
import { BadInputError, throwIfAborted } from '../errors.js';
import { generate } from '../model/generate.js';
import { requireTokenizer } from '../model/generate-text.js';
import type { LanguageModel } from '../model/language-model.js';
import type { PromptSample, SampleSet } from './samples.js';
import { batchSeed, checkCommon, checkSampleCount } from './samples.js';
import type { StartKind } from '../steer/start.js';
import { readTurn, startOf } from '../steer/start.js';
import type { SteeringTerm } from './steering.js';
import { checkTerm } from './steering.js';

export interface SamplingConfig {
  /** Turns per set (default 64). */
  samples: number;
  /** Longest turn in tokens (default 40). */
  maxNewTokens: number;
  /** Default 1. */
  temperature: number;
  /** Nucleus sampling (default 0.95). */
  topP: number;
  /** 0 (default) keeps every token. */
  topK: number;
  /** Rows per generate call (default 32). */
  batchSize: number;
  start: StartKind;
  seed: number;
}

export const defaultSamplingConfig: SamplingConfig = { samples: 64, maxNewTokens: 40, temperature: 1, topP: 0.95, topK: 0, batchSize: 32, start: 'header', seed: 0 };

export interface ArithmeticConfig extends SamplingConfig {
  /** Scales of θ_Y; 0 is the baseline the others are compared with (default [0, 0.5, 1, 2, 4]). */
  alphas: number[];
}

export const defaultArithmeticConfig: ArithmeticConfig = { ...defaultSamplingConfig, alphas: [0, 0.5, 1, 2, 4] };

export interface SamplingOptions {
  signal?: AbortSignal;
  /** After each batch: turns done of `total` in this call. */
  onProgress?: (done: number, total: number) => void;
}

/** Samples `config.samples` turns with the given steering terms added (none: the model's own distribution). */
export async function sampleSteered(model: LanguageModel, terms: readonly SteeringTerm[], config: Partial<SamplingConfig> = {}, options: SamplingOptions = {}): Promise<PromptSample[]> {
  const c: SamplingConfig = { ...defaultSamplingConfig, ...config };
  checkSampleCount(c.samples);
  checkCommon(c);
  if (!(c.topP > 0 && c.topP <= 1)) throw new BadInputError(`topP must be in (0, 1], got ${c.topP}`);
  terms.forEach((t, i) => checkTerm(model, t, `steering vector ${i}`));
  const tokenizer = requireTokenizer(model);
  const start = startOf(model, c.start);
  // steering as data, so the forward engine (ONNX Runtime by default) runs it; α = 0 adds nothing
  const steer = terms.filter((t) => (t.scale ?? 1) !== 0).map((t) => ({ hook: t.hook, vector: t.vector, scale: t.scale ?? 1 }));
  const out: PromptSample[] = [];
  for (let first = 0, batch = 0; first < c.samples; first += c.batchSize, batch++) {
    throwIfAborted(options.signal, 'backward sampling');
    const rows = Math.min(c.batchSize, c.samples - first);
    const generation = await generate(model, Array.from({ length: rows }, () => start.tokens), {
      maxNewTokens: c.maxNewTokens,
      temperature: c.temperature,
      topP: c.topP,
      topK: c.topK,
      seed: batchSeed(c.seed, batch),
      stopIds: start.stopIds,
      steer,
      signal: options.signal,
    });
    generation.tokens.forEach((tokens, i) => out.push({ ...readTurn(tokenizer, start, tokens), finish: generation.finish[i]! }));
    options.onProgress?.(out.length, c.samples);
  }
  return out;
}

/**
 * One sample set per α: θ_clean (when given) plus α·θ_Y. The α = 0 set is marked as the baseline
 * (0 is added to the grid when missing).
 */
export async function sampleArithmetic(
  model: LanguageModel,
  vectors: { clean?: { hook: string; vector: Float32Array }; y: { hook: string; vector: Float32Array } },
  config: Partial<ArithmeticConfig> = {},
  options: SamplingOptions & { onSet?: (set: SampleSet, index: number, count: number) => void } = {},
): Promise<SampleSet[]> {
  const c: ArithmeticConfig = { ...defaultArithmeticConfig, ...config };
  checkSampleCount(c.samples);
  if (vectors.clean) checkTerm(model, vectors.clean, 'θ_clean');
  checkTerm(model, vectors.y, 'θ_Y');
  const alphas = withZero(c.alphas);
  const sets: SampleSet[] = [];
  for (const [index, alpha] of alphas.entries()) {
    const begin = performance.now();
    const terms: SteeringTerm[] = [...(vectors.clean ? [vectors.clean] : []), { ...vectors.y, scale: alpha }];
    const samples = await sampleSteered(model, terms, c, options);
    const set: SampleSet = { alpha, beta: 0, method: 'top-p', baseline: alpha === 0, samples, seconds: (performance.now() - begin) / 1000 };
    sets.push(set);
    options.onSet?.(set, index, alphas.length);
  }
  return sets;
}

/** The α grid with 0 first (added when missing), duplicates removed; every α must be finite. */
export function withZero(alphas: readonly number[]): number[] {
  const bad = alphas.find((a) => !Number.isFinite(a));
  if (bad !== undefined) throw new BadInputError(`every α must be a finite number, got ${bad}`);
  return [...new Set([0, ...alphas])];
}
