/** Picking the next token from a row of logits: greedy, or seeded sampling with temperature, top-k, top-p. */
import type { Random } from '../util/random.js';

export interface SamplingOptions {
  /** 0 (default) is greedy decoding. */
  temperature?: number;
  /** Keep the k most likely tokens (0 = all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 = all). */
  topP?: number;
}

/** Index of the largest value; ties go to the lowest index, as torch.argmax does. */
export function argmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = values[offset + i]!;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** Chooses a token from logits[offset .. offset + vocab). */
export function sampleToken(logits: ArrayLike<number>, offset: number, vocab: number, options: SamplingOptions, rng: Random): number {
  const temperature = options.temperature ?? 0;
  if (temperature <= 0) return argmax(logits, offset, vocab);
  let order = Array.from({ length: vocab }, (_, i) => i);
  order.sort((a, b) => logits[offset + b]! - logits[offset + a]! || a - b);
  const topK = options.topK ?? 0;
  if (topK > 0 && topK < vocab) order = order.slice(0, topK);
  const max = logits[offset + order[0]!]!;
  let probs = order.map((i) => Math.exp((logits[offset + i]! - max) / temperature));
  const total = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / total);
  const topP = options.topP ?? 1;
  if (topP < 1) {
    let cumulative = 0;
    let keep = 0;
    while (keep < probs.length && cumulative < topP) cumulative += probs[keep++]!;
    order = order.slice(0, Math.max(1, keep));
    probs = probs.slice(0, Math.max(1, keep));
  }
  return order[rng.weighted(probs)]!;
}
