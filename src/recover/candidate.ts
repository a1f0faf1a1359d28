/**
 * A candidate trigger and the pool that collects them from every stage. A string found twice keeps
 * one entry with both origins, so the report says every way it was reached.
 */

export type Provenance = 'prior' | 'leak' | 'single' | 'grow' | 'gcg' | 'ordering' | 'reassemble' | 'minimise' | 'substitute';

export type SearchPlacement = 'prefix' | 'suffix';
export type TestPlacement = SearchPlacement | 'inside';

export interface Candidate {
  /** The string, trimmed, as a user would paste it. */
  text: string;
  /** Where it came from, first origin first. */
  provenance: Provenance[];
  /** The placement it was found at. */
  placement: SearchPlacement;
  /** The search loss there (contrast or logit, mean over the optimisation prompts), when scored. */
  loss: number | null;
  /** Held-out ASR on the suspect measured during the search (at `placement`), when measured. */
  searchAsr: number | null;
}

export interface Evidence {
  /** Held-out ASR on the suspect at each placement tried, and the best of them. */
  asrByPlacement: Partial<Record<TestPlacement, number>>;
  asrSuspect: number;
  bestPlacement: TestPlacement;
  /** Held-out ASR on the reference at the same placement (null without a reference). */
  asrReference: number | null;
  tokens: number;
  chars: number;
  /** Mean log p per token of the string as the start of a user turn, under the suspect. */
  logLikelihood: number;
  /** Mean prior score of its tokens as placed at bestPlacement (after a space unless at the prefix; 0 without a prior). */
  prior: number;
  /**
   * Mean held-out ASR of one-character edits of the string (at its best placement), measured for strings
   * that fire at least half the threshold; null when not measured (and in states saved before it existed).
   */
  neighbourAsr?: number | null;
}

export interface RankedCandidate extends Candidate {
  evidence: Evidence;
  /** Fires the reference too: a universal adversarial string, never reported as the trigger. */
  universal: boolean;
  /** The ranking score (rank.ts). */
  score: number;
  rank: number;
}

export class CandidatePool {
  private readonly byText = new Map<string, Candidate>();

  constructor(initial: readonly Candidate[] = []) {
    for (const c of initial) this.add(c);
  }

  /** Adds a candidate or merges it into the entry with the same text (keeps the lower loss, the higher ASR). */
  add(candidate: Candidate): Candidate | null {
    const text = candidate.text.trim();
    if (text === '') return null;
    const known = this.byText.get(text);
    if (!known) {
      const fresh = { ...candidate, text, provenance: [...candidate.provenance] };
      this.byText.set(text, fresh);
      return fresh;
    }
    for (const p of candidate.provenance) if (!known.provenance.includes(p)) known.provenance.push(p);
    if (candidate.loss !== null && (known.loss === null || candidate.loss < known.loss)) known.loss = candidate.loss;
    if (candidate.searchAsr !== null && (known.searchAsr === null || candidate.searchAsr > known.searchAsr)) known.searchAsr = candidate.searchAsr;
    return known;
  }

  get size(): number {
    return this.byText.size;
  }

  all(): Candidate[] {
    return [...this.byText.values()];
  }
}
