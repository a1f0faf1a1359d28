/**
 * Supervised steering vectors for a known behaviour Y.
 *
 * Contrastive activation addition (CAA): the mean activation at a hook over the tokens of Y following
 * each prompt, minus the same over the model's own greedy (clean) completion of that prompt, averaged
 * over prompts. Token positions: the positions that read the completion tokens (prompt length ..
 * prompt length + completion length − 1), so each side averages the residual stream while the model
 * is "saying" its completion; the prompt's own positions are identical on both sides and would only
 * dilute the difference. The clean completion is as long as Y (maxNewTokens defaults to |Y|), minus a
 * final end-of-turn token, so the two averages cover comparable spans.
 *
 * The optimised vector: θ at a hook, ‖θ‖ ≤ R, trained by AdamW to maximise the mean over prompts of
 * the mean log p(Y_i | prompt, Y_<i, θ) (teacher forced), projected back into the ball after each step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { BadInputError } from '../errors.js';
import { generate } from '../model/generate.js';
import { endOfTurnIds, requireTokenizer } from '../model/generate-text.js';
import { checkHookName, steeringHook } from '../model/hooks.js';
import type { LanguageModel } from '../model/language-model.js';
import { forward } from '../model/transformer.js';
import { Random } from '../util/random.js';
import { defaultLayers, sourceHook } from './layers.js';
import type { PromptInput } from './prompts.js';
import { leftPad, promptTokens } from './prompts.js';
import { randomOnSphere, toBall } from './sphere.js';
import { disposeForcedBatch, forcedBatch, targetLogProbs } from './teacher-forcing.js';
import type { VectorSet } from './vector-set.js';
import { trainVector } from './train-vector.js';
import { makeVectorSet } from './vector-set.js';

/** The behaviour Y as token ids: text through the tokenizer (no special tokens), ids as given. */
export function targetTokens(model: LanguageModel, target: string | readonly number[]): number[] {
  const ids = typeof target === 'string' ? requireTokenizer(model).encode(target) : target.slice();
  if (ids.length === 0) throw new BadInputError('the target behaviour is empty; give at least one token of it');
  return ids;
}

/** forward's stopAt that still computes `hook`: the block after it, or the end. */
export function stopAfterHook(hook: string, nLayers: number): number {
  const block = /^blocks\.(\d+)\./.exec(hook);
  if (block) return Math.min(Number(block[1]) + 1, nLayers);
  return hook === 'ln_final' ? nLayers : 0;
}

/**
 * Mean activation at `hook` over the completion positions of prompt + completion, averaged over rows:
 * [D]. One forward for the whole batch, stopped once the hook has run.
 */
export function meanCompletionActivation(model: LanguageModel, hook: string, prompts: readonly (readonly number[])[], completions: readonly (readonly number[])[]): tf.Tensor1D {
  const padded = leftPad(prompts.map((p, i) => [...p, ...completions[i]!]));
  const B = prompts.length;
  const W = padded.width;
  const weights = new Float32Array(B * W); // 1/|completion| on each completion position
  completions.forEach((c, b) => {
    for (let t = W - c.length; t < W; t++) weights[b * W + t] = 1 / c.length;
  });
  const { cache } = forward(model, padded.ids, {
    cache: [hook],
    stopAt: stopAfterHook(hook, model.config.nLayers),
    attentionMask: padded.mask,
    positions: padded.positions,
  });
  const activation = cache[hook]!; // [B, W, D]
  const perRow = tf.sum(tf.mul(activation, tf.tensor3d(weights, [B, W, 1])), 1); // [B, D]
  tf.dispose([padded.ids, padded.mask, padded.positions]);
  return tf.mean(perRow, 0) as tf.Tensor1D;
}

export interface CaaOptions {
  /** Default: the MELBO source hook of the model (blocks.{s}.hook_resid_post). */
  hook?: string;
  chat?: boolean;
  /** Length of the clean completion; default the target's length in tokens. */
  maxNewTokens?: number;
  signal?: AbortSignal;
}

export async function caaVector(model: LanguageModel, prompts: PromptInput, target: string | readonly number[], options: CaaOptions = {}): Promise<VectorSet> {
  const hook = options.hook ?? sourceHook(defaultLayers(model.config.nLayers).source);
  checkHookName(hook, model.config.nLayers);
  const promptIds = promptTokens(model, prompts, options.chat ?? true);
  const targetIds = targetTokens(model, target);
  const stopIds = model.tokenizer ? endOfTurnIds(model.tokenizer) : [];
  const clean = await generate(model, promptIds, {
    maxNewTokens: options.maxNewTokens ?? targetIds.length,
    stopIds,
    signal: options.signal,
  });
  const negatives = clean.tokens.map((tokens) => (tokens.length > 1 && stopIds.includes(tokens[tokens.length - 1]!) ? tokens.slice(0, -1) : tokens));
  const vector = tidy(() =>
    tf.sub(
      meanCompletionActivation(model, hook, promptIds, promptIds.map(() => targetIds)),
      meanCompletionActivation(model, hook, promptIds, negatives),
    ),
  );
  const values = (await vector.data()) as Float32Array;
  vector.dispose();
  return makeVectorSet(model, {
    kind: 'caa',
    hook,
    settings: { prompts: promptIds.length, targetTokens: targetIds.length, chat: options.chat ?? true },
    vectors: [values],
    meta: [{ label: 'caa' }],
  });
}

export interface OptimisedConfig {
  /** Largest norm θ may have. */
  R: number;
  steps: number;
  /**
   * AdamW learning rate. Default R / (10·√d_model): Adam moves every coordinate by about lr per
   * step, so θ can cross the ball (norm R) in about ten steps whatever R and the width are. A fixed
   * rate does not scale: 1e-2 left a norm-16 vector at a fraction of its budget after 100 steps.
   */
  lr?: number;
  /** Default: the MELBO source hook. */
  hook?: string;
  /** θ starts at a seeded random direction of this norm (default R/10: small, but not a saddle at 0). */
  initNorm?: number;
  seed: number;
  chat: boolean;
}

export const defaultOptimisedConfig: OptimisedConfig = { R: 4, steps: 100, seed: 0, chat: true };

/** The learning rate used when none is given (see OptimisedConfig.lr). */
export function optimisedLearningRate(R: number, dModel: number): number {
  return R / (10 * Math.sqrt(dModel));
}

export interface OptimisedProgress {
  step: number;
  steps: number;
  /** Mean log p(Y) at the θ this step started from. */
  logProb: number;
  msPerStep: number;
}

export async function optimisedVector(
  model: LanguageModel,
  prompts: PromptInput,
  target: string | readonly number[],
  config: Partial<OptimisedConfig> = {},
  options: { signal?: AbortSignal; onProgress?: (p: OptimisedProgress) => void } = {},
): Promise<VectorSet> {
  const c: OptimisedConfig = { ...defaultOptimisedConfig, ...config };
  if (!(c.R > 0)) throw new BadInputError(`R must be positive, got ${c.R}`);
  const hook = c.hook ?? sourceHook(defaultLayers(model.config.nLayers).source);
  checkHookName(hook, model.config.nLayers);
  const batch = forcedBatch(model, promptTokens(model, prompts, c.chat), targetTokens(model, target));
  const lr = c.lr ?? optimisedLearningRate(c.R, model.config.dModel);
  const logProbAt = (x: tf.Tensor1D) => tf.mean(targetLogProbs(model, batch, [[hook, steeringHook(x)]])) as tf.Scalar;
  const objective = { value: logProbAt };
  try {
    return await trainVector({
      init: randomOnSphere(model.config.dModel, c.initNorm ?? c.R / 10, new Random(`optimised:${c.seed}`)),
      objective: () => objective,
      project: (theta) => toBall(theta, c.R),
      optimiser: 'adam',
      lr,
      steps: c.steps,
      what: 'vector optimisation',
      signal: options.signal,
      onProgress: (p) => options.onProgress?.({ step: p.step, steps: p.steps, logProb: p.objective, msPerStep: p.msPerStep }),
      finish: async (theta, history) => {
        const final = tidy(() => logProbAt(theta));
        const [logProb, vector] = await Promise.all([final.data(), theta.data()]);
        final.dispose();
        return makeVectorSet(model, {
          kind: 'optimised',
          hook,
          settings: { R: c.R, steps: c.steps, lr, seed: c.seed, chat: c.chat, initNorm: c.initNorm ?? c.R / 10 },
          vectors: [vector as Float32Array],
          meta: [{ label: 'optimised', objective: logProb[0]!, history }],
        });
      },
    });
  } finally {
    disposeForcedBatch(batch);
  }
}
