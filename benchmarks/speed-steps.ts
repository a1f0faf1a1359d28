/**
 * The steps bench:speed times, one function each, on a given forward engine: a GCG step (tfjs token
 * gradient + `width` candidates scored with the prefix cache), a MELBO step (tfjs, gradients only),
 * forward tokens/s and greedy generation tokens/s. Shapes as torch_ref.py `bench`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EngineName } from '../src/engine/engine.js';
import { tidy } from '../src/engine/tidy.js';
import { dedupe, sampleCandidates } from '../src/gcg/candidates.js';
import { tokenGradient } from '../src/gcg/gradient.js';
import type { PromptLayout } from '../src/gcg/layout.js';
import { disposeTarget, prepareTarget } from '../src/gcg/prepare.js';
import { createScorer } from '../src/gcg/scorer.js';
import { generate } from '../src/model/generate.js';
import { steeringHook } from '../src/model/hooks.js';
import type { LanguageModel } from '../src/model/language-model.js';
import { onnxForward } from '../src/model/onnx-forward.js';
import { forward } from '../src/model/transformer.js';
import { Random } from '../src/util/random.js';

export interface StepSettings {
  width: number;
  batch: number;
  reps: number;
}

export async function timed(reps: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: session creation, kernel selection
  const start = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - start) / reps;
}

function randomIds(seed: number, vocab: number) {
  const rng = new Random(seed);
  return (n: number) => Array.from({ length: n }, () => rng.int(0, vocab - 1));
}

export async function gcgStepMs(model: LanguageModel, engine: EngineName, s: StepSettings): Promise<{ total: number; gradient: number }> {
  const V = model.config.vocabSize;
  const ids = randomIds(0, V);
  const layout: PromptLayout = { prompt: '', before: ids(32), after: [], response: ids(8), clean: [] };
  const optim = ids(20);
  const target = prepareTarget(model, { kind: 'logit', text: 'unused' }, layout, null);
  const scorer = await createScorer(model, [layout], [target], { batchSize: s.batch, usePrefixCache: true, engine });
  const usable = new Uint8Array(V).fill(1);
  const rng = new Random(1);
  let gradientMs = 0;
  const total = await timed(s.reps, async () => {
    const t0 = performance.now();
    const { gradient } = await tokenGradient(model, [layout], [target], optim);
    gradientMs = performance.now() - t0;
    for (let i = 0; i < gradient.length; i++) gradient[i] = -gradient[i]!;
    const candidates = dedupe(sampleCandidates(optim, gradient, V, { searchWidth: s.width, topK: 256, nReplace: 1, usable }, rng), optim);
    await scorer.score(candidates, optim); // as the GCG loop does: candidates made from optim
  });
  scorer.dispose();
  disposeTarget(target);
  return { total, gradient: gradientMs };
}

/** Tokens per second of a plain forward pass over [batch, 60] tokens, logits at every position. */
export async function forwardTokensPerS(model: LanguageModel, engine: EngineName, s: StepSettings): Promise<number> {
  const rows = Array.from({ length: s.batch }, () => randomIds(2, model.config.vocabSize)(60));
  let ms: number;
  if (engine === 'onnx') ms = await timed(s.reps, () => onnxForward(model, { ids: rows }));
  else {
    const tokens = tf.tensor2d(rows, undefined, 'int32');
    ms = await timed(s.reps, async () => {
      const out = tidy(() => forward(model, tokens).logits!);
      await out.data();
      out.dispose();
    });
    tokens.dispose();
  }
  return (s.batch * 60) / (ms / 1000);
}

/** New tokens per second of greedy generation: 32 prompts of 32 tokens, 32 new tokens each, no stops. */
export async function generationTokensPerS(model: LanguageModel, engine: EngineName, s: StepSettings): Promise<number> {
  const next = randomIds(3, model.config.vocabSize);
  const prompts = Array.from({ length: 32 }, () => next(32));
  const ms = await timed(Math.max(1, s.reps - 1), () => generate(model, prompts, { maxNewTokens: 32, engine }));
  return (32 * 32) / (ms / 1000);
}

/** A MELBO step: steered forward to the target layer and the gradient with respect to θ (tfjs). */
export async function melboStepMs(model: LanguageModel, s: StepSettings): Promise<number> {
  const c = model.config;
  const source = Math.min(7, c.nLayers - 1);
  const layer = c.nLayers > 8 ? Math.max(1, c.nLayers - 8) : c.nLayers;
  const all = tf.tensor2d([randomIds(4, c.vocabSize)(60)], [1, 60], 'int32');
  const clean = tidy(() => forward(model, all, { stopAt: layer }).hidden);
  const theta = tf.randomNormal([c.dModel], 0, 4 / Math.sqrt(c.dModel), 'float32', 0) as tf.Tensor1D;
  const ms = await timed(s.reps, async () => {
    const g = tidy(() =>
      tf.grad((v: tf.Tensor) => {
        const h = forward(model, all, { stopAt: layer, hooks: { [`blocks.${source}.hook_resid_post`]: steeringHook(v as tf.Tensor1D) } }).hidden;
        return tf.neg(tf.sum(tf.square(tf.sub(h, clean)))) as tf.Scalar;
      })(theta),
    );
    await g.data();
    g.dispose();
  });
  tf.dispose([all, clean, theta]);
  return ms;
}
