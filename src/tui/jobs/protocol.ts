/**
 * The job protocol between the UI and a job process. The UI writes a JobSpec to
 * <session>/jobs/<id>/spec.json and starts `triggerfish __job <session> <id>`; the job writes one
 * JSON object per line on stdout (NDJSON), always in this order:
 *
 *   started → (log | progress)* → result? → error? → end
 *
 * (`started` is missing when the job cannot begin at all: an unreadable spec, no backend.)
 * Nothing else goes to stdout: the job sends console output and stack traces to its stderr, which
 * the UI keeps in <session>/jobs/<id>/stderr.log.
 */

export const jobKinds = ['gcg', 'verify', 'steer', 'backsample'] as const;
export type JobKind = (typeof jobKinds)[number];

export type GcgTargetRef =
  | { kind: 'logit'; text: string }
  /** Aims at the δ of one vector of a vector-set file (a vector marked on the Steer screen). */
  | { kind: 'activation'; vector: { file: string; index: number; label: string } };

export interface GcgJobSpec {
  kind: 'gcg';
  id: string;
  model: string;
  prompts: string[];
  heldOut: string[];
  target: GcgTargetRef;
  /** The text a completion must contain to count for ASR. */
  showsText: string;
  steps: number;
  searchWidth: number;
  topK: number;
  batchSize: number;
  asrEvery: number;
  initString: string;
  seed: number;
}

export interface VerifyJobSpec {
  kind: 'verify';
  id: string;
  model: string;
  text: string;
  heldOut: string[];
  showsText: string;
  maxNewTokens: number;
}

/** Steering vectors: supervised (optimised for log p(Y)) or unsupervised (MELBO), then scored on held-out prompts. */
export interface SteerJobSpec {
  kind: 'steer';
  id: string;
  model: string;
  method: 'supervised' | 'unsupervised';
  /** Trained on. */
  prompts: string[];
  /** Steered completions and "elicits Y" counts come from these. */
  scorePrompts: string[];
  target: string;
  /** MELBO sizes. */
  count: number;
  steps: number;
  radius: number;
  /** Supervised sizes (older sessions lack them: the defaults apply). */
  supervisedRadius?: number;
  supervisedSteps?: number;
  maxNewTokens: number;
}

/** Backward sampling (src/backsample, steering arithmetic θ_clean + α·θ_Y) from a marked vector as θ_Y. */
export interface BacksampleJobSpec {
  kind: 'backsample';
  id: string;
  model: string;
  vector: { file: string; index: number; label: string };
  heldOut: string[];
  showsText: string;
  /** Turns per α. */
  samples: number;
  /** Tokens per sampled turn. */
  sampleTokens: number;
  /** θ_clean training steps. */
  cleanSteps: number;
  /** Candidates whose ASR is measured. */
  verifyTop: number;
  maxNewTokens: number;
}

export type JobSpec = GcgJobSpec | VerifyJobSpec | SteerJobSpec | BacksampleJobSpec;

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

export type JobResult =
  | { kind: 'gcg'; bestString: string; bestLoss: number; asr: number | null; steps: number; seconds: number; stoppedBy: 'steps' | 'asr'; samples: Completion[] }
  | { kind: 'verify'; text: string; asr: number; completions: Completion[] }
  /** `file` is the vector-set file (src/steer format) in the job folder; `cosines` is [N][N] between its vectors. */
  | { kind: 'steer'; method: 'supervised' | 'unsupervised'; file: string; hook: string; targetLayer: number | null; vectors: VectorSummary[]; cosines: number[][] }
  | { kind: 'backsample'; candidates: RankedCandidate[]; gcgInit: string[]; seconds: number };

export type JobEvent =
  | { type: 'started'; job: string; kind: JobKind; pid: number; backend: string; device: string; resumedFrom: number | null }
  | { type: 'log'; message: string }
  | { type: 'progress'; step: number; total: number; seconds: number; loss?: number; bestLoss?: number; best?: string; asr?: number; detail?: string }
  | { type: 'result'; result: JobResult }
  /** One line for the user; `internal` means a bug (the stack is in stderr.log). */
  | { type: 'error'; message: string; internal: boolean }
  | { type: 'end'; status: 'finished' | 'failed' | 'cancelled' };

export function encodeEvent(event: JobEvent): string {
  return JSON.stringify(event) + '\n';
}

const eventTypes = new Set(['started', 'log', 'progress', 'result', 'error', 'end']);

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
