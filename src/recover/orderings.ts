/**
 * The SaTML 2024 winners' last step: the prior names the trigger's pieces but not their order, so
 * every ordering of every subset (two tokens and up) of the top-k prior tokens is scored under the
 * loss; the best few are returned for an ASR check. k = 4 gives 60 strings, k = 5 gives 320.
 */
import { throwIfAborted } from '../errors.js';
import type { Scored } from './grow.js';
import type { Objective } from './objective.js';

/** All ordered arrangements of 2..maxLength (default: all) distinct items of `tokens`. */
export function arrangements(tokens: readonly number[], maxLength = tokens.length): number[][] {
  const out: number[][] = [];
  const extend = (prefix: number[], rest: number[]) => {
    if (prefix.length >= 2) out.push(prefix);
    if (prefix.length >= maxLength) return;
    rest.forEach((t, i) => extend([...prefix, t], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  extend([], tokens.slice());
  return out;
}

export interface OrderingOptions {
  /** The longest ordering (default: all of `tokens`). */
  maxLength?: number;
  /** Score each token alone too. */
  singles?: boolean;
  signal?: AbortSignal;
}

/** Every ordering of 2 tokens and up (with `singles`, 1 and up) of `tokens`, scored; the `keep` lowest-loss ones. */
export async function orderingSearch(objective: Objective, tokens: readonly number[], keep: number, options: OrderingOptions = {}): Promise<Scored[]> {
  throwIfAborted(options.signal, 'recover');
  const strings = [...(options.singles ? tokens.map((id) => [id]) : []), ...arrangements(tokens, options.maxLength)].filter((ids) => objective.stable(ids));
  if (strings.length === 0) return [];
  const losses = await objective.score(strings);
  return strings.map((ids, i) => ({ ids, loss: losses[i]! })).sort((a, b) => a.loss - b.loss).slice(0, keep);
}
