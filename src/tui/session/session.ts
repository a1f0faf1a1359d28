/**
 * What a TUI session remembers, saved as session.json after every change: the model, the prompts,
 * the target Y, the jobs with their progress and results, and the marked vectors. Everything the
 * screens show can be rebuilt from this file and the job folders beside it.
 */
import type { JobKind, JobPhase, JobResult, JobSpec } from '../jobs/protocol.js';

export const sessionFormat = 'triggerfish-tui-session/1';

export const stages = ['model', 'steer', 'search', 'backsample', 'recover', 'verify', 'export'] as const;
export type Stage = (typeof stages)[number];

export interface PromptSet {
  source: 'built-in' | 'file' | 'typed';
  /** The file the prompts came from, for source 'file'. */
  file?: string;
  /** Optimised over (GCG, steering). */
  optimise: string[];
  /** Only for ASR checks, never optimised over. */
  heldOut: string[];
}

/** Job sizes, fixed per session so a resumed GCG job finds its state file's key unchanged. */
export interface SessionSettings {
  steps: number;
  searchWidth: number;
  topK: number;
  batchSize: number;
  /** Tokens in the initial string (" x" repeated). */
  length: number;
  asrEvery: number;
  /** Held-out prompts used for ASR (a prefix of the held-out set). */
  heldOutLimit: number;
  maxNewTokens: number;
  /** MELBO: vectors per run, steps per vector, and the sphere's radius R. */
  vectors: number;
  vectorSteps: number;
  radius: number;
  /** Supervised vector (maximising log p(Y)): the optimised vector's norm bound as a multiple of the residual norm where it goes in (steer --relative-R). */
  supervisedRelativeRadius: number;
  supervisedSteps: number;
  /** Backward sampling: turns per α, tokens per turn, θ_clean steps, candidates verified. */
  samples: number;
  sampleTokens: number;
  cleanSteps: number;
  verifyTop: number;
}

/** running: a process should be working on it; interrupted: the UI went away while it ran (resume restarts it). */
export type JobStatus = 'starting' | 'running' | 'paused' | 'finished' | 'failed' | 'cancelled' | 'interrupted';

export interface JobProgress {
  step: number;
  total: number;
  /** Seconds since the job began, counting earlier runs of a resumed job. */
  seconds: number;
  loss?: number;
  bestLoss?: number;
  best?: string;
  asr?: number;
  /** "vector 3/8" */
  detail?: string;
}

export interface JobRecord {
  id: string;
  kind: JobKind;
  /** "GCG logit", "verify", ... */
  label: string;
  spec: JobSpec;
  status: JobStatus;
  created: string;
  progress?: JobProgress;
  /** Loss per step, index step - 1 (replayed steps overwrite, so resuming never duplicates). */
  losses: number[];
  asrChecks: { step: number; asr: number }[];
  /** A job's named phases (recover's stages) with their status, in the order they began. */
  phases?: JobPhase[];
  /** Strings a running job has measured so far (recover's evidence, one by one), before its result. */
  found?: { text: string; asr: number }[];
  result?: JobResult;
  error?: string;
  /** How many times the job was started again after an interruption. */
  restarts: number;
}

/** A steering vector the user marked as showing Y: one row of a vector-set file. */
export interface MarkedVector {
  file: string;
  index: number;
  label: string;
}

/** A job setting's value on a stage's form (a job field: src/jobs/*.ts). */
export type FormValue = string | number | boolean;

/**
 * What the user set on the stages' forms, by job field name; a field left unset keeps its default
 * (the field's own, or the session's, e.g. the card's reference). recover: the Recover stage's job;
 * dct: the Steer stage's DCT job.
 */
export interface SessionForms {
  recover: Record<string, FormValue>;
  dct: Record<string, FormValue>;
}

export interface Session {
  format: typeof sessionFormat;
  id: string;
  created: string;
  updated: string;
  modelDir: string | null;
  prompts: PromptSet;
  /** The target text Y. */
  target: string;
  /** True once the user has typed Y, so picking another model keeps it. */
  targetEdited: boolean;
  stage: Stage;
  settings: SessionSettings;
  /** Last backend a job reported, shown in the status bar before any job of this run starts. */
  backend: string | null;
  marked: MarkedVector[];
  forms: SessionForms;
  jobs: JobRecord[];
  /** Set by Export; any later job clears it. */
  finished: boolean;
  exported: string[];
}
