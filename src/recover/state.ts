/**
 * recover's resumable state: each finished stage's output, written atomically (temp file + rename)
 * after every stage, so that after Ctrl-C or kill -9 the same command skips what is done. The stages
 * are deterministic for a seed, so a resumed run ends where an uninterrupted one would have.
 */
import { existsSync } from 'node:fs';
import { BadFileError } from '../errors.js';
import { readJsonObject, writeJsonAtomic } from '../util/json-file.js';
import type { Candidate, Evidence, SearchPlacement } from './candidate.js';

export const stateFormat = 'triggerfish-recover-state/1';

export interface SavedPrior {
  method: 'siblings' | 'vocabulary';
  views: string[];
  /** Score per token id, rounded to 1e-3. */
  scoreOf: number[];
  /** Ranked ids (the top 256). */
  ranking: number[];
}

export interface RecoverState {
  format: typeof stateFormat;
  key: string;
  /** Seconds spent so far, over every run that worked on this state. */
  seconds: number;
  prior?: SavedPrior | null;
  leak?: Candidate[];
  /** Per placement: growth seeds, the strings grown, orderings, the GCG lineage's checks (absent in states before it). */
  search?: Partial<Record<SearchPlacement, { seeds: number[][]; rounds: Candidate[]; stoppedBy: string; orderings: Candidate[]; gcg?: Candidate[] }>>;
  /** Reassembled strings (absent in states before the stage existed, and then run on resume). */
  reassembled?: Candidate[];
  minimised?: Candidate[];
  evidence?: { candidate: Candidate; evidence: Evidence }[];
  notes: string[];
}

export function freshState(key: string): RecoverState {
  return { format: stateFormat, key, seconds: 0, notes: [] };
}

export function loadRecoverState(file: string, key: string): RecoverState | null {
  if (!existsSync(file)) return null;
  const raw = readJsonObject(file);
  if (raw.format !== stateFormat) throw new BadFileError(file, 'not a recover state file; delete it or pick another state path');
  if (raw.key !== key) throw new BadFileError(file, 'this state belongs to a run with other inputs (model, reference, target or settings); delete it or pick another state path');
  return raw as unknown as RecoverState;
}

export function saveRecoverState(file: string, state: RecoverState): void {
  writeJsonAtomic(file, state);
}
