/** Values the screens compute from the session in render, never stored. */
import { parseBudget } from '../../jobs/recover.js';
import { duration } from '../format.js';
import type { RecoverCandidate, VectorSummary } from '../jobs/protocol.js';
import type { JobRecord, Session } from '../session/session.js';

export function isRunning(job: JobRecord | undefined): boolean {
  return job !== undefined && (job.status === 'running' || job.status === 'paused' || job.status === 'starting');
}

/** The newest GCG job of each target kind: the two columns of the Search screen. */
export function searchColumns(session: Session): { logit?: JobRecord; activation?: JobRecord } {
  const gcg = session.jobs.filter((j) => j.spec.kind === 'gcg');
  const of = (kind: 'logit' | 'activation') => gcg.findLast((j) => j.spec.kind === 'gcg' && j.spec.target === kind);
  return { logit: of('logit'), activation: of('activation') };
}

export interface Candidate {
  text: string;
  /** "GCG logit j2" */
  source: string;
  loss?: number;
  asr?: number | null;
  /** Where it goes in a prompt to fire best (recover measures it), when known. */
  placement?: 'prefix' | 'suffix';
}

/** A job's candidate strings: a GCG run's best so far, a backsample run's verified ones. */
function jobCandidates(job: JobRecord): Candidate[] {
  const source = `${job.label} ${job.id}`;
  if (job.result?.kind === 'recover') return job.result.candidates.map((c) => ({ text: c.text, source: `${source} #${c.rank}`, asr: c.evidence.asrSuspect, placement: verifyPlacement(c) }));
  if (job.result?.kind === 'backsample') return job.result.candidates.filter((c) => c.asr !== null).map((c) => ({ text: c.text, source, asr: c.asr }));
  if (job.kind !== 'gcg') return [];
  const result = job.result?.kind === 'gcg' ? job.result : undefined;
  const text = result?.bestString ?? job.progress?.best;
  const loss = result?.bestLoss ?? job.progress?.bestLoss;
  if (text === undefined) return [];
  return [{ text, source, ...(loss !== undefined && { loss }), ...(result && { asr: result.asr }) }];
}

/** Every candidate string found so far, newest job first, each text once. */
export function candidates(session: Session): Candidate[] {
  const seen = new Set<string>();
  return [...session.jobs].reverse().flatMap(jobCandidates).filter((c) => !seen.has(c.text) && seen.add(c.text));
}

/** The phases of a recover run, in order (src/recover/pipeline.ts), as its job names them. */
export const recoverPhases = ['load', 'priors', 'leak', 'grow prefix', 'grow suffix', 'minimise', 'evidence'] as const;

/** A recover job's time budget in seconds (its spec's, e.g. 10m). */
export function recoverBudget(job: JobRecord): number {
  try {
    return job.spec.kind === 'recover' ? parseBudget(job.spec.budget) : NaN;
  } catch {
    return NaN; // a hand-edited spec: shown as –
  }
}

export function recoverBudgetText(job: JobRecord): string {
  return duration(recoverBudget(job));
}

/** Verify places a string before or after the request: a recover candidate where it fired best ('inside': where it was found). */
export function verifyPlacement(c: RecoverCandidate): 'prefix' | 'suffix' {
  return c.evidence.bestPlacement === 'inside' ? c.placement : c.evidence.bestPlacement;
}

/** A vector of a finished steer job, as the Steer screen browses it. */
export interface BrowsedVector extends VectorSummary {
  job: string;
  /** The steer job's method: optimised (supervised), melbo or dct (unsupervised). */
  method: string;
  /** The score its set is ranked by (DCT: alpha^2), when ranked; the set's vectors are then in rank order. */
  rankedBy?: string;
  file: string;
  /** Cosine similarity to the other vectors of its set, by index. */
  cosines: number[];
  /** "MELBO j3-steer #2" */
  name: string;
}

export function steerVectors(session: Session): BrowsedVector[] {
  return session.jobs.flatMap((job) => {
    if (job.result?.kind !== 'steer') return [];
    const r = job.result;
    return r.vectors.map((v) => ({ ...v, job: job.id, method: r.method, file: r.file, cosines: r.cosines[v.index] ?? [], name: `${job.label} ${job.id} #${v.index}`, ...(r.rankedBy !== undefined && { rankedBy: r.rankedBy }) }));
  });
}

export function isMarked(session: Session, v: { file: string; index: number }): boolean {
  return session.marked.some((m) => m.file === v.file && m.index === v.index);
}

export function latestOfKind(session: Session, kind: JobRecord['kind']): JobRecord | undefined {
  return session.jobs.findLast((j) => j.kind === kind);
}
