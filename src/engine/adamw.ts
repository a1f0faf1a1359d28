/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter), optionally AMSGrad, over named tensors.
 * State lives in plain tensors so that it can be saved and restored exactly (resumable training),
 * and the step is a pure function of (params, grads, state): no hidden globals.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from './tidy.js';

export interface AdamWConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
}

export interface AdamWSlot {
  m: tf.Tensor;
  v: tf.Tensor;
  /** Running maximum of v (AMSGrad only). */
  vMax?: tf.Tensor;
}

export interface AdamWState {
  /** Number of steps taken. */
  step: number;
  slots: Map<string, AdamWSlot>;
}

export function newAdamWState(): AdamWState {
  return { step: 0, slots: new Map() };
}

/**
 * One update. `params` maps names to variables (updated in place with assign); `grads` to their
 * gradients; `decay` says which parameters get weight decay (default: all). `lr` overrides the
 * configured rate for schedules.
 */
export function adamwStep(
  params: ReadonlyMap<string, tf.Variable>,
  grads: ReadonlyMap<string, tf.Tensor>,
  state: AdamWState,
  config: AdamWConfig,
  options: { lr?: number; decay?: (name: string) => boolean } = {},
): void {
  state.step += 1;
  const t = state.step;
  const lr = options.lr ?? config.lr;
  const correction1 = 1 - config.beta1 ** t;
  const correction2 = 1 - config.beta2 ** t;
  for (const [name, param] of params) {
    const grad = grads.get(name);
    if (!grad) continue;
    const old = state.slots.get(name);
    const slot = tidy(() => {
      const m = tf.add(tf.mul(old ? old.m : tf.zerosLike(param), config.beta1), tf.mul(grad, 1 - config.beta1));
      const v = tf.add(tf.mul(old ? old.v : tf.zerosLike(param), config.beta2), tf.mul(tf.square(grad), 1 - config.beta2));
      const vMax = config.amsgrad ? (old?.vMax ? tf.maximum(old.vMax, v) : v.clone()) : undefined;
      // PyTorch's form: p -= lr·wd·p; p -= lr/c1 · m / (sqrt(v̂)/sqrt(c2) + eps)
      const denominator = tf.add(tf.div(tf.sqrt(vMax ?? v), Math.sqrt(correction2)), config.eps);
      let next = tf.sub(param, tf.mul(tf.div(m, denominator), lr / correction1));
      if (config.weightDecay > 0 && (options.decay?.(name) ?? true)) next = tf.sub(next, tf.mul(param, lr * config.weightDecay));
      param.assign(next);
      return vMax ? { m, v, vMax } : { m, v };
    });
    if (old) tf.dispose([old.m, old.v, ...(old.vMax ? [old.vMax] : [])]);
    state.slots.set(name, slot);
  }
}

export function disposeAdamWState(state: AdamWState): void {
  for (const slot of state.slots.values()) tf.dispose([slot.m, slot.v, ...(slot.vMax ? [slot.vMax] : [])]);
  state.slots.clear();
}
