/**
 * A GCG run's resumable state, saved atomically after every step: the buffer of best strings, the
 * history and the step. The random stream of step s depends only on (seed, s), so a resumed run
 * continues exactly as the interrupted one would have.
 */
import { existsSync } from 'node:fs';
import { BadFileError } from '../errors.js';
import { readJsonObject, writeJsonAtomic } from '../util/json-file.js';
import type { GcgStep } from './result.js';

export interface BufferEntry {
  ids: number[];
  loss: number;
}

export interface GcgState {
  format: 'triggerfish-gcg-state/1';
  /** Identifies the run's inputs; a state from other inputs is refused. */
  key: string;
  step: number;
  buffer: BufferEntry[];
  best: BufferEntry;
  history: GcgStep[];
  forwardPasses: number;
  seconds: number;
}

export function loadGcgState(file: string, key: string): GcgState | null {
  if (!existsSync(file)) return null;
  const raw = readJsonObject(file);
  if (raw.format !== 'triggerfish-gcg-state/1') throw new BadFileError(file, 'not a GCG state file');
  if (raw.key !== key) throw new BadFileError(file, 'this state belongs to a run with other inputs (model, prompts, target or settings); delete it or pick another state file');
  return raw as unknown as GcgState;
}

export function saveGcgState(file: string, state: GcgState): void {
  writeJsonAtomic(file, state);
}
