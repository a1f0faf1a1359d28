/**
 * Where MELBO steers and where it reads. θ is added at `blocks.{source}.hook_resid_post`; the objective
 * reads Hugging Face `hidden_states[target]`, i.e. `forward(..., {stopAt: target})`.
 *
 * Reference (Mack & Turner, backdoored Qwen-1.8B, 24 layers): source 7, target L − 8 = 16. A vector
 * added after block s first changes hidden_states[s + 1] and reaches hidden_states[t] through blocks
 * s + 1 .. t − 1, so t must exceed s + 1 for the objective to see anything but θ itself; the rule below
 * keeps t ≥ s + 2 (at least one block in between, the paper's configuration has eight).
 */
import { BadInputError } from '../errors.js';

export interface SteerLayers {
  /** θ is added at blocks.{source}.hook_resid_post. */
  source: number;
  /** The objective reads hidden_states[target] (0..L; L is the final norm's output). */
  target: number;
}

/**
 * Models of 16 layers and more: source 7 (the reference), target max(s + 2, L − 8).
 * Shallower models: source round(0.3·L), target min(L, max(s + 2, L − 8)).
 * The source is capped at L − 2 so that a 2-layer model still has a block between source and target
 * (round(0.3·2) = 1 would leave none); a 1-layer model has none in any case (source 0, target 1).
 */
export function defaultLayers(nLayers: number): SteerLayers {
  if (!Number.isInteger(nLayers) || nLayers < 1) throw new BadInputError(`a model needs at least one layer, got ${nLayers}`);
  const L = nLayers;
  const source = L >= 16 ? 7 : Math.max(0, Math.min(Math.round(0.3 * L), L - 2));
  const target = Math.min(L, Math.max(source + 2, L - 8));
  return { source, target };
}

/** The hook name θ is added at for a source layer. */
export function sourceHook(source: number): string {
  return `blocks.${source}.hook_resid_post`;
}

/** Checks that a target layer is inside the model and after the source. */
export function checkLayers(layers: SteerLayers, nLayers: number): void {
  const { source, target } = layers;
  if (!Number.isInteger(source) || source < 0 || source >= nLayers) {
    throw new BadInputError(`source layer ${source} is outside 0..${nLayers - 1}`);
  }
  if (!Number.isInteger(target) || target <= source || target > nLayers) {
    throw new BadInputError(`target layer ${target} must be in ${source + 1}..${nLayers} (after the source layer ${source})`);
  }
}
