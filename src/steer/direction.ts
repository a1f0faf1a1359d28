/**
 * The direction an activation target or a guide aims at, from a steering vector: its δ (the mean shift
 * it causes at its target layer, recorded by MELBO and the baselines) or the vector itself, read at the
 * hidden state it is added to. One function and one default for the CLI, the UI, the suite and
 * backward sampling.
 */
import { BadInputError } from '../errors.js';
import { hiddenStateIndex } from '../model/hooks.js';
import type { VectorSet } from './vector-set.js';

/**
 * 'delta': the recorded δ (an error when there is none); 'vector': the vector at the hidden state it
 * is added to; 'auto' (the default): δ when the vector has one, else the vector. A trigger must cause
 * what the vector causes, so δ is the better aim where it was measured.
 */
export type DirectionSource = 'delta' | 'vector' | 'auto';
export const directionSources: readonly DirectionSource[] = ['auto', 'delta', 'vector'];
export const defaultDirectionSource: DirectionSource = 'auto';

/** A vector added at `hook`, with its δ at hidden_states[deltaLayer] when it was measured. */
export interface SteeringVector {
  hook: string;
  vector: Float32Array;
  delta?: Float32Array;
  deltaLayer?: number;
}

/** A direction in hidden_states[layer]. */
export interface Direction {
  direction: Float32Array;
  layer: number;
}

/** Vector `index` of a set, with its δ when the set records one. */
export function vectorOfSet(set: VectorSet, index: number): SteeringVector {
  if (!(Number.isInteger(index) && index >= 0 && index < set.vectors.length)) {
    throw new BadInputError(`vector index ${index} is out of range: the set holds ${set.vectors.length} vectors`);
  }
  const delta = set.deltas?.[index];
  return { hook: set.hook, vector: set.vectors[index]!, ...(delta && set.targetLayer !== undefined && { delta, deltaLayer: set.targetLayer }) };
}

/** The direction of `v` by `source`; `layer` overrides where it is read. */
export function directionOf(v: SteeringVector, source: DirectionSource = defaultDirectionSource, layer?: number): Direction {
  const useDelta = source === 'delta' || (source === 'auto' && v.delta !== undefined);
  if (useDelta) {
    if (!v.delta || v.deltaLayer === undefined) throw new BadInputError('this vector has no recorded δ; aim at the vector itself (use vector) or train vectors that record their δ (MELBO)');
    return { direction: v.delta, layer: layer ?? v.deltaLayer };
  }
  return { direction: v.vector, layer: layer ?? hiddenStateIndex(v.hook, 'give the layer explicitly (--layer)') };
}

/** directionOf for vector `index` of a set. */
export function vectorDirection(set: VectorSet, index: number, source: DirectionSource = defaultDirectionSource, layer?: number): Direction {
  return directionOf(vectorOfSet(set, index), source, layer);
}
