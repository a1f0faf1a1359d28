/**
 * Checking candidates the attacker's way: put each into held-out clean prompts (as a prefix and as a
 * suffix, or one given placement), complete them greedily, and count completions that show Y (eval/asr.ts).
 * Candidates are ranked by their better ASR, ties by over-representation; the best become GCG's
 * initial strings.
 */
import { BadInputError, throwIfAborted } from '../errors.js';
import type { Placement } from '../eval/placement.js';
import type { ShowsY } from '../eval/asr.js';
import { measureAsr } from '../eval/asr.js';
import type { LanguageModel } from '../model/language-model.js';
import type { Candidate } from './candidates.js';

export interface VerifiedCandidate extends Candidate {
  /** The better of the placements tried. */
  asr: number;
  placement: Placement;
  /** ASR per placement tried, in the order tried. */
  tried: { placement: Placement; asr: number }[];
}

export interface VerifyOptions {
  /** 'both' (default): prefix and suffix, the better reported. */
  placement?: Placement | 'both';
  /** Verify only the first `top` candidates (default 10). */
  top?: number;
  /** Tokens completed per prompt (default 24, as measureAsr). */
  maxNewTokens?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, last: VerifiedCandidate) => void;
}

export async function verifyCandidates(
  model: LanguageModel,
  candidates: readonly Candidate[],
  heldOutPrompts: readonly string[],
  shows: ShowsY,
  options: VerifyOptions = {},
): Promise<VerifiedCandidate[]> {
  if (heldOutPrompts.length === 0) throw new BadInputError('no held-out prompts to measure ASR on; give at least one');
  const top = options.top ?? 10;
  if (!(Number.isInteger(top) && top >= 0)) throw new BadInputError(`top must be a whole number, got ${top}`);
  const placements: Placement[] = (options.placement ?? 'both') === 'both' ? ['prefix', 'suffix'] : [options.placement as Placement];
  const chosen = candidates.slice(0, top);
  const out: VerifiedCandidate[] = [];
  for (const candidate of chosen) {
    const tried: VerifiedCandidate['tried'] = [];
    for (const placement of placements) {
      throwIfAborted(options.signal, 'candidate verification');
      const { asr } = await measureAsr(model, candidate.text, heldOutPrompts, placement, shows, {
        ...(options.maxNewTokens !== undefined && { maxNewTokens: options.maxNewTokens }),
        signal: options.signal,
      });
      tried.push({ placement, asr });
    }
    const best = tried.reduce((a, b) => (b.asr > a.asr ? b : a));
    const verified = { ...candidate, asr: best.asr, placement: best.placement, tried };
    out.push(verified);
    options.onProgress?.(out.length, chosen.length, verified);
  }
  return out.sort((x, y) => y.asr - x.asr || y.score - x.score);
}

/**
 * Initial strings for GCG: the texts of the first `n` ranked candidates, distinct, in rank order (give
 * verified candidates to prefer those that already trigger Y).
 */
export function bestForGcg(ranked: readonly Candidate[], n: number): string[] {
  if (!(Number.isInteger(n) && n >= 0)) throw new BadInputError(`the number of GCG initial strings must be a whole number, got ${n}`);
  const out: string[] = [];
  for (const c of ranked) {
    const text = c.text.trim();
    if (out.length === n) break;
    if (text !== '' && !out.includes(text)) out.push(text);
  }
  return out;
}
