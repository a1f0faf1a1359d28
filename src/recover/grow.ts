/**
 * Short strings, grown. Every usable token is scored alone (a trigger of one token is found here
 * outright); the best of them, or the prior's top tokens, seed a beam, and each round extends every
 * beam member by one token on the left and on the right. The tokens tried per side come half from
 * the prior and half from the token gradient at the new position (GCG's choice, one position at a
 * time). After each round the best string's held-out ASR is measured; growing stops at the first
 * length that reaches the threshold, so the shortest string that works is the one reported.
 */
import { throwIfAborted } from '../errors.js';
import type { Candidate } from './candidate.js';
import type { Objective } from './objective.js';

export interface Scored {
  ids: number[];
  loss: number;
}

/**
 * Single tokens stable at the objective's placement, scored and sorted by loss: every one, or (with
 * `limit`) the `limit` best by the token gradient at a one-token placeholder, as GCG picks its
 * candidates; scoring all of a 2048-token vocabulary costs minutes on a busy 2-core machine.
 */
export async function scoreSingles(objective: Objective, options: { limit?: number; signal?: AbortSignal } = {}): Promise<Scored[]> {
  throwIfAborted(options.signal, 'recover');
  const V = objective.usable.length;
  let ids = Array.from({ length: V }, (_, id) => id).filter((id) => objective.usable[id] === 1);
  if (options.limit !== undefined && options.limit < ids.length) {
    const placeholder = objective.encode('x');
    if (placeholder.length === 1) ids = topByGradient(await objective.gradient(placeholder), 0, V, options.limit, objective.usable);
  }
  const singles: number[][] = [];
  const seen = new Set<number>();
  for (const id of ids) {
    // as placed: at the suffix `cat` becomes ` cat`, which may be another token or two
    const ids = objective.encode(objective.tokenizer.decode([id]));
    if (ids.length === 1 && !seen.has(ids[0]!) && objective.stable(ids)) {
      seen.add(ids[0]!);
      singles.push(ids);
    }
  }
  const losses = await objective.score(singles);
  return singles.map((ids, i) => ({ ids, loss: losses[i]! })).sort((a, b) => a.loss - b.loss || a.ids[0]! - b.ids[0]!);
}

export interface GrowOptions {
  seeds: readonly number[][];
  /** Prior tokens, best first (usable ids); empty without a prior. */
  priorTokens: readonly number[];
  beamWidth: number;
  /** Tokens tried per side and beam member. */
  extensionTokens: number;
  maxTokens: number;
  /** Held-out ASR of a string at the objective's placement. */
  asr: (text: string) => Promise<number>;
  threshold: number;
  /**
   * Beam selection is by loss − priorWeight · prior(string) (0: by loss alone). A specific backdoor's
   * loss is flat until the trigger is nearly complete (`Sp`, `Spy`, `SpyL4` all as bad as nothing),
   * so a lineage grown from the prior's pieces lets the prior break those near-ties.
   */
  priorWeight?: number;
  priorOf?: (ids: readonly number[]) => number;
  /** Provenance of what this lineage finds (default ['grow']). */
  provenance?: Candidate['provenance'];
  /** True once the time budget is spent. */
  outOfTime: () => boolean;
  signal?: AbortSignal;
  onRound?: (round: { tokens: number; best: string; loss: number; asr: number }) => void;
}

export interface GrowResult {
  /** The best string of each round, with its ASR. */
  rounds: Candidate[];
  stoppedBy: 'threshold' | 'length' | 'budget';
}

/** Top-n usable ids of one gradient row by −gradient. */
function topByGradient(gradient: Float32Array, row: number, V: number, n: number, usable: Uint8Array): number[] {
  const ids: number[] = [];
  for (let v = 0; v < V; v++) if (usable[v] === 1) ids.push(v);
  ids.sort((a, b) => gradient[row * V + a]! - gradient[row * V + b]! || a - b);
  return ids.slice(0, n);
}

async function extensions(objective: Objective, member: readonly number[], options: GrowOptions): Promise<number[][]> {
  const V = objective.usable.length;
  const fromPrior = options.priorTokens.slice(0, Math.ceil(options.extensionTokens / 2));
  const fromGradient = options.extensionTokens - fromPrior.length;
  const out: number[][] = [];
  // a placeholder token at the new position; its gradient row says which tokens would lower the loss there
  const left = [member[0]!, ...member];
  const right = [...member, member[member.length - 1]!];
  const leftTokens = new Set([...fromPrior, ...topByGradient(await objective.gradient(left), 0, V, fromGradient, objective.usable)]);
  const rightTokens = new Set([...fromPrior, ...topByGradient(await objective.gradient(right), right.length - 1, V, fromGradient, objective.usable)]);
  for (const t of leftTokens) out.push([t, ...member]);
  for (const t of rightTokens) out.push([...member, t]);
  return out;
}

export async function grow(objective: Objective, options: GrowOptions): Promise<GrowResult> {
  const seen = new Set<string>();
  const fresh = (ids: number[]) => {
    const key = ids.join(',');
    if (seen.has(key) || !objective.stable(ids)) return false;
    seen.add(key);
    return true;
  };
  const seeds = options.seeds.filter((s) => s.length <= options.maxTokens).map((s) => s.slice()).filter(fresh);
  const weight = options.priorWeight ?? 0;
  const key = (s: Scored) => s.loss - (weight > 0 && options.priorOf ? weight * options.priorOf(s.ids) : 0);
  const select = (strings: number[][], losses: Float32Array) =>
    strings.map((ids, i) => ({ ids, loss: losses[i]! })).sort((a, b) => key(a) - key(b)).slice(0, options.beamWidth);
  let beam: Scored[] = select(seeds, await objective.score(seeds));
  const rounds: Candidate[] = [];
  // round 0 is the best seed itself: a one-token trigger needs no growing
  for (let round = 0; beam.length > 0; round++) {
    throwIfAborted(options.signal, 'recover');
    if (round > 0) {
      if (beam[0]!.ids.length >= options.maxTokens) break;
      if (options.outOfTime()) return { rounds, stoppedBy: 'budget' };
      const proposals: number[][] = [];
      for (const member of beam) for (const ids of await extensions(objective, member.ids, options)) if (ids.length <= options.maxTokens && fresh(ids)) proposals.push(ids);
      if (proposals.length === 0) break;
      beam = select(proposals, await objective.score(proposals));
    }
    const best = beam[0]!;
    const text = objective.text(best.ids);
    const asr = await options.asr(text);
    rounds.push({ text, provenance: options.provenance ?? ['grow'], placement: objective.placement, loss: best.loss, searchAsr: asr });
    options.onRound?.({ tokens: best.ids.length, best: text, loss: best.loss, asr });
    if (asr >= options.threshold) return { rounds, stoppedBy: 'threshold' };
  }
  return { rounds, stoppedBy: 'length' };
}
