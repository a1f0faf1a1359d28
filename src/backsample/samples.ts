/** What backward sampling produces: user turns written from nothing, grouped by the steering that made them. */
import { BadInputError } from '../errors.js';

export interface PromptSample {
  /** The user turn as text (header and stop token removed, special tokens skipped). */
  text: string;
  /** Its token ids (no start, header or stop token). */
  tokens: number[];
  /** 'stop': ended its turn; 'length': ran into maxNewTokens. */
  finish: 'stop' | 'length';
  /** Guided and beam: mean cosine between the direction and the activation each chosen token produced. */
  meanCos?: number;
  /** Beam: Σ log p + β·cos over the chosen tokens. */
  score?: number;
}

export type SampleMethod = 'top-p' | 'guided' | 'beam';

export interface SampleSet {
  /** Scale of θ_Y added to θ_clean. */
  alpha: number;
  /** Guidance strength (0 for plain sampling). */
  beta: number;
  method: SampleMethod;
  /** The unsteered reference (α = 0, β = 0) that candidates are contrasted with. */
  baseline: boolean;
  samples: PromptSample[];
  seconds: number;
}

/**
 * The seed of the c-th batch of a sampling run: the run's seed for the first batch, so that one batch
 * reproduces `generate` with the same seed exactly; later batches get seeds of their own.
 */
export function batchSeed(seed: number, batch: number): number {
  return batch === 0 ? seed : seed + 1_000_003 * batch;
}

export function checkSampleCount(samples: number, what = 'samples'): void {
  if (!(Number.isInteger(samples) && samples >= 1)) throw new BadInputError(`${what} must be a positive whole number, got ${samples}`);
}

export function checkCommon(c: { maxNewTokens: number; batchSize: number; temperature: number; seed: number }): void {
  if (!(Number.isInteger(c.maxNewTokens) && c.maxNewTokens >= 1)) throw new BadInputError(`maxNewTokens must be a positive whole number, got ${c.maxNewTokens}`);
  if (!(Number.isInteger(c.batchSize) && c.batchSize >= 1)) throw new BadInputError(`batchSize must be a positive whole number, got ${c.batchSize}`);
  if (!(c.temperature > 0 && Number.isFinite(c.temperature))) throw new BadInputError(`temperature must be positive for sampling, got ${c.temperature}`);
  if (!Number.isInteger(c.seed)) throw new BadInputError(`seed must be a whole number, got ${c.seed}`);
}
