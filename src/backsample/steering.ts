/**
 * The vectors backward sampling combines: θ_clean and α·θ_Y as steering terms (each at its own hook, so
 * the two may live at different layers), and the direction guided sampling aims the residual stream at.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../errors.js';
import type { Hook } from '../model/hooks.js';
import { checkHookName, steeringHook } from '../model/hooks.js';
import type { LanguageModel } from '../model/language-model.js';
import type { Direction, SteeringVector } from '../steer/direction.js';
import { vectorOfSet } from '../steer/direction.js';
import type { VectorSet } from '../steer/vector-set.js';

/** A vector added at a hook point, times a scale. */
export interface SteeringTerm {
  hook: string;
  vector: Float32Array;
  /** Default 1. */
  scale?: number;
}

/** θ_Y: a vector that elicits Y, with its mean shift δ at hidden_states[deltaLayer] when it was measured. */
export interface BehaviourVector extends SteeringVector {
  label?: string;
}

/** Where guided sampling reads: hidden_states[layer] (0..L; L is the final norm's output) against a direction. */
export type Guide = Direction;

/** Vector `index` of a set (MELBO, CAA, optimised) as θ_Y. */
export function behaviourFromSet(set: VectorSet, index: number): BehaviourVector {
  const label = set.meta[index]?.label;
  return { ...vectorOfSet(set, index), ...(label !== undefined && { label }) };
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
