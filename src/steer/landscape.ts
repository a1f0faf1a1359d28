/**
 * The objective landscape: does an unsupervised objective single out the direction that elicits Y?
 * Each vector (a trained set, and probes such as the supervised θ_Y) is scored by MELBO's objective
 * Σ_n (Σ_t ‖Δh_t‖^p)^(1/q) and by DCT's per-feature objective max_u u·Δ̄(θ) = ‖Δ̄(θ)‖ (Δ̄ without the direct
 * path, as DCT fits it), and placed among random vectors of the same norm: its percentile. A θ_Y at the
 * 20th-100th percentile of random on MELBO's objective is invisible to MELBO however well it is trained.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { yieldToEventLoop } from '../engine/yield.js';
import { BadInputError, throwIfAborted } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import { Random } from '../util/random.js';
import type { DeltaMap } from './dct-delta.js';
import { meanDeltas, modelDeltaMap } from './dct-delta.js';
import { randomUnitRows } from './dct-fit.js';
import type { PromptInput } from './prompts.js';
import { disposePromptBatch, encodePrompts } from './prompts.js';

export interface LabeledVector {
  label: string;
  values: ArrayLike<number>;
}

export interface LandscapeConfig {
  /** Random vectors drawn at each distinct norm. */
  randomCount: number;
  seed: number;
  /** Target tokens per prompt, as in training (reference: last 3). */
  targets: number | 'all';
  chat: boolean;
  /** MELBO's exponents. */
  p: number;
  q: number;
  /** Steer only at these positions (default all). */
  positions?: readonly number[];
  /** DCT's objective without the direct path (as trainDct fits by default). */
  subtractDirect: boolean;
  tokenBudget: number;
}

export const defaultLandscapeConfig: LandscapeConfig = { randomCount: 64, seed: 0, targets: 3, chat: true, p: 2, q: 1, subtractDirect: true, tokenBudget: 8192 };

export interface LandscapePoint {
  label: string;
  norm: number;
  melbo: number;
  dct: number;
  /** Share of same-norm random vectors with a lower objective, 0-100 (ties count half). */
  melboPercentile: number;
  dctPercentile: number;
}

export interface RandomSample {
  norm: number;
  melbo: number[];
  dct: number[];
}

export interface Landscape {
  source: number;
  target: number;
  vectors: LandscapePoint[];
  probes: LandscapePoint[];
  random: RandomSample[];
}

/** The percentile of `value` among `sample`: 100·(below + ties/2)/n. */
export function percentileOf(value: number, sample: readonly number[]): number {
  if (sample.length === 0) return NaN;
  let below = 0;
  for (const x of sample) below += x < value ? 1 : x === value ? 0.5 : 0;
  return (100 * below) / sample.length;
}

/** Layer of a blocks.{s}.hook_resid_post hook (where every triggerfish steering set lives). */
export function sourceOfHook(hook: string): number {
  const match = /^blocks\.(\d+)\.hook_resid_post$/.exec(hook);
  if (!match) throw new BadInputError(`the landscape needs vectors at a blocks.{s}.hook_resid_post hook, not '${hook}'`);
  return Number(match[1]);
}

export async function objectiveLandscape(
  model: LanguageModel,
  prompts: PromptInput,
  site: { source: number; target: number },
  vectors: readonly LabeledVector[],
  probes: readonly LabeledVector[] = [],
  config: Partial<LandscapeConfig> = {},
  options: { signal?: AbortSignal } = {},
): Promise<Landscape> {
  const c = { ...defaultLandscapeConfig, ...config };
  if (!(Number.isInteger(c.randomCount) && c.randomCount >= 1)) throw new BadInputError(`the landscape needs at least one random vector per norm, got ${c.randomCount}`);
  const batch = encodePrompts(model, prompts, { chat: c.chat, targets: c.targets });
  const where = c.positions ? { positions: c.positions } : {};
  const melboMap = modelDeltaMap(model, batch, site.source, site.target, where);
  const dctMap = modelDeltaMap(model, batch, site.source, site.target, { ...where, subtractDirect: c.subtractDirect });
  const factorBatch = Math.max(1, Math.floor(c.tokenBudget / (batch.tokens.length * batch.width)));
  const score = (rows: readonly ArrayLike<number>[]) => objectives(melboMap, dctMap, batch.targetPrompt, rows, c, factorBatch, options.signal);
  try {
    const all = [...vectors, ...probes];
    const norms = new Map<string, number>();
    for (const v of all) norms.set(normKey(euclid(v.values)), euclid(v.values));
    const random: RandomSample[] = [];
    for (const [key, norm] of norms) {
      const rows = randomUnitRows(c.randomCount, model.config.dModel, new Random(`landscape:${c.seed}:${key}`)).map((r) => r.map((x) => x * norm));
      random.push({ norm, ...(await score(rows)) });
    }
    const scored = await score(all.map((v) => v.values));
    const points = all.map((v, i): LandscapePoint => {
      const sample = random.find((s) => normKey(s.norm) === normKey(euclid(v.values)))!;
      const [melbo, dct] = [scored.melbo[i]!, scored.dct[i]!];
      return { label: v.label, norm: euclid(v.values), melbo, dct, melboPercentile: percentileOf(melbo, sample.melbo), dctPercentile: percentileOf(dct, sample.dct) };
    });
    return { source: site.source, target: site.target, vectors: points.slice(0, vectors.length), probes: points.slice(vectors.length), random };
  } finally {
    melboMap.dispose();
    dctMap.dispose();
    disposePromptBatch(batch);
  }
}

/** MELBO's and DCT's objective for each row θ. */
async function objectives(
  melboMap: DeltaMap,
  dctMap: DeltaMap,
  targetPrompt: readonly number[],
  rows: readonly ArrayLike<number>[],
  c: LandscapeConfig,
  factorBatch: number,
  signal?: AbortSignal,
): Promise<{ melbo: number[]; dct: number[] }> {
  const out = { melbo: [] as number[], dct: [] as number[] };
  const N = melboMap.prompts;
  const D = melboMap.dIn;
  for (let start = 0; start < rows.length; start += factorBatch) {
    throwIfAborted(signal, 'landscape');
    await yieldToEventLoop();
    const chunk = rows.slice(start, start + factorBatch);
    const F = chunk.length;
    const flat = new Float32Array(F * D);
    chunk.forEach((row, f) => flat.set(Array.from(row), f * D));
    const { squares, dctNorms } = tidy(() => {
      const thetas = tf.tensor2d(flat, [F, D]);
      return {
        squares: tf.sum(tf.square(melboMap.rowShifts(thetas)), 2), // [F, K]: ‖Δh_t‖² per target row
        dctNorms: tf.norm(meanDeltas(dctMap, thetas), 'euclidean', 1), // [F]
      };
    });
    const [sq, dn] = await Promise.all([squares.data(), dctNorms.data()]);
    tf.dispose([squares, dctNorms]);
    const K = targetPrompt.length;
    for (let f = 0; f < F; f++) {
      const perPrompt = new Array<number>(N).fill(0);
      for (let k = 0; k < K; k++) perPrompt[targetPrompt[k]!] = perPrompt[targetPrompt[k]!]! + Math.pow(sq[f * K + k]!, c.p / 2);
      out.melbo.push(perPrompt.reduce((s, x) => s + Math.pow(x, 1 / c.q), 0));
      out.dct.push(dn[f]!);
    }
  }
  return out;
}

function euclid(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** Norms equal to 4 significant digits share one random sample. */
function normKey(norm: number): string {
  return norm.toPrecision(4);
}
