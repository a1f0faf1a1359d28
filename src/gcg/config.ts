/**
 * GCG settings, with the defaults of Zou et al. (2023) as nanoGCG uses them: a 20-token initial
 * string, 512 candidates per step, the top 256 tokens of the negative gradient per position, one
 * token replaced per candidate, 250 steps.
 */
import { BadInputError } from '../errors.js';

import type { Placement } from '../eval/placement.js';

export type GcgTargetSpec =
  /** Cross-entropy of the target completion Y (mean over its tokens). */
  | { kind: 'logit'; text: string }
  /**
   * 1 − cosine between the activation shift the candidate causes at layer `layer` (HF hidden_states
   * index) and a direction: a steering vector's δ (its shift at that layer), or the vector itself.
   */
  | { kind: 'activation'; direction: Float32Array; layer: number; positions: 'last' | 'response'; responseText?: string }
  /** weight · logit + (1 − weight) · activation. */
  | { kind: 'mixed'; text: string; direction: Float32Array; layer: number; positions: 'last' | 'response'; weight: number }
  /**
   * Reference contrast: the suspect's logit loss on Y plus weight · max(0, margin − the reference model's
   * logit loss on Y), so that strings which make the reference show Y too (universal adversarial strings,
   * not the trigger) stop paying. The reference model itself is passed beside the spec (GcgRunOptions.reference).
   */
  | { kind: 'contrast'; text: string; margin: number; weight: number };

export interface GcgConfig {
  steps: number;
  searchWidth: number;
  topK: number;
  /** Tokens replaced per candidate. */
  nReplace: number;
  /** The initial optimised string (default: 20 × " x", as nanoGCG). */
  initString: string;
  placement: Placement;
  /** Keep this many best strings and mutate the best of them (0 = only the current best, as nanoGCG's default). */
  bufferSize: number;
  /** Mellowmax instead of the mean for the logit loss (Zou et al.'s alternative). */
  useMellowmax: boolean;
  mellowmaxAlpha: number;
  /** Candidates per forward pass when scoring. */
  batchSize: number;
  /** Drop candidates whose string does not re-encode to the same ids in context. */
  filterRetokenisation: boolean;
  allowNonAscii: boolean;
  /** Strings or token texts never used in the optimised string (special tokens always are). */
  bannedTokens: string[];
  /** Restrict candidates to these token ids (priors); empty = all allowed tokens. */
  allowedIds: number[];
  /** Stop when a periodic ASR check reaches this (null = never stop early on ASR). */
  earlyStopAsr: number | null;
  /** Check ASR every this many steps (0 = only at the end). */
  asrEvery: number;
  /** Reuse the prompt prefix's keys and values for every candidate (nanoGCG's use_prefix_cache). */
  usePrefixCache: boolean;
  seed: number;
}

/** Tokens in the initial string (nanoGCG's 20 × " x"). */
export const defaultInitLength = 20;

/** The initial string of `length` tokens: "x x … x". */
export function initStringOf(length: number): string {
  return ' x'.repeat(length).trim();
}

export const defaultGcgConfig: GcgConfig = {
  steps: 250,
  searchWidth: 512,
  topK: 256,
  nReplace: 1,
  initString: initStringOf(defaultInitLength),
  placement: 'suffix',
  bufferSize: 0,
  useMellowmax: false,
  mellowmaxAlpha: 1,
  batchSize: 128,
  filterRetokenisation: true,
  allowNonAscii: false,
  bannedTokens: [],
  allowedIds: [],
  earlyStopAsr: 0.9,
  asrEvery: 25,
  usePrefixCache: true,
  seed: 0,
};

export function checkGcgConfig(c: GcgConfig): void {
  const positive = { steps: c.steps, searchWidth: c.searchWidth, topK: c.topK, nReplace: c.nReplace, batchSize: c.batchSize };
  for (const [key, value] of Object.entries(positive)) {
    if (!Number.isInteger(value) || value < 1) throw new BadInputError(`GCG ${key} must be a positive integer, got ${value}`);
  }
  if (c.initString.trim() === '') throw new BadInputError('the initial GCG string is empty; give a few tokens, e.g. "x x x x x"');
  if (typeof c.placement === 'object' && !c.placement.template.includes('{optim}')) {
    throw new BadInputError('a placement template must contain {optim} where the optimised string goes, and may contain {prompt}');
  }
  if (c.bufferSize < 0 || c.asrEvery < 0) throw new BadInputError('GCG bufferSize and asrEvery must be >= 0');
}
