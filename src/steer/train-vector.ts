/**
 * The one loop that trains a steering vector θ: start from `init`, take the gradient of an objective
 * to maximise, optionally reshape the gradient (MELBO keeps it on the sphere's tangent), take an AdamW
 * step with named settings, project θ back (onto the sphere, into the ball), report, repeat. MELBO,
 * the optimised supervised vector and θ_clean are this loop with their own objective and projection.
 * Cancellable between steps; every tensor a step makes is freed within the step.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdamWConfig } from '../engine/adamw.js';
import { adamwStep, disposeAdamWState, newAdamWState } from '../engine/adamw.js';
import { tidy } from '../engine/tidy.js';
import { yieldToEventLoop } from '../engine/yield.js';
import { throwIfAborted } from '../errors.js';

/**
 * Optimiser settings by name: Adam with β₂ = 0.98 (the optimised vector), and its AMSGrad variant
 * (MELBO's reference, θ_clean). Any other AdamW settings may be given in full.
 */
export const vectorOptimisers = {
  adam: { beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0, amsgrad: false },
  amsgrad: { beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0, amsgrad: true },
} as const satisfies Record<string, Omit<AdamWConfig, 'lr'>>;

export type VectorOptimiser = keyof typeof vectorOptimisers | Omit<AdamWConfig, 'lr'>;

/** What a step maximises: `value(θ)` is a scalar; `dispose` frees what the step prepared (a minibatch). */
export interface StepObjective {
  value(theta: tf.Tensor1D): tf.Scalar;
  dispose?(): void;
}

export interface VectorProgress {
  step: number;
  steps: number;
  /** The objective at the θ this step started from. */
  objective: number;
  msPerStep: number;
}

export interface VectorTraining<R> {
  /** θ at step 0 (taken over and disposed by the loop). */
  init: tf.Tensor1D;
  /** The objective of step `step` (1-based). */
  objective(step: number): StepObjective;
  /** Reshapes the gradient before the optimiser sees it (default: as it is). */
  gradient?(grad: tf.Tensor1D, theta: tf.Tensor1D): tf.Tensor1D;
  /** Maps θ back into its feasible set after each step. */
  project(theta: tf.Tensor1D): tf.Tensor1D;
  optimiser: VectorOptimiser;
  lr: number;
  steps: number;
  /** Names the loop in the cancel message, e.g. "MELBO training". */
  what: string;
  signal?: AbortSignal;
  onProgress?: (progress: VectorProgress) => void;
  /** Reads what the caller keeps from the final θ (before θ is freed). */
  finish(theta: tf.Variable<tf.Rank.R1>, history: number[]): Promise<R>;
}

export async function trainVector<R>(t: VectorTraining<R>): Promise<R> {
  const adam: AdamWConfig = { lr: t.lr, ...(typeof t.optimiser === 'string' ? vectorOptimisers[t.optimiser] : t.optimiser) };
  const theta = tf.variable(t.init, true, undefined, 'float32') as tf.Variable<tf.Rank.R1>;
  t.init.dispose();
  const params = new Map([['theta', theta]]);
  const state = newAdamWState();
  const history: number[] = [];
  try {
    for (let step = 1; step <= t.steps; step++) {
      await yieldToEventLoop(); // let Ctrl-C and pipes through between steps
      throwIfAborted(t.signal, t.what);
      const start = performance.now();
      const objective = t.objective(step);
      const { value, grad } = tidy(() => {
        const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tf.neg(objective.value(x as tf.Tensor1D)) as tf.Scalar)(theta); // maximise
        return { value, grad: t.gradient ? t.gradient(grad as tf.Tensor1D, theta) : (grad as tf.Tensor1D) };
      });
      objective.dispose?.();
      adamwStep(params, new Map([['theta', grad]]), state, adam);
      grad.dispose();
      const projected = tidy(() => t.project(theta));
      theta.assign(projected);
      projected.dispose();
      const reached = -(await value.data())[0]!;
      value.dispose();
      history.push(reached);
      t.onProgress?.({ step, steps: t.steps, objective: reached, msPerStep: performance.now() - start });
    }
    return await t.finish(theta, history);
  } finally {
    disposeAdamWState(state);
    theta.dispose();
  }
}
