/** What a GCG run reports: one record per step, and the result with its history. */

export interface GcgStep {
  step: number;
  /** Loss of this step's best candidate. */
  loss: number;
  /** Best loss so far and its string. */
  bestLoss: number;
  bestString: string;
  /** The string the next step mutates. */
  currentString: string;
  /** Candidates scored this step (after filters). */
  candidates: number;
  seconds: number;
  forwardPasses: number;
  /** ASR of the best string on held-out prompts, when checked this step. */
  asr?: number;
}

export interface GcgResult {
  bestString: string;
  bestIds: number[];
  bestLoss: number;
  history: GcgStep[];
  /** ASR of the best string at the end (null without held-out prompts). */
  asr: number | null;
  /** 'time': a job's wall-time cap (src/jobs) ended it; the best of the last finished step stands. */
  stoppedBy: 'steps' | 'asr' | 'time';
  seconds: number;
  forwardPasses: number;
  /** The first check that reached the early-stop ASR: when it happened. */
  firstSuccess: { step: number; seconds: number; forwardPasses: number } | null;
  /** Held-out completions of the final check. */
  samples: { prompt: string; completion: string; shows: boolean }[];
}
