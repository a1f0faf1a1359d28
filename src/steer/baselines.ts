/**
 * The MELBO author's baselines: the top eigenvectors of the objective's Hessian at θ = 0, and the top
 * right singular vectors of the source→target Jacobian, each found by power iteration and scaled to R.
 *
 * Hessian-vector products come from central differences of the gradient,
 *   Hv ≈ (∇f(εv) − ∇f(−εv)) / 2ε,
 * with f the magnitude objective. For p = 2, q = 1, f(θ) = Σ ‖Δh(θ)‖² and Δh(0) = 0, so the Hessian at 0
 * is exactly 2·JᵀJ (the second-derivative term of Δh is multiplied by Δh(0) = 0): the two baselines
 * then find the same directions. For other p, q they differ (p > 2 has a zero Hessian at 0).
 * The Jacobian baseline iterates v ← JᵀJv with Jv ≈ (h(εv) − h(−εv)) / 2ε at the target rows (central
 * differences of the activations) and Jᵀu the exact vector-Jacobian product at θ = 0 (tf.grad of
 * Σ h(θ)·u). Later vectors are found by deflation through projection: each iterate is kept orthogonal
 * to the vectors already found, which for a symmetric operator yields the next eigenvector.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { BadInputError, throwIfAborted } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import { Random } from '../util/random.js';
import { checkLayers, defaultLayers, sourceHook } from './layers.js';
import { magnitudeObjective } from './objectives.js';
import type { PromptInput, PromptBatch } from './prompts.js';
import { disposePromptBatch, encodePrompts, segmentMatrix } from './prompts.js';
import type { SteerSite } from './shift.js';
import { hiddenRows, measureDeltas, targetShift } from './shift.js';
import { projectOut, randomOnSphere, rowsTensor } from './sphere.js';
import type { VectorKind, VectorSet } from './vector-set.js';
import { makeVectorSet } from './vector-set.js';

export interface BaselineConfig {
  count: number;
  /** The vectors are unit directions scaled to R. */
  R: number;
  /** Power iterations per vector. */
  iterations: number;
  /** Finite-difference step; default 0.01·R, on the scale the vectors act at. */
  epsilon?: number;
  p: number;
  q: number;
  source?: number;
  target?: number;
  targets: number | 'all';
  chat: boolean;
  seed: number;
}

export const defaultBaselineConfig: BaselineConfig = { count: 4, R: 4, iterations: 30, p: 2, q: 1, targets: 3, chat: true, seed: 0 };

export interface BaselineOperators {
  site: SteerSite;
  batch: PromptBatch;
  /** Hv by central differences of ∇f, [D] → [D]. Tensors in, tensors out: call inside tidy. */
  hessian(v: tf.Tensor1D): tf.Tensor1D;
  /** JᵀJv, [D] → [D]. */
  gramian(v: tf.Tensor1D): tf.Tensor1D;
  dispose(): void;
}

/** The two operators for a model and prompts; dispose() when done. */
export function baselineOperators(model: LanguageModel, prompts: PromptInput, config: Partial<BaselineConfig> = {}): BaselineOperators {
  const c: BaselineConfig = { ...defaultBaselineConfig, ...config };
  const layers = { ...defaultLayers(model.config.nLayers), ...(c.source !== undefined && { source: c.source }), ...(c.target !== undefined && { target: c.target }) };
  checkLayers(layers, model.config.nLayers);
  const site: SteerSite = { hook: sourceHook(layers.source), targetLayer: layers.target };
  const eps = c.epsilon ?? 0.01 * c.R;
  if (!(eps > 0)) throw new BadInputError(`the finite-difference step must be positive, got ${eps}`);
  const batch = encodePrompts(model, prompts, { chat: c.chat, targets: c.targets });
  const base = tidy(() => hiddenRows(model, batch, site.targetLayer, batch.targetRows));
  const segments = segmentMatrix(batch);
  const gradient = tf.grad((theta: tf.Tensor) => magnitudeObjective(targetShift(model, batch, site, theta as tf.Tensor1D, base), segments, c.p, c.q));
  const rows = (theta: tf.Tensor1D) => hiddenRows(model, batch, site.targetLayer, batch.targetRows, { hook: site.hook, theta });
  const zero = tf.zeros([model.config.dModel]) as tf.Tensor1D;
  return {
    site,
    batch,
    hessian: (v) => tf.div(tf.sub(gradient(tf.mul(v, eps)), gradient(tf.mul(v, -eps))), 2 * eps) as tf.Tensor1D,
    gramian: (v) => {
      const jv = tf.div(tf.sub(rows(tf.mul(v, eps) as tf.Tensor1D), rows(tf.mul(v, -eps) as tf.Tensor1D)), 2 * eps); // [K, D]
      return tf.grad((theta: tf.Tensor) => tf.sum(tf.mul(rows(theta as tf.Tensor1D), jv)))(zero) as tf.Tensor1D; // Jᵀ(Jv)
    },
    dispose: () => {
      tf.dispose([base, segments, zero]);
      disposePromptBatch(batch);
    },
  };
}

export interface BaselineProgress {
  vector: number;
  iteration: number;
  /** Rayleigh quotient vᵀAv of the current iterate. */
  value: number;
}

export interface BaselineOptions {
  signal?: AbortSignal;
  onProgress?: (p: BaselineProgress) => void;
}

/** Top eigenvectors of the objective's Hessian at θ = 0, scaled to R; meta.objective holds each eigenvalue. */
export function hessianVectors(model: LanguageModel, prompts: PromptInput, config: Partial<BaselineConfig> = {}, options: BaselineOptions = {}): Promise<VectorSet> {
  return baseline('hessian', model, prompts, config, options);
}

/** Top right singular vectors of the source→target Jacobian, scaled to R; meta.objective holds σ². */
export function jacobianVectors(model: LanguageModel, prompts: PromptInput, config: Partial<BaselineConfig> = {}, options: BaselineOptions = {}): Promise<VectorSet> {
  return baseline('jacobian', model, prompts, config, options);
}

async function baseline(kind: VectorKind & ('hessian' | 'jacobian'), model: LanguageModel, prompts: PromptInput, config: Partial<BaselineConfig>, options: BaselineOptions): Promise<VectorSet> {
  const c: BaselineConfig = { ...defaultBaselineConfig, ...config };
  const D = model.config.dModel;
  if (!(Number.isInteger(c.count) && c.count >= 1 && c.count <= D)) throw new BadInputError(`count must be a whole number in 1..${D}, got ${c.count}`);
  const ops = baselineOperators(model, prompts, c);
  const apply = kind === 'hessian' ? ops.hessian : ops.gramian;
  const rng = new Random(`${kind}:${c.seed}`);
  const units: Float32Array[] = [];
  const values: number[] = [];
  const histories: number[][] = [];
  try {
    for (let k = 0; k < c.count; k++) {
      const basis = rowsTensor(units); // orthonormal: every unit was found orthogonal to the earlier ones
      let v = tidy(() => unit(projectOut(randomOnSphere(D, 1, rng), basis)));
      const history: number[] = [];
      try {
        for (let it = 1; it <= c.iterations; it++) {
          throwIfAborted(options.signal, `${kind} baseline`);
          const step = tidy(() => {
            const w = projectOut(apply(v), basis);
            return { next: unit(w), rayleigh: tf.dot(v, w) };
          });
          v.dispose();
          v = step.next;
          const value = (await step.rayleigh.data())[0]!;
          step.rayleigh.dispose();
          history.push(value);
          options.onProgress?.({ vector: k, iteration: it, value });
        }
        const rayleigh = tidy(() => tf.dot(v, projectOut(apply(v), basis)));
        values.push((await rayleigh.data())[0]!);
        rayleigh.dispose();
        units.push((await v.data()) as Float32Array);
        histories.push(history);
      } finally {
        v.dispose();
        basis?.dispose();
      }
    }
    const vectors = units.map((u) => u.map((x) => x * c.R));
    const deltas = await measureDeltas(model, ops.batch, ops.site, vectors);
    return await makeVectorSet(model, {
      kind,
      hook: ops.site.hook,
      targetLayer: ops.site.targetLayer,
      settings: { R: c.R, iterations: c.iterations, epsilon: c.epsilon ?? 0.01 * c.R, p: c.p, q: c.q, targets: String(c.targets), chat: c.chat, seed: c.seed },
      vectors,
      deltas,
      meta: vectors.map((_, i) => ({ label: `${kind} ${i}`, objective: values[i]!, history: histories[i]! })),
    });
  } finally {
    ops.dispose();
  }
}

function unit(x: tf.Tensor1D): tf.Tensor1D {
  return tf.div(x, tf.add(tf.norm(x), 1e-30)) as tf.Tensor1D;
}
