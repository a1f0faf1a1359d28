/**
 * From a string that works to the smallest string that still works, then towards the prior:
 *   1. greedy deletion: drop the first token whose removal keeps held-out ASR at the threshold,
 *      and start over, until no single deletion does;
 *   2. retokenise: the surviving text is trimmed and encoded afresh (a deletion can leave ids that
 *      a tokenizer would never produce for that text);
 *   3. substitutions from the prior: at each position the top prior tokens are scored in its place,
 *      and the lowest-loss one is kept if it raises the string's prior and ASR still holds.
 * Strings below the threshold are returned as they are: there is nothing to keep while deleting.
 */
import { throwIfAborted } from '../errors.js';
import type { Objective } from './objective.js';

export interface MinimiseOptions {
  asr: (text: string) => Promise<number>;
  threshold: number;
  /** Prior tokens, best first; empty: no substitutions. */
  priorTokens: readonly number[];
  /** Prior tokens tried per position (default 8). */
  substitutions?: number;
  priorOf: (ids: readonly number[]) => number;
  outOfTime: () => boolean;
  signal?: AbortSignal;
}

export interface Minimised {
  text: string;
  asr: number;
  steps: { kind: 'delete' | 'substitute'; text: string; asr: number }[];
}

/** How a string becomes ids and back where it is placed (an Objective is one). */
export interface Spelling {
  encode(text: string): number[];
  text(ids: readonly number[]): string;
}

/**
 * Step 1 alone: drop the first token whose removal (retokenised) keeps ASR at the threshold, and start
 * over, until no single deletion does. `asr` is the firing string's own.
 */
export async function deleteGreedily(spelling: Spelling, start: readonly number[], asr: number, options: Pick<MinimiseOptions, 'asr' | 'threshold' | 'outOfTime' | 'signal'>): Promise<{ ids: number[]; asr: number; steps: Minimised['steps'] }> {
  let ids = [...start];
  const steps: Minimised['steps'] = [];
  for (let changed = true; changed && ids.length > 1 && !options.outOfTime(); ) {
    changed = false;
    for (let i = 0; i < ids.length; i++) {
      throwIfAborted(options.signal, 'recover');
      const shorter = spelling.encode(spelling.text([...ids.slice(0, i), ...ids.slice(i + 1)])); // retokenised
      // progress is measured in characters: a retokenised remainder may need as many tokens ("d cat" → "cat" as `c`,`at`)
      if (shorter.length === 0 || spelling.text(shorter).length >= spelling.text(ids).length) continue;
      const a = await options.asr(spelling.text(shorter));
      if (a >= options.threshold) {
        [ids, asr, changed] = [shorter, a, true];
        steps.push({ kind: 'delete', text: spelling.text(ids), asr });
        break;
      }
    }
  }
  return { ids, asr, steps };
}

export async function minimise(objective: Objective, text: string, options: MinimiseOptions): Promise<Minimised> {
  let ids = objective.encode(text);
  let asr = await options.asr(objective.text(ids));
  if (asr < options.threshold) return { text: objective.text(ids), asr, steps: [] };
  const deleted = await deleteGreedily(objective, ids, asr, options);
  [ids, asr] = [deleted.ids, deleted.asr];
  const steps = deleted.steps;
  const perPosition = options.substitutions ?? 8;
  const pool = options.priorTokens.slice(0, perPosition);
  for (let i = 0; i < ids.length && pool.length > 0 && !options.outOfTime(); i++) {
    throwIfAborted(options.signal, 'recover');
    const trials = pool.filter((t) => t !== ids[i]).map((t) => ids.map((id, j) => (j === i ? t : id))).filter((t) => objective.stable(t));
    if (trials.length === 0) continue;
    const losses = await objective.score(trials);
    let best = 0;
    for (let k = 1; k < trials.length; k++) if (losses[k]! < losses[best]!) best = k;
    const trial = trials[best]!;
    if (options.priorOf(trial) <= options.priorOf(ids)) continue;
    const a = await options.asr(objective.text(trial));
    if (a >= options.threshold) {
      [ids, asr] = [trial, a];
      steps.push({ kind: 'substitute', text: objective.text(ids), asr });
    }
  }
  return { text: objective.text(ids), asr, steps };
}
