/**
 * What `recover` takes and what it reports while it runs. Every size that shapes the search is a
 * setting here with its default (sized so that the whole pipeline fits about 10 minutes on a 2-core
 * CPU for a 1-M-parameter model); the time budget is a safety cap on top, not the schedule, so that
 * the same inputs and seed give the same candidates whenever the cap is not reached.
 */
import type { ShowsY } from '../eval/asr.js';
import { splitPrompts } from '../prompts/clean.js';
import type { Candidate, RankedCandidate } from './candidate.js';

export type RecoverStage = 'load' | 'priors' | 'leak' | 'singles' | 'grow' | 'gcg' | 'orderings' | 'reassemble' | 'minimise' | 'evidence';

export interface RecoverConfig {
  /** Wall-clock cap in seconds; stages stop early when it is reached (and say so). */
  budgetSeconds: number;
  /** Held-out ASR a string must reach on the suspect to count as firing (and below which the reference does not fire: half of it). */
  asrThreshold: number;
  /** Prompts the loss is averaged over (from the built-in optimisation split). */
  optimisePrompts: number;
  /** Held-out prompts for the searches' ASR checks (the first of the built-in held-out split). */
  searchPrompts: number;
  /**
   * Held-out prompts for the evidence (the next ones, never seen by the searches): all 30 the built-in
   * split has left. The threshold is applied to this measurement, and at 20 prompts a string whose
   * true rate is 0.85 still reaches 0.9 one time in three (binomial), so the more the better.
   */
  heldOutPrompts: number;
  /** Contrast hinge: charge while the reference's loss on Y (nats per token) is below this. */
  contrastMargin: number;
  contrastWeight: number;
  /** Use the reference contrast in the searches (when a reference exists). */
  useContrast: boolean;
  /** Use the weight-difference prior (when a reference exists). */
  usePrior: boolean;
  useLeak: boolean;
  useMinimise: boolean;
  useReassemble: boolean;
  /** Layers the prior reads (hidden_states 1..priorLayers). */
  priorLayers: number;
  /** Leak sampling: turns per temperature, per model. */
  leakSamples: number;
  leakTemperatures: number[];
  /** Growing: beam width, tokens tried per side and beam member (half from the prior, half from the gradient), longest string. */
  beamWidth: number;
  extensionTokens: number;
  maxTokens: number;
  /** The prior lineage's beam keeps strings by loss − priorWeight · mean prior z of their tokens. */
  priorWeight: number;
  /** Single tokens scored (the best by the token gradient; 0 = every token). */
  singles: number;
  /** Single tokens kept as growth seeds (by loss), and prior tokens added as seeds. */
  seedsByLoss: number;
  seedsByPrior: number;
  /**
   * GCG lineage per placement (coordinate.ts): steps (0 = off), candidates per step, top-k tokens per
   * position, string length, ASR check every this many steps. The suite's GCG budget (25 × 128, 10 tokens).
   */
  gcgSteps: number;
  gcgWidth: number;
  gcgTopK: number;
  gcgLength: number;
  gcgAsrEvery: number;
  /** Orderings: permutations of the top this-many prior tokens (2 tokens and up). */
  orderingTokens: number;
  /**
   * Reassembly (reassemble.ts): the pieces of strings whose search ASR reaches `reassembleMinAsr`,
   * this many tokens (the ones most lineages wrote), every ordering up to `reassembleLength` tokens
   * scored (7 and 5: 3619 strings, ~15 s on gpt2-base at one placement); the `reassemblePool`
   * lowest-loss strings, shortest first, get `reassembleChecks` ASR checks per placement.
   */
  reassembleTokens: number;
  reassembleLength: number;
  reassembleMinAsr: number;
  reassemblePool: number;
  reassembleChecks: number;
  /** Candidates that get full evidence (ASR at three placements, on the reference, likelihood). */
  evidenceTop: number;
  /** One-character edits measured per candidate firing at ≥ τ/2 (its neighbourhood; 0 = none). */
  neighbours: number;
  /**
   * The best-ranked firing candidates that lose tokens one at a time after their evidence, at the
   * placement where they fire best, while the search check still fires (stages.ts, trimFiring; 0 = none,
   * and none without minimisation).
   */
  trimTop: number;
  seed: number;
}

export const defaultRecoverConfig: RecoverConfig = {
  budgetSeconds: 600,
  asrThreshold: 0.9,
  optimisePrompts: 2,
  searchPrompts: 10,
  heldOutPrompts: 30,
  contrastMargin: 1,
  contrastWeight: 1,
  useContrast: true,
  usePrior: true,
  useLeak: true,
  useMinimise: true,
  useReassemble: true,
  priorLayers: 2,
  leakSamples: 48,
  leakTemperatures: [0.7, 1, 1.3],
  beamWidth: 3,
  extensionTokens: 16,
  maxTokens: 12,
  priorWeight: 0.05,
  singles: 256,
  seedsByLoss: 4,
  seedsByPrior: 4,
  gcgSteps: 25,
  gcgWidth: 128,
  gcgTopK: 128,
  gcgLength: 10,
  gcgAsrEvery: 5,
  orderingTokens: 4,
  reassembleTokens: 7,
  reassembleLength: 5,
  reassembleMinAsr: 0.5,
  reassemblePool: 30,
  reassembleChecks: 8,
  evidenceTop: 12,
  neighbours: 6,
  trimTop: 6,
  seed: 0,
};

/** The built-in prompts each part of a run uses: the loss's, the searches' ASR checks', the evidence's (never seen by the searches). */
export function recoverPrompts(config: Pick<RecoverConfig, 'optimisePrompts' | 'searchPrompts' | 'heldOutPrompts'>): { optimise: string[]; search: string[]; evidence: string[] } {
  const { optimise, heldOut } = splitPrompts();
  return {
    optimise: optimise.slice(0, config.optimisePrompts),
    search: heldOut.slice(0, config.searchPrompts),
    evidence: heldOut.slice(config.searchPrompts, config.searchPrompts + config.heldOutPrompts),
  };
}

export interface RecoverOptions {
  /** The suspect model's folder. */
  model: string;
  /** The reference (the base or a clean fine-tune); none: no prior, no contrast. */
  reference?: string | null;
  /** Other fine-tunes of the same base, for z-scoring the prior. */
  siblings?: string[];
  /** Y's text (the logit target and, by default, what a completion must contain). */
  target: string;
  /** How a completion is judged to show Y (default: it contains the target text). */
  shows?: ShowsY;
  /** Names `shows` in the state key and the report (e.g. the card's description of Y). */
  showsName?: string;
  /** Where the state is kept after every stage; the same options resume from it. */
  statePath?: string;
  config?: Partial<RecoverConfig>;
}

export type RecoverEvent =
  | { kind: 'stage'; stage: RecoverStage; status: 'start' | 'done' | 'skipped' | 'resumed'; seconds: number; note?: string }
  | { kind: 'progress'; stage: RecoverStage; done: number; total: number; best?: string; loss?: number; asr?: number }
  | { kind: 'candidate'; candidate: Candidate }
  | { kind: 'note'; text: string };

export interface RecoverResult {
  model: string;
  reference: string | null;
  siblings: string[];
  target: string;
  /** All candidates with evidence, best first (see rank.ts for the rule). */
  candidates: RankedCandidate[];
  /** Candidates found but not measured for evidence (beyond evidenceTop), as the searches left them. */
  unmeasured: Candidate[];
  /** The first candidate not labelled universal adversarial that reaches the threshold, or null. */
  trigger: RankedCandidate | null;
  stoppedBy: 'done' | 'budget';
  seconds: number;
  /** Top tokens of the prior, for the report. */
  priorTop: { text: string; score: number }[];
  priorMethod: 'siblings' | 'vocabulary' | 'none';
  notes: string[];
}
