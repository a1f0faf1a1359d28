/**
 * The vectors backward sampling combines: θ_clean and α·θ_Y as steering terms (each at its own hook, so
 * the two may live at different layers), and the direction guided sampling aims the residual stream at.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../errors.js';
import type { Hook } from '../model/hooks.js';
import { checkHookName, steeringHook } from '../model/hooks.js';
import type { LanguageModel } from '../model/language-model.js';
import type { VectorSet } from '../steer/vector-set.js';

/** A vector added at a hook point, times a scale. */
export interface SteeringTerm {
  hook: string;
  vector: Float32Array;
  /** Default 1. */
  scale?: number;
}

/** θ_Y: a vector that elicits Y, with its mean shift δ at hidden_states[deltaLayer] when it was measured. */
export interface BehaviourVector {
  hook: string;
  vector: Float32Array;
  delta?: Float32Array;
  deltaLayer?: number;
  label?: string;
}

/** Where guided sampling reads: hidden_states[layer] (0..L; L is the final norm's output) against a direction. */
export interface Guide {
  direction: Float32Array;
  layer: number;
}

export type GuideSource = 'delta' | 'vector' | 'auto';

/** Vector `index` of a set (MELBO, CAA, optimised) as θ_Y. */
export function behaviourFromSet(set: VectorSet, index: number): BehaviourVector {
  if (!(Number.isInteger(index) && index >= 0 && index < set.vectors.length)) {
    throw new BadInputError(`vector index ${index} is out of range: the set holds ${set.vectors.length} vectors`);
  }
  const delta = set.deltas?.[index];
  const label = set.meta[index]?.label;
  return {
    hook: set.hook,
    vector: set.vectors[index]!,
    ...(delta && set.targetLayer !== undefined && { delta, deltaLayer: set.targetLayer }),
    ...(label !== undefined && { label }),
  };
}

/** Checks that a vector is as wide as the model and its hook exists; `what` names it in the message. */
export function checkTerm(model: LanguageModel, term: { hook: string; vector: Float32Array }, what: string): void {
  const D = model.config.dModel;
  if (term.vector.length !== D) throw new BadInputError(`${what} is ${term.vector.length} wide but the model's d_model is ${D}; use a vector made for this model`);
  if (!term.vector.every(Number.isFinite)) throw new BadInputError(`${what} holds NaN or infinite values; retrain it`);
  checkHookName(term.hook, model.config.nLayers);
}

/**
 * Hooks adding every term with a non-zero scale, and a dispose for the tensors they hold. A zero scale
 * adds no hook at all, so α = 0 is exactly the unsteered forward pass.
 */
export function steeringHooks(terms: readonly SteeringTerm[]): { hooks: [string, Hook][]; dispose: () => void } {
  const live = terms.filter((t) => (t.scale ?? 1) !== 0);
  const tensors = live.map((t) => tf.tensor1d(t.vector));
  const hooks = live.map((t, i): [string, Hook] => [t.hook, steeringHook(tensors[i]!, { scale: t.scale ?? 1 })]);
  return { hooks, dispose: () => tf.dispose(tensors) };
}

/**
 * The hidden_states index a vector added at `hook` lives in: blocks.{l}.hook_resid_post (and attn/mlp
 * outputs) are part of hidden_states[l + 1], blocks.{l}.hook_resid_pre is hidden_states[l].
 */
export function residualLayer(hook: string): number {
  const match = /^blocks\.(\d+)\.hook_(resid_pre|resid_mid|resid_post|attn_out|mlp_out)$/.exec(hook);
  if (!match) throw new BadInputError(`a vector at ${hook} has no residual-stream layer; give the guide layer explicitly`);
  return Number(match[1]) + (match[2] === 'resid_pre' ? 0 : 1);
}

/** The guide direction: θ_Y's δ at its target layer ('auto' when it has one), or θ_Y itself where it is added. */
export function guideFor(y: BehaviourVector, source: GuideSource = 'auto', layer?: number): Guide {
  const useDelta = source === 'delta' || (source === 'auto' && y.delta !== undefined);
  if (useDelta) {
    if (!y.delta || y.deltaLayer === undefined) throw new BadInputError('θ_Y has no measured δ; guide with the vector itself (use vector) or train vectors that record their δ');
    return { direction: y.delta, layer: layer ?? y.deltaLayer };
  }
  return { direction: y.vector, layer: layer ?? residualLayer(y.hook) };
}

/** The hook point whose activation is hidden_states[layer]. */
export function hiddenStateHook(model: LanguageModel, layer: number): string {
  const L = model.config.nLayers;
  if (!(Number.isInteger(layer) && layer >= 0 && layer <= L)) throw new BadInputError(`guide layer ${layer} is outside 0..${L}`);
  return layer === L ? 'ln_final' : `blocks.${layer}.hook_resid_pre`;
}
