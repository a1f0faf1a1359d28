/**
 * Candidate strings from a token gradient (Zou et al.; nanoGCG's sample_ids_from_grad): for each
 * position the top-k tokens of the negative gradient, and each candidate replaces `nReplace` random
 * positions with random members of their top-k. Plus the filters: tokens that may never be used,
 * and candidates that do not survive decode → encode in context.
 */
import type { Tokenizer } from '../model/tokenizer.js';
import type { Random } from '../util/random.js';

/** Token ids GCG may use: not special, not empty, ASCII printable unless allowed, not banned, within `allowed` if given. */
export function usableTokens(tokenizer: Tokenizer, vocabSize: number, options: { allowNonAscii: boolean; banned: readonly string[]; allowed: readonly number[] }): Uint8Array {
  const usable = new Uint8Array(vocabSize);
  const banned = new Set(options.banned);
  const allowed = options.allowed.length > 0 ? new Set(options.allowed) : null;
  for (let id = 0; id < vocabSize; id++) {
    if (tokenizer.specialIds.has(id)) continue;
    if (allowed && !allowed.has(id)) continue;
    const text = tokenizer.decode([id]);
    if (text === '' || banned.has(text) || banned.has(text.trim())) continue;
    if (!options.allowNonAscii && !/^[\x20-\x7e]+$/.test(text)) continue;
    usable[id] = 1;
  }
  return usable;
}

/** Indices of the k largest values of row `row` of a [n, V] matrix among usable ids. */
function topK(values: Float32Array, row: number, V: number, k: number, usable: Uint8Array): number[] {
  const ids: number[] = [];
  for (let v = 0; v < V; v++) if (usable[v]) ids.push(v);
  const base = row * V;
  ids.sort((a, b) => values[base + b]! - values[base + a]! || a - b);
  return ids.slice(0, k);
}

/** searchWidth candidates, each a copy of `current` with nReplace positions changed. */
export function sampleCandidates(
  current: readonly number[],
  negativeGradient: Float32Array,
  V: number,
  options: { searchWidth: number; topK: number; nReplace: number; usable: Uint8Array },
  rng: Random,
): number[][] {
  const n = current.length;
  const top = Array.from({ length: n }, (_, row) => topK(negativeGradient, row, V, options.topK, options.usable));
  const out: number[][] = [];
  for (let c = 0; c < options.searchWidth; c++) {
    const candidate = current.slice();
    const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    for (const position of order.slice(0, Math.min(options.nReplace, n))) {
      const choices = top[position]!;
      if (choices.length > 0) candidate[position] = rng.pick(choices);
    }
    out.push(candidate);
  }
  return out;
}

/** Drops duplicates and candidates equal to `current`, keeping the first occurrence. */
export function dedupe(candidates: number[][], current: readonly number[]): number[][] {
  const seen = new Set([current.join(',')]);
  return candidates.filter((c) => {
    const key = c.join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Keeps candidates whose text re-encodes to the same ids, alone and inside the prompt
 * (`encodeInContext(text)` must return before + ids + after); otherwise the string a user would
 * paste is not the one that was scored.
 */
export function retokenisationFilter(candidates: number[][], tokenizer: Tokenizer, encodeInContext: (text: string) => number[] | null, context: { before: number[]; after: number[] }): number[][] {
  return candidates.filter((ids) => {
    const text = tokenizer.decode(ids);
    const alone = tokenizer.encode(text);
    if (alone.length !== ids.length || alone.some((id, i) => id !== ids[i])) return false;
    const whole = encodeInContext(text);
    if (!whole) return true;
    const expected = [...context.before, ...ids, ...context.after];
    return whole.length === expected.length && whole.every((id, i) => id === expected[i]);
  });
}
