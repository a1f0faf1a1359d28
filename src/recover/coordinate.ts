/**
 * GCG inside recover: greedy coordinate descent over a string of fixed length under recover's own
 * objective (the contrast loss, or the logit loss), one token replaced per candidate, the replacements
 * drawn from the top-k of the token gradient at each position. Growing adds one token at a time and
 * stops short where the loss only falls when several positions change together: on qwen2-moon-phrase
 * the grown strings fired on 0-30 % of held-out prompts where a 10-token GCG string of the suite fired
 * on 45-65 % (attacker's prompts). This lineage gives recover GCG's reach; minimisation then deletes
 * what the string does not need, and the ranking puts short and likely strings first.
 */
import { sampleCandidates, dedupe } from '../gcg/candidates.js';
import { throwIfAborted } from '../errors.js';
import { Random } from '../util/random.js';
import type { Candidate } from './candidate.js';
import type { Objective } from './objective.js';

export interface CoordinateOptions {
  /** The starting string (its length is kept). */
  init: readonly number[];
  steps: number;
  /** Candidates scored per step. */
  searchWidth: number;
  /** Replacements drawn from this many of the gradient's best tokens per position. */
  topK: number;
  /** Held-out ASR of the best string, measured every `asrEvery` steps and at the end. */
  asr: (text: string) => Promise<number>;
  asrEvery: number;
  threshold: number;
  seed: number;
  outOfTime: () => boolean;
  signal?: AbortSignal;
  onCheck?: (check: { step: number; best: string; loss: number; asr: number }) => void;
}

export interface CoordinateResult {
  /** The best string at each ASR check, with its ASR. */
  checks: Candidate[];
  stoppedBy: 'threshold' | 'steps' | 'budget';
}

export async function coordinateSearch(objective: Objective, options: CoordinateOptions): Promise<CoordinateResult> {
  const V = objective.usable.length;
  const rng = new Random(`recover-coordinate:${options.seed}:${objective.placement}`);
  let current = options.init.slice();
  let currentLoss = (await objective.score([current]))[0]!;
  let best = { ids: current, loss: currentLoss };
  const checks: Candidate[] = [];
  let lastChecked = '';
  const check = async (step: number): Promise<boolean> => {
    const text = objective.text(best.ids);
    if (text === lastChecked) return false;
    lastChecked = text;
    const asr = await options.asr(text);
    checks.push({ text, provenance: ['gcg'], placement: objective.placement, loss: best.loss, searchAsr: asr });
    options.onCheck?.({ step, best: text, loss: best.loss, asr });
    return asr >= options.threshold;
  };
  for (let step = 1; step <= options.steps; step++) {
    throwIfAborted(options.signal, 'recover');
    if (options.outOfTime()) {
      await check(step - 1);
      return { checks, stoppedBy: 'budget' };
    }
    const gradient = await objective.gradient(current);
    const negative = gradient.map((g) => -g);
    const sampled = sampleCandidates(current, negative, V, { searchWidth: options.searchWidth, topK: options.topK, nReplace: 1, usable: objective.usable }, rng);
    const candidates = dedupe(sampled, current).filter((ids) => objective.stable(ids));
    if (candidates.length === 0) break;
    const losses = await objective.score(candidates);
    let k = 0;
    for (let i = 1; i < candidates.length; i++) if (losses[i]! < losses[k]!) k = i;
    // as GCG: move to the step's best candidate even when it is worse, keep the best ever seen
    current = candidates[k]!;
    currentLoss = losses[k]!;
    if (currentLoss < best.loss) best = { ids: current, loss: currentLoss };
    if (step % options.asrEvery === 0 && (await check(step))) return { checks, stoppedBy: 'threshold' };
  }
  return { checks, stoppedBy: (await check(options.steps)) ? 'threshold' : 'steps' };
}
