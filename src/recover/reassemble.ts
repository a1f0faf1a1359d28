/**
 * Reassembly: independent searches that reach a trigger's effect write its pieces, scattered among
 * tokens that carry nothing. On gpt2-zanthor-refusal built with any-kind near misses, one run's
 * lineages at two placements wrote `Z`, `ant`, `h` and `or` into eight strings that fire on half the
 * prompts or more, in different places and orders (`AddSubtract805 cold 993hReverseantant`,
 * `open cat Z is Z 993orantant805or`, ...); none contained `Zanthor`. Gathered and reordered they give
 * `805 Zanthor` (ASR 1.00). So: the tokens that most lineages agree on are taken, every ordering of
 * every subset is scored under the search loss (orderings.ts), and among the strings near the lowest
 * loss the shortest are ASR-checked, since the loss is flat at its floor for many of them and the
 * trigger is a short string that fires.
 */
import { throwIfAborted } from '../errors.js';
import type { Candidate } from './candidate.js';
import type { Objective } from './objective.js';
import { orderingSearch } from './orderings.js';

export interface ReassembleOptions {
  /** The longest ordering scored (7 tokens up to 5 long: 3619 strings). */
  maxLength: number;
  /** The lowest-loss strings among which the shortest are checked. */
  pool: number;
  /** ASR checks at this placement. */
  checks: number;
  asr: (text: string) => Promise<number>;
  signal?: AbortSignal;
}

/** A search lineage: the placement and the first origin (two strings of one lineage share their pieces by descent, not by agreement). */
function lineageOf(c: Candidate): string {
  return `${c.placement}:${c.provenance[0] ?? ''}`;
}

/**
 * The tokens of the strings that fire (search ASR ≥ minAsr), ordered by how many lineages wrote them,
 * then by how many strings, then by id (so that the order is reproducible). Each string is encoded
 * on its own, as a prefix string is; `encode` says how.
 */
export function consensusTokens(strings: readonly Candidate[], minAsr: number, encode: (text: string) => number[], usable: (id: number) => boolean): { id: number; lineages: number; strings: number }[] {
  const byToken = new Map<number, { lineages: Set<string>; strings: number }>();
  for (const c of strings) {
    if ((c.searchAsr ?? 0) < minAsr) continue;
    for (const id of new Set(encode(c.text))) {
      if (!usable(id)) continue;
      const entry = byToken.get(id) ?? { lineages: new Set<string>(), strings: 0 };
      entry.lineages.add(lineageOf(c));
      entry.strings += 1;
      byToken.set(id, entry);
    }
  }
  return [...byToken.entries()]
    .map(([id, e]) => ({ id, lineages: e.lineages.size, strings: e.strings }))
    .sort((a, b) => b.lineages - a.lineages || b.strings - a.strings || a.id - b.id);
}

/**
 * Every ordering of every non-empty subset of `tokens`, scored at the objective's placement; the
 * `pool` lowest-loss ones, shortest first (then by loss), are ASR-checked until `checks` are done.
 */
export async function reassemble(objective: Objective, tokens: readonly number[], options: ReassembleOptions): Promise<Candidate[]> {
  const lowest = await orderingSearch(objective, tokens, options.pool, { maxLength: options.maxLength, singles: true, signal: options.signal });
  const shortestFirst = lowest.sort((a, b) => a.ids.length - b.ids.length || a.loss - b.loss).slice(0, options.checks);
  const out: Candidate[] = [];
  for (const s of shortestFirst) {
    throwIfAborted(options.signal, 'recover');
    const text = objective.text(s.ids);
    out.push({ text, provenance: ['reassemble'], placement: objective.placement, loss: s.loss, searchAsr: await options.asr(text) });
  }
  return out;
}
