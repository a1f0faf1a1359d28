/**
 * θ_clean: a steering vector that makes the model, started from nothing (see start.ts), write user turns
 * like the clean prompts. It maximises the mean log-likelihood per token of clean turns rendered as
 * `<BOS><|im_start|>user\n{turn}<|im_end|>`, teacher-forced after the start tokens, with θ added at every
 * position at blocks.{source}.hook_resid_post. Projected AdamW: after each step θ goes back into the ball
 * ‖θ‖ ≤ R. Minibatches of turns are drawn by the seeded generator, a fresh shuffle per pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { BadInputError } from '../errors.js';
import type { Hooks } from '../model/hooks.js';
import { steeringHook } from '../model/hooks.js';
import type { LanguageModel } from '../model/language-model.js';
import { maxSequence } from '../model/language-model.js';
import { forward } from '../model/transformer.js';
import { cleanPrompts } from '../prompts/clean.js';
import { defaultLayers, sourceHook } from './layers.js';
import { leftPad } from './prompts.js';
import { randomOnSphere, toBall } from './sphere.js';
import type { VectorSet } from './vector-set.js';
import type { StepObjective } from './train-vector.js';
import { trainVector } from './train-vector.js';
import { makeVectorSet } from './vector-set.js';
import { Random } from '../util/random.js';
import type { StartKind } from './start.js';
import { startOf, turnTokens } from './start.js';

export interface CleanVectorConfig {
  /** Largest norm θ_clean may have (default 4, MELBO's reference radius). */
  R: number;
  /** Default 100. */
  steps: number;
  /** Default 1e-2 (betas 0.9, 0.98, AMSGrad, no weight decay). */
  lr: number;
  /** θ goes in at blocks.{source}.hook_resid_post; default defaultLayers(L).source. */
  source?: number;
  /** Turns per step (default 16; all of them when there are fewer). */
  batchSize: number;
  /** What sampling will start from; the loss covers the tokens after it (default 'header'). */
  start: StartKind;
  /** θ starts at a seeded random direction of this norm (default R/10). */
  initNorm?: number;
  seed: number;
}

export const defaultCleanVectorConfig: CleanVectorConfig = { R: 4, steps: 100, lr: 1e-2, batchSize: 16, start: 'header', seed: 0 };

export interface CleanProgress {
  step: number;
  steps: number;
  /** Mean log-likelihood per token of this step's minibatch, at the θ the step started from. */
  logLik: number;
  msPerStep: number;
}

export interface CleanVectorOptions {
  signal?: AbortSignal;
  onProgress?: (progress: CleanProgress) => void;
}

/** A teacher-forced batch of turns: ids [B, W] and weights [B, W − 1, V] (1/#tokens on each predicted token). */
interface TurnBatch {
  ids: tf.Tensor2D;
  mask: tf.Tensor2D;
  positions: tf.Tensor2D;
  width: number;
  weights: tf.Tensor3D;
}

function turnBatch(model: LanguageModel, sequences: readonly (readonly number[])[], skip: number): TurnBatch {
  const padded = leftPad(sequences);
  const W = padded.width;
  const V = model.config.vocabSize;
  const B = sequences.length;
  const count = sequences.reduce((n, s) => n + s.length - skip, 0);
  const weights = new Float32Array(B * (W - 1) * V); // built on the host: wasm's OneHot writes float32 wrongly
  sequences.forEach((seq, b) => {
    const offset = W - seq.length;
    // token j (j ≥ skip) is predicted by the logits at j − 1
    for (let j = skip; j < seq.length; j++) weights[(b * (W - 1) + offset + j - 1) * V + seq[j]!] = 1 / count;
  });
  return { ...padded, weights: tf.tensor3d(weights, [B, W - 1, V]) };
}

function disposeTurnBatch(batch: TurnBatch): void {
  tf.dispose([batch.ids, batch.mask, batch.positions, batch.weights]);
}

/** Mean log-likelihood per predicted token of a batch, a scalar (for tidy or a gradient). */
function batchLogLik(model: LanguageModel, batch: TurnBatch, hooks?: Hooks): tf.Scalar {
  const { logits } = forward(model, batch.ids, {
    ...(hooks && { hooks }),
    attentionMask: batch.mask,
    positions: batch.positions,
    logits: [0, batch.width - 1], // every position that predicts a next token
  });
  return tf.sum(tf.mul(tf.logSoftmax(logits!), batch.weights)) as tf.Scalar; // [B, W − 1, V] -> []
}

function turnSequences(model: LanguageModel, turns: readonly string[], start: StartKind): { sequences: number[][]; skip: number } {
  if (turns.length === 0) throw new BadInputError('no clean turns given; θ_clean needs at least one clean prompt');
  const s = startOf(model, start);
  const sequences = turns.map((turn, i) => {
    if (turn.trim() === '') throw new BadInputError(`clean turn ${i} is empty; give real requests`);
    return turnTokens(model, s, turn);
  });
  const longest = Math.max(...sequences.map((q) => q.length));
  if (longest > maxSequence(model)) throw new BadInputError(`a clean turn of ${longest} tokens is longer than the model's ${maxSequence(model)} positions; shorten it`);
  return { sequences, skip: s.tokens.length };
}

/**
 * Mean log-likelihood per token of the turns after the start, with θ (at `hook`) or without; computed in
 * batches of `batchSize` and weighted by their token counts.
 */
export async function cleanLogLikelihood(
  model: LanguageModel,
  turns: readonly string[],
  options: { start?: StartKind; theta?: { hook: string; vector: Float32Array }; batchSize?: number } = {},
): Promise<number> {
  const { sequences, skip } = turnSequences(model, turns, options.start ?? 'header');
  const size = options.batchSize ?? 16;
  const total = sequences.reduce((n, s) => n + s.length - skip, 0);
  let sum = 0;
  for (let i = 0; i < sequences.length; i += size) {
    const part = sequences.slice(i, i + size);
    const batch = turnBatch(model, part, skip);
    const value = tidy(() => {
      const hooks = options.theta && [[options.theta.hook, steeringHook(tf.tensor1d(options.theta.vector))] as const];
      return batchLogLik(model, batch, hooks);
    });
    disposeTurnBatch(batch);
    const tokens = part.reduce((n, s) => n + s.length - skip, 0);
    sum += (await value.data())[0]! * tokens;
    value.dispose();
  }
  return sum / total;
}

/** Trains θ_clean on `turns` (default: the built-in clean prompts) and returns it as a 'clean-prompts' vector set. */
export async function trainCleanVector(
  model: LanguageModel,
  turns: readonly string[] = cleanPrompts,
  config: Partial<CleanVectorConfig> = {},
  options: CleanVectorOptions = {},
): Promise<VectorSet> {
  const c: CleanVectorConfig = { ...defaultCleanVectorConfig, ...config };
  checkConfig(c, model.config.nLayers);
  const source = c.source ?? defaultLayers(model.config.nLayers).source;
  const hook = sourceHook(source);
  const { sequences, skip } = turnSequences(model, turns, c.start);
  const rng = new Random(`clean-vector:${c.seed}`);
  const initNorm = c.initNorm ?? c.R / 10;
  const init = randomOnSphere(model.config.dModel, initNorm, rng.fork('init')); // forked before 'batches': the streams depend on the order
  const order = rng.fork('batches');
  let queue: number[] = [];
  /** Each step's minibatch: the next turns of a reshuffled queue (every turn once per pass). */
  const minibatch = (): StepObjective => {
    if (queue.length < Math.min(c.batchSize, sequences.length)) queue = [...queue, ...order.shuffle(sequences.map((_, i) => i))];
    const picked = queue.splice(0, Math.min(c.batchSize, sequences.length));
    const batch = turnBatch(model, picked.map((i) => sequences[i]!), skip);
    return { value: (theta) => batchLogLik(model, batch, [[hook, steeringHook(theta)]]), dispose: () => disposeTurnBatch(batch) };
  };
  return trainVector({
    init,
    objective: minibatch,
    project: (theta) => toBall(theta, c.R),
    optimiser: 'amsgrad',
    lr: c.lr,
    steps: c.steps,
    what: 'θ_clean training',
    signal: options.signal,
    onProgress: (p) => options.onProgress?.({ step: p.step, steps: p.steps, logLik: p.objective, msPerStep: p.msPerStep }),
    finish: async (theta, history) => {
      const vector = (await theta.data()) as Float32Array;
      const [before, after] = [
        await cleanLogLikelihood(model, turns, { start: c.start, batchSize: c.batchSize }),
        await cleanLogLikelihood(model, turns, { start: c.start, theta: { hook, vector }, batchSize: c.batchSize }),
      ];
      return makeVectorSet(model, {
        kind: 'clean-prompts',
        hook,
        settings: {
          R: c.R, steps: c.steps, lr: c.lr, source, batchSize: c.batchSize, start: c.start, initNorm, seed: c.seed,
          turns: turns.length, logLikWithout: before, logLikWith: after,
        },
        vectors: [vector],
        meta: [{ label: 'clean prompts', objective: after, history }],
      });
    },
  });
}

function checkConfig(c: CleanVectorConfig, nLayers: number): void {
  for (const key of ['R', 'lr'] as const) {
    if (!(c[key] > 0 && Number.isFinite(c[key]))) throw new BadInputError(`θ_clean ${key} must be a positive number, got ${c[key]}`);
  }
  if (!(Number.isInteger(c.steps) && c.steps >= 0)) throw new BadInputError(`θ_clean steps must be a whole number, got ${c.steps}`);
  if (!(Number.isInteger(c.batchSize) && c.batchSize >= 1)) throw new BadInputError(`θ_clean batchSize must be a positive whole number, got ${c.batchSize}`);
  if (c.source !== undefined && !(Number.isInteger(c.source) && c.source >= 0 && c.source < nLayers)) {
    throw new BadInputError(`θ_clean source layer ${c.source} is outside 0..${nLayers - 1}`);
  }
  if (c.initNorm !== undefined && !(c.initNorm >= 0 && c.initNorm <= c.R)) throw new BadInputError(`θ_clean initNorm must be in 0..R, got ${c.initNorm}`);
}
