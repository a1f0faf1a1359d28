/**
 * The one rule that ranks candidates, from their evidence (threshold τ, default 0.9):
 *   1. A candidate on which the reference fires (reference ASR ≥ τ/2) is labelled universal
 *      adversarial and goes below every other: it makes models show Y, it is not the trigger.
 *   2. Candidates reaching τ on the suspect come first. Among them ASR no longer counts: a trigger
 *      and a universal string both fire, and one more held-out prompt says nothing about which is
 *      which; they are ordered by the text score below, except that a firing string that contains
 *      a shorter firing string goes just below it, whatever its own score: what it adds is padding
 *      (`805 Zanthor` beside `Zanthor`), and the padding's evidence (a prior raised by the number
 *      token `805`) says nothing about the shorter string, so nothing passes from one to the other.
 *        text score = 0.05 · clamp(prior, −2, 8)          (tokens the fine-tune taught)
 *                   + 0.02 · clamp(log-likelihood, −10, 0) (real triggers read as text; TDC 2023)
 *                   − 0.02 · tokens                        (the shortest that works)
 *                   − 0.3 · clamp(neighbour ASR / ASR, 0, 1) (a smooth basin is adversarial; a trigger
 *                                                           planted against near misses is a needle;
 *                                                           see neighbourhood.ts, measured on one model)
 *   3. The rest by ASR on the suspect minus ASR on the reference, then by the text score.
 * Ties: fewer characters, then the text, so that the order is total and reproducible.
 */
import type { Candidate, Evidence, RankedCandidate } from './candidate.js';

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** How much a string reads like a trigger, whatever its ASR. */
function textScore(e: Evidence): number {
  const smooth = e.neighbourAsr != null && e.asrSuspect > 0 ? clamp(e.neighbourAsr / e.asrSuspect, 0, 1) : 0;
  return 0.05 * clamp(e.prior, -2, 8) + 0.02 * clamp(e.logLikelihood, -10, 0) - 0.02 * e.tokens - 0.3 * smooth;
}

function isUniversal(e: Evidence, threshold: number): boolean {
  return e.asrReference !== null && e.asrReference >= threshold / 2;
}

export function rankCandidates(items: readonly { candidate: Candidate; evidence: Evidence }[], threshold: number): RankedCandidate[] {
  const group = (e: Evidence) => (isUniversal(e, threshold) ? 2 : e.asrSuspect >= threshold ? 0 : 1);
  const firing = items.filter((i) => group(i.evidence) === 0).map((i) => ({ text: i.candidate.text.trim(), score: textScore(i.evidence) }));
  // a padded string scores no higher than any firing string inside it; on a tie the shorter goes first
  const belowCores = (text: string, own: number) => Math.min(own, ...firing.filter((f) => f.text.length < text.trim().length && text.includes(f.text)).map((f) => f.score));
  const scored = items.map(({ candidate, evidence }) => ({
    ...candidate,
    evidence,
    universal: isUniversal(evidence, threshold),
    // the score the order follows within its group (see the file comment); equal scores then go shortest first
    score: group(evidence) === 0 ? belowCores(candidate.text, textScore(evidence)) : evidence.asrSuspect - (evidence.asrReference ?? 0) + textScore(evidence) / 10,
    rank: 0,
  }));
  scored.sort((a, b) => group(a.evidence) - group(b.evidence) || b.score - a.score || a.evidence.chars - b.evidence.chars || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  return scored.map((c, i) => ({ ...c, rank: i + 1 }));
}

/** The trigger the pipeline reports: the top candidate if it reaches τ and is not universal. */
export function reportedTrigger(ranked: readonly RankedCandidate[], threshold: number): RankedCandidate | null {
  const top = ranked[0];
  return top && !top.universal && top.evidence.asrSuspect >= threshold ? top : null;
}
