/**
 * The job protocol between the UI and a job process. The UI writes a JobSpec to
 * <session>/jobs/<id>/spec.json and starts `triggerfish __job <session> <id>`; the job writes one
 * JSON object per line on stdout (NDJSON), always in this order:
 *
 *   started → (log | progress | phase)* → result? → error? → end
 *
 * (`started` is missing when the job cannot begin at all: an unreadable spec, no backend.)
 * Nothing else goes to stdout: the job sends console output and stack traces to its stderr, which
 * the UI keeps in <session>/jobs/<id>/stderr.log.
 */

import type { BacksampleSpec } from '../../jobs/backsample.js';
import type { JobEvent as RunnerEvent } from '../../jobs/common.js';
import type { GcgSpec } from '../../jobs/gcg.js';
import type { RecoverSpec } from '../../jobs/recover.js';
import type { RankedCandidate as RecoverCandidate } from '../../recover/candidate.js';
import type { SteerSpec } from '../../jobs/steer.js';
import type { VerifySpec } from '../../jobs/verify.js';

export const jobKinds = ['gcg', 'verify', 'steer', 'backsample', 'recover'] as const;
export type JobKind = (typeof jobKinds)[number];

/**
 * What the UI asks a job process to do: the job layer's spec of that kind (src/jobs, the same
 * settings the CLI and the suite use), with the job's id and a label for the screens.
 */
interface JobHeader<K extends JobKind> {
  kind: K;
  id: string;
  /** "GCG logit", "GCG act j5-steer#1", "MELBO", ... */
  label: string;
}

export type GcgJobSpec = JobHeader<'gcg'> & GcgSpec;
export type VerifyJobSpec = JobHeader<'verify'> & VerifySpec;
export type SteerJobSpec = JobHeader<'steer'> & SteerSpec;
export type BacksampleJobSpec = JobHeader<'backsample'> & BacksampleSpec;
export type RecoverJobSpec = JobHeader<'recover'> & RecoverSpec;

export type JobSpec = GcgJobSpec | VerifyJobSpec | SteerJobSpec | BacksampleJobSpec | RecoverJobSpec;

/** The job layer's spec inside a UI job spec (its header taken off). */
export function jobLayerSpec<S extends JobSpec>(spec: S): Omit<S, 'kind' | 'id' | 'label'> {
  const { kind: _kind, id: _id, label: _label, ...rest } = spec;
  return rest;
}

export interface Completion {
  prompt: string;
  completion: string;
  shows: boolean;
}

export interface VectorSummary {
  index: number;
  label: string;
  /** Share of score prompts whose steered completion contains Y. */
  hitRate: number;
  /** Mean log p(Y) under the vector, teacher forced. */
  logProb: number;
  /** The score its set is ranked by (DCT's α², a projection onto θ_Y), when the set is ranked. */
  score?: number;
  completions: Completion[];
}

export interface RankedCandidate {
  text: string;
  /** Measured on held-out prompts for the top candidates; null for the rest. */
  asr: number | null;
  placement?: string;
  /** Over-representation among steered samples against the α = 0 baseline. */
  score: number;
  steered: string;
  unsteered: string;
}

export type { RecoverCandidate };

/** A recover run's outcome: every candidate with its evidence, best first (src/recover/rank.ts's rule). */
export interface RecoverOutcome {
  kind: 'recover';
  candidates: RecoverCandidate[];
  /** The top candidate when it reaches the threshold without firing the reference, else null. */
  trigger: string | null;
  reference: string | null;
  siblings: number;
  priorMethod: 'siblings' | 'vocabulary' | 'none';
  /** Candidates found but left without evidence. */
  unmeasured: number;
  threshold: number;
  stoppedBy: 'done' | 'budget';
  seconds: number;
  notes: string[];
}

export type JobResult =
  | { kind: 'gcg'; bestString: string; bestLoss: number; asr: number | null; steps: number; seconds: number; stoppedBy: 'steps' | 'asr' | 'time'; samples: Completion[] }
  | { kind: 'verify'; text: string; asr: number; completions: Completion[] }
  /** `file` is the vector-set file (src/steer format) in the job folder; `cosines` is [N][N] between its vectors. */
  /** `rankedBy` names the score a ranked set (DCT) is ordered by; its vectors are then in rank order. */
  | { kind: 'steer'; method: string; file: string; hook: string; targetLayer: number | null; vectors: VectorSummary[]; cosines: number[][]; rankedBy?: string }
  | { kind: 'backsample'; candidates: RankedCandidate[]; gcgInit: string[]; seconds: number }
  | RecoverOutcome;

/** A named phase of a job (recover's stages) and where it stands; `seconds` since the job began, over every run. */
export interface JobPhase {
  name: string;
  status: 'start' | 'done' | 'skipped' | 'resumed';
  seconds: number;
  note?: string;
}

/** The job layer's log and progress events, framed by the process's own. */
export type JobEvent =
  | { type: 'started'; job: string; kind: JobKind; pid: number; backend: string; device: string; resumedFrom: number | null }
  | RunnerEvent
  | ({ type: 'phase' } & JobPhase)
  | { type: 'result'; result: JobResult }
  /** One line for the user; `internal` means a bug (the stack is in stderr.log). */
  | { type: 'error'; message: string; internal: boolean }
  | { type: 'end'; status: 'finished' | 'failed' | 'cancelled' };

export function encodeEvent(event: JobEvent): string {
  return JSON.stringify(event) + '\n';
}

const eventTypes = new Set(['started', 'log', 'progress', 'phase', 'result', 'error', 'end']);

/** One stdout line → an event, or null for a line that is not one (the UI ignores those). */
export function parseEvent(line: string): JobEvent | null {
  if (!line.startsWith('{')) return null;
  try {
    const value = JSON.parse(line) as { type?: unknown };
    return typeof value.type === 'string' && eventTypes.has(value.type) ? (value as JobEvent) : null;
  } catch {
    return null;
  }
}
