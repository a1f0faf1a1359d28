/**
 * The steer job: train steering vectors of one kind (MELBO, DCT, CAA, the optimised supervised vector,
 * random, Hessian or Jacobian baselines), optionally measure each one's δ, save the set, and
 * optionally score each vector on held-out prompts (how often its steered completion shows Y).
 * It has no state file: a stopped job starts again from the beginning.
 */
import { BadInputError } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import { disposeModel } from '../model/language-model.js';
import { cleanPrompts } from '../prompts/clean.js';
import type { BehaviourScore, Orthogonality, VectorSet } from '../steer/index.js';
import {
  caaVector, defaultLayers, defaultMelboConfig, disposePromptBatch, encodePrompts, hessianVectors, jacobianVectors, makeVectorSet,
  measureDeltas, optimisedVector, randomVectors, saveVectorSet, scoreBehaviour, sourceHook, trainMelbo, defaultDctConfig, trainDct,
} from '../steer/index.js';
import type { DctVariant } from '../steer/dct-fit.js';
import { relativeRadius } from '../steer/scale.js';
import type { JobEvent, RunOptions } from './common.js';
import { openModel, requireModelDir, requireY } from './common.js';
import type { Fields } from './fields.js';
import { checkSpec } from './fields.js';

export const steerKinds = ['melbo', 'dct', 'caa', 'optimised', 'random', 'hessian', 'jacobian'] as const;

export interface SteerSpec {
  model: string | undefined;
  method: string;
  out: string | undefined;
  count: number;
  R: number;
  relativeR: number | undefined;
  steps: number;
  p: number;
  q: number;
  source: number | undefined;
  target: number | undefined;
  orthogonality: string;
  contrastive: number;
  lr: number | undefined;
  seed: number;
  prompts: string[] | undefined;
  nPrompts: number;
  text: string | undefined;
  deltas: boolean;
  scorePrompts: string[] | undefined;
  maxTokens: number;
  variant: string;
  features: number | undefined;
  dctR: number | undefined;
  iterations: number;
  positions: number[] | undefined;
}

const m = defaultMelboConfig;
export const steerFields: Fields<SteerSpec> = {
  model: { type: 'string', default: undefined, placeholder: '<dir>', description: 'the model folder (required)' },
  method: { type: 'string', default: 'melbo', choices: steerKinds, flag: 'kind', description: 'MELBO or DCT (unsupervised), CAA or optimised (supervised, need Y), or a baseline' },
  out: { type: 'string', default: undefined, placeholder: '<file>', description: 'the vector file to write, e.g. vectors.safetensors (required)' },
  count: { type: 'number', default: m.count, integer: true, min: 1, description: 'vectors to train (MELBO and baselines)' },
  R: { type: 'number', default: m.R, min: 0, description: 'norm of each vector (MELBO: the sphere radius; optimised: the ball)' },
  relativeR: {
    type: 'number', default: undefined, min: 0, flag: 'relative-R',
    description: "norm as a multiple of the residual stream's mean norm at the source layer on the training prompts (replaces --R; not DCT or CAA)",
  },
  steps: { type: 'number', default: m.steps, integer: true, min: 1, description: 'optimiser steps per vector' },
  p: { type: 'number', default: m.p, min: 0.1, description: 'MELBO objective exponent p in (Σ‖Δh‖^p)^(1/q)' },
  q: { type: 'number', default: m.q, min: 0.1, description: 'MELBO objective exponent q' },
  source: { type: 'number', default: undefined, integer: true, min: 0, description: 'layer whose output the vector is added to (default: about L/4)' },
  target: { type: 'number', default: undefined, integer: true, min: 0, description: 'hidden_states layer MELBO reads (default: about 3L/4)' },
  orthogonality: { type: 'string', default: m.orthogonality, choices: ['hard', 'soft-vector', 'soft-delta', 'none'], description: 'how MELBO keeps its vectors apart' },
  contrastive: { type: 'number', default: m.contrastiveWeight, min: 0, description: 'MELBO contrastive weight (0: magnitude only)' },
  lr: { type: 'number', default: undefined, min: 0, description: 'learning rate of the optimised vector (default: R / (10·√d_model))' },
  seed: { type: 'number', default: m.seed, integer: true, description: 'random seed' },
  prompts: { type: 'lines', default: undefined, description: 'prompts to train on, one per line (default: the first --n-prompts built-in clean prompts)' },
  nPrompts: { type: 'number', default: 8, integer: true, min: 1, max: cleanPrompts.length, description: 'built-in prompts to train on when --prompts is not given' },
  text: { type: 'string', default: undefined, placeholder: '<Y>', description: "Y's text for CAA, optimised and scoring (default: the model card's first target)" },
  deltas: { type: 'boolean', default: false, description: "measure each vector's δ where MELBO reads (CAA and optimised record none)" },
  scorePrompts: { type: 'lines', default: undefined, description: 'after training, score each vector on these prompts (steered completions showing Y)' },
  maxTokens: { type: 'number', default: 24, integer: true, min: 1, description: 'tokens per steered completion when scoring' },
  variant: { type: 'string', default: defaultDctConfig.variant, choices: ['exponential', 'quadratic', 'linear'], description: 'DCT: the model of Δ(θ) that is fitted' },
  features: { type: 'number', default: undefined, integer: true, min: 1, description: 'DCT features to learn (default min(512, d_model); the reference 512)' },
  dctR: { type: 'number', default: undefined, min: 0, flag: 'dct-R', description: 'DCT: the norm of every feature (default: calibrated so that random directions reach nonlinearity ratio 0.5)' },
  iterations: { type: 'number', default: defaultDctConfig.iterations, integer: true, min: 0, description: 'DCT orthogonalised gradient iterations (reference 10)' },
  positions: { type: 'numbers', default: undefined, description: 'add the vector only at these positions of each prompt, e.g. a trigger\'s tokens (MELBO, DCT; default all)' },
};

export interface SteerJobResult {
  kind: 'steer';
  set: VectorSet;
  /** Where the set was written (null: the caller keeps it in memory). */
  file: string | null;
  seconds: number;
  /** Per vector, when scorePrompts were given. */
  scores: BehaviourScore[] | null;
}

type Train = (model: LanguageModel, spec: SteerSpec, prompts: string[], y: () => string, options: RunOptions) => Promise<VectorSet>;

const trainers: Record<(typeof steerKinds)[number], Train> = {
  melbo: (model, spec, prompts, _y, { signal, onEvent }) =>
    trainMelbo(model, prompts, {
      count: spec.count, R: spec.R, steps: spec.steps, seed: spec.seed, p: spec.p, q: spec.q, orthogonality: spec.orthogonality as Orthogonality, contrastiveWeight: spec.contrastive,
      ...(spec.source !== undefined && { source: spec.source }), ...(spec.target !== undefined && { target: spec.target }), ...(spec.positions && { positions: spec.positions }),
    }, { signal, onProgress: (p) => onEvent?.({ type: 'progress', step: p.vector * p.steps + p.step, total: p.count * p.steps, seconds: 0, loss: -p.objective, detail: `vector ${p.vector + 1}/${p.count}` }) }),
  dct: (model, spec, prompts, _y, { signal, onEvent }) =>
    trainDct(model, prompts, {
      variant: spec.variant as DctVariant, iterations: spec.iterations, seed: spec.seed,
      ...(spec.features !== undefined && { count: spec.features }), ...(spec.dctR !== undefined && { R: spec.dctR }),
      ...(spec.source !== undefined && { source: spec.source }), ...(spec.target !== undefined && { target: spec.target }), ...(spec.positions && { positions: spec.positions }),
    }, {
      signal,
      onProgress: (p) => {
        if (p.stage === 'fit') onEvent?.({ type: 'progress', step: p.iteration!, total: p.iterations!, seconds: 0, loss: -p.objective!, detail: `dct R ${p.R!.toFixed(3)}` });
        else onEvent?.({ type: 'log', message: `dct ${p.stage}${p.R !== undefined ? ` R ${p.R.toFixed(3)}` : ''}` });
      },
    }),
  caa: (model, spec, prompts, y, { signal }) => caaVector(model, prompts, y(), { hook: hookOf(model, spec), signal }),
  optimised: (model, spec, prompts, y, { signal, onEvent }) =>
    optimisedVector(model, prompts, y(), { R: spec.R, steps: spec.steps, seed: spec.seed, hook: hookOf(model, spec), ...(spec.lr !== undefined && { lr: spec.lr }) }, {
      signal,
      onProgress: (p) => onEvent?.({ type: 'progress', step: p.step, total: p.steps, seconds: 0, loss: -p.logProb }),
    }),
  random: (model, spec) => randomVectors(model, spec.count, spec.R, spec.seed, hookOf(model, spec)),
  hessian: (model, spec, prompts, _y, { signal }) => hessianVectors(model, prompts, baselineConfig(spec), { signal }),
  jacobian: (model, spec, prompts, _y, { signal }) => jacobianVectors(model, prompts, baselineConfig(spec), { signal }),
};

function hookOf(model: LanguageModel, spec: SteerSpec): string {
  return sourceHook(spec.source ?? defaultLayers(model.config.nLayers).source);
}

function baselineConfig(spec: SteerSpec) {
  return { count: spec.count, R: spec.R, seed: spec.seed, ...(spec.source !== undefined && { source: spec.source }), ...(spec.target !== undefined && { target: spec.target }) };
}

/** A set without δ gets them measured where MELBO reads, on the prompts it was made from. */
async function withDeltas(model: LanguageModel, set: VectorSet, prompts: readonly string[]): Promise<VectorSet> {
  if (set.deltas) return set;
  const targetLayer = defaultLayers(model.config.nLayers).target;
  const batch = encodePrompts(model, prompts);
  try {
    const deltas = await measureDeltas(model, batch, { hook: set.hook, targetLayer }, set.vectors);
    return makeVectorSet(model, { kind: set.kind, hook: set.hook, targetLayer, settings: set.settings, vectors: set.vectors, deltas, meta: set.meta });
  } finally {
    disposePromptBatch(batch);
  }
}

/** The spec with `relativeR` turned into an absolute R on this model and these prompts. */
async function withAbsoluteR(model: LanguageModel, spec: SteerSpec, prompts: readonly string[], onEvent?: (e: JobEvent) => void): Promise<SteerSpec> {
  if (spec.relativeR === undefined) return spec;
  if (spec.method === 'dct' || spec.method === 'caa') throw new BadInputError(`--relative-R does not apply to ${spec.method} (DCT calibrates its own norm: --dct-R; CAA's norm is the mean difference's)`);
  const source = spec.source ?? defaultLayers(model.config.nLayers).source;
  const { R, norm } = await relativeRadius(model, prompts, source, spec.relativeR);
  onEvent?.({ type: 'log', message: `R ${R.toFixed(2)} = ${spec.relativeR} × the residual norm ${norm.toFixed(2)} after layer ${source}` });
  return { ...spec, R };
}

/** Trains the set a spec asks for on a model the caller holds (the suite shares one across methods). */
export async function trainSteerSet(model: LanguageModel, spec: SteerSpec, y: () => string, options: RunOptions = {}): Promise<VectorSet> {
  checkSpec(steerFields, spec);
  const prompts = spec.prompts ?? cleanPrompts.slice(0, spec.nPrompts);
  const started = performance.now();
  const onEvent = options.onEvent && ((e: JobEvent) => options.onEvent!(e.type === 'progress' ? { ...e, seconds: (performance.now() - started) / 1000 } : e));
  const resolved = await withAbsoluteR(model, spec, prompts, onEvent);
  const trained = await trainers[spec.method as (typeof steerKinds)[number]](model, resolved, prompts, y, { ...options, ...(onEvent && { onEvent }) });
  // the file says how its norm was chosen, so that a set made on one model can be remade on another
  const set = spec.relativeR === undefined ? trained : { ...trained, settings: { ...trained.settings, relativeR: spec.relativeR } };
  return spec.deltas ? withDeltas(model, set, prompts) : set;
}

export async function runSteerJob(spec: SteerSpec, options: RunOptions = {}): Promise<SteerJobResult> {
  checkSpec(steerFields, spec);
  if (spec.out === undefined) throw new BadInputError('--out is required: the vector file to write, e.g. vectors.safetensors');
  const { model, card } = await openModel(requireModelDir(spec.model));
  try {
    const started = performance.now();
    const y = () => requireY(spec.text, card);
    const set = await trainSteerSet(model, spec, y, options);
    saveVectorSet(set, spec.out);
    const seconds = (performance.now() - started) / 1000;
    if (!spec.scorePrompts) return { kind: 'steer', set, file: spec.out, seconds, scores: null };
    options.onEvent?.({ type: 'log', message: `scoring ${set.vectors.length} vector(s) on ${spec.scorePrompts.length} prompts` });
    const scores = await scoreBehaviour(model, set, spec.scorePrompts, y(), {
      maxNewTokens: spec.maxTokens,
      signal: options.signal,
      onProgress: (done, total) => options.onEvent?.({ type: 'progress', step: done, total, seconds: (performance.now() - started) / 1000, detail: 'scoring' }),
    });
    return { kind: 'steer', set, file: spec.out, seconds, scores };
  } finally {
    disposeModel(model);
  }
}
