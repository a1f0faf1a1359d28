/**
 * The training loop: next-token cross-entropy (weighted per token), AdamW with linear warm-up and
 * cosine decay, global-norm gradient clipping, seeded initialisation and data, checkpoints of the
 * whole training state, and resume. It knows nothing about backdoors: batches come from a function.
 * Progress goes to a callback; cancelling through the signal saves a checkpoint first.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdamWState } from '../engine/adamw.js';
import { adamwStep, disposeAdamWState, newAdamWState } from '../engine/adamw.js';
import { tidy } from '../engine/tidy.js';
import { CancelledError } from '../errors.js';
import type { ModelConfig } from '../model/config.js';
import { initParams } from '../model/init.js';
import type { LanguageModel } from '../model/language-model.js';
import { createModel } from '../model/language-model.js';
import { namedParams, paramsFromNamed } from '../model/params.js';
import { forward } from '../model/transformer.js';
import type { Batch } from './dataset.js';
import type { TrainingBudget } from './spec.js';
import type { TrainProgressRecord } from './train-state.js';
import { loadTrainingState, saveTrainingState } from './train-state.js';
import { yieldToEventLoop } from '../engine/yield.js';

export interface TrainOptions {
  config: ModelConfig;
  budget: TrainingBudget;
  seed: number;
  /** The batch of a step; must depend only on the step for resumes to be exact. */
  batch: (step: number) => Batch;
  /** Where checkpoints go; omit to train without them. */
  stateDir?: string;
  /** Identifies the run; a saved state with another hash is refused. */
  hash: string;
  signal?: AbortSignal;
  onProgress?: (record: TrainProgressRecord & { steps: number; resumedFrom: number; tokensPerSecond: number }) => void;
  /** Steps to run in this call, to stop early on purpose (tests of resume); default: to the end. */
  stopAfter?: number;
}

export interface TrainResult {
  model: LanguageModel;
  history: TrainProgressRecord[];
  /** Steps completed (equal to budget.steps when finished). */
  step: number;
  finished: boolean;
}

/** Learning rate at a step: linear warm-up to lr, then cosine decay to lr · minLrRatio. */
export function learningRate(budget: TrainingBudget, step: number): number {
  if (step < budget.warmupSteps) return (budget.lr * (step + 1)) / budget.warmupSteps;
  const span = Math.max(1, budget.steps - budget.warmupSteps);
  const progress = Math.min(1, (step - budget.warmupSteps) / span);
  const min = budget.lr * budget.minLrRatio;
  return min + 0.5 * (budget.lr - min) * (1 + Math.cos(Math.PI * progress));
}

/** Mean next-token cross-entropy over positions with weight > 0. Inputs are ids[:, :-1], targets ids[:, 1:]. */
export function lmLoss(model: LanguageModel, batch: Batch): tf.Scalar {
  const { rows, context } = batch;
  const all = tf.tensor2d(batch.ids, [rows, context + 1], 'int32');
  const inputs = tf.slice(all, [0, 0], [rows, context]) as tf.Tensor2D;
  const targets = tf.reshape(tf.slice(all, [0, 1], [rows, context]), [rows * context]) as tf.Tensor1D;
  const weights = tf.tensor1d(batch.weights);
  const logits = forward(model, inputs).logits!; // [rows, context, V]
  const V = logits.shape[2];
  const logProbs = tf.logSoftmax(tf.reshape(logits, [rows * context, V])); // [N, V]
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(targets, V)), 1); // [N]
  const total = Math.max(1, batch.weights.reduce((a, b) => a + b, 0));
  return tf.div(tf.neg(tf.sum(tf.mul(picked, weights))), total) as tf.Scalar;
}

// tfjs variable names are global to the process: each run gets its own prefix.
let runs = 0;

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config, budget } = options;
  const prefix = `train${++runs}/`;
  const saved = options.stateDir ? loadTrainingState(options.stateDir, options.hash) : null;
  const initial = saved?.params ?? new Map(namedParams(initParams(config, { seed: options.seed })).map(({ name, tensor }) => [name, tensor]));
  const variables = new Map<string, tf.Variable>();
  for (const [name, tensor] of initial) {
    variables.set(name, tf.variable(tensor, true, prefix + name));
    tensor.dispose();
  }
  const model = createModel(config, paramsFromNamed(config, variables));
  const adam: AdamWState = saved?.adam ?? newAdamWState();
  const history = saved?.history ?? [];
  const resumedFrom = saved?.step ?? 0;
  const adamConfig = { lr: budget.lr, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: budget.weightDecay, amsgrad: false };
  const decay = (name: string) => (variables.get(name)?.rank ?? 0) >= 2;
  const varList = [...variables.values()];
  const names = [...variables.keys()];
  const checkpoint = async (step: number) => {
    if (options.stateDir) await saveTrainingState(options.stateDir, { step, hash: options.hash, params: variables, adam, history });
  };
  let step = resumedFrom;
  const end = Math.min(budget.steps, resumedFrom + (options.stopAfter ?? Infinity));
  const started = performance.now();
  try {
    for (; step < end; step++) {
      await yieldToEventLoop(); // let Ctrl-C and pipes through between steps
      if (options.signal?.aborted) {
        await checkpoint(step);
        throw new CancelledError('training');
      }
      const batch = options.batch(step);
      const lr = learningRate(budget, step);
      const { loss, gradNorm, grads } = tidy(() => {
        const { value, grads } = tf.variableGrads(() => lmLoss(model, batch), varList);
        const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
        const scale = budget.clip > 0 ? tf.minimum(1, tf.div(budget.clip, tf.add(norm, 1e-6))) : tf.scalar(1);
        // an array, not a Map: tidy keeps tensors it can reach through arrays and plain objects only
        const clipped = names.map((name) => tf.mul(grads[prefix + name]!, scale));
        return { loss: value, gradNorm: norm, grads: clipped };
      });
      adamwStep(variables, new Map(names.map((name, i) => [name, grads[i]!])), adam, adamConfig, { lr, decay });
      const [lossValue, normValue] = await Promise.all([loss.data(), gradNorm.data()]);
      tf.dispose([loss, gradNorm, ...grads]);
      const seconds = (performance.now() - started) / 1000;
      const record = { step: step + 1, loss: lossValue[0]!, lr, gradNorm: normValue[0]!, seconds: +seconds.toFixed(2) };
      history.push(record);
      const tokens = (step + 1 - resumedFrom) * batch.rows * batch.context;
      options.onProgress?.({ ...record, steps: budget.steps, resumedFrom, tokensPerSecond: Math.round(tokens / seconds) });
      if ((step + 1) % budget.checkpointEvery === 0 && step + 1 < budget.steps) await checkpoint(step + 1);
    }
    if (step < budget.steps) await checkpoint(step);
  } finally {
    disposeAdamWState(adam);
  }
  return { model, history, step, finished: step >= budget.steps };
}
