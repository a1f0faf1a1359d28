/**
 * A GCG run's resumable state, saved atomically after every step: the buffer of best strings, the
 * history and the step. The random stream of step s depends only on (seed, s), so a resumed run
 * continues exactly as the interrupted one would have.
 */
import { existsSync } from 'node:fs';
import { BadFileError } from '../errors.js';
import { readJsonObject, writeJsonAtomic } from '../util/json-file.js';
import type { GcgStep } from './result.js';
import type { FieldSource, Json } from '../util/validate.js';
import { arrayField, fieldError, intField, isRecord, realField, show, stringField } from '../util/validate.js';

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

/** What a state must agree with: the model's vocabulary and the optimised string's length in tokens. */
export interface StateShape {
  vocabSize: number;
  idsLength: number;
}

export function loadGcgState(file: string, key: string, shape: StateShape): GcgState | null {
  if (!existsSync(file)) return null;
  const raw = readJsonObject(file, 'delete the state file to start the run afresh, or pick another --state file');
  if (raw.format !== 'triggerfish-gcg-state/1') throw new BadFileError(file, 'not a GCG state file; pick another --state file (this one is left as it is)');
  if (raw.key !== key) throw new BadFileError(file, 'this state belongs to a run with other inputs (model, prompts, target or settings); delete it or pick another --state file');
  checkStateFields(raw, file, shape);
  return raw as unknown as GcgState;
}

/**
 * Every field the resumed loop relies on, and that they agree: history holds exactly one record per
 * step done, and every string has the run's length in the model's vocabulary. A damaged state is
 * refused and left on disk, never resumed into a "finished" run with no steps.
 */
function checkStateFields(raw: Json, file: string, shape: StateShape): void {
  const src: FieldSource = { file, fix: 'delete the state file to start the run afresh, or pick another --state file' };
  const step = intField(src, raw, 'step', { min: 0, max: 100_000_000 });
  const entry = (value: unknown, field: string) => {
    if (!isRecord(value)) throw fieldError(src, field, `must be an object {ids, loss}, got ${show(value)}`);
    const ids = arrayField(src, value, 'ids', `${field}.`);
    if (ids.length !== shape.idsLength) throw fieldError(src, `${field}.ids`, `holds ${ids.length} tokens but this run optimises ${shape.idsLength}`);
    const bad = ids.findIndex((id) => !(Number.isInteger(id) && (id as number) >= 0 && (id as number) < shape.vocabSize));
    if (bad >= 0) throw fieldError(src, `${field}.ids[${bad}]`, `must be a token id from 0 to ${shape.vocabSize - 1}, got ${show(ids[bad])}`);
    realField(src, value, 'loss', { min: -1e30, max: 1e30 }, undefined, `${field}.`);
  };
  const buffer = arrayField(src, raw, 'buffer');
  if (buffer.length === 0) throw fieldError(src, 'buffer', 'is empty; a run always keeps at least its current string');
  buffer.forEach((b, i) => entry(b, `buffer[${i}]`));
  entry(raw.best, 'best');
  const history = arrayField(src, raw, 'history');
  if (history.length !== step) throw fieldError(src, 'history', `holds ${history.length} steps but step says ${step} were done`);
  history.forEach((h, i) => checkStep(src, h, i));
  intField(src, raw, 'forwardPasses', { min: 0, max: Number.MAX_SAFE_INTEGER });
  realField(src, raw, 'seconds', { min: 0, max: 1e12 });
}

function checkStep(src: FieldSource, h: unknown, i: number): void {
  const where = `history[${i}].`;
  if (!isRecord(h)) throw fieldError(src, `history[${i}]`, `must be an object, got ${show(h)}`);
  intField(src, h, 'step', { min: i + 1, max: i + 1 }, undefined, where);
  for (const key of ['loss', 'bestLoss']) realField(src, h, key, { min: -1e30, max: 1e30 }, undefined, where);
  for (const key of ['bestString', 'currentString']) stringField(src, h, key, {}, where);
  for (const key of ['candidates', 'forwardPasses']) intField(src, h, key, { min: 0, max: Number.MAX_SAFE_INTEGER }, undefined, where);
  realField(src, h, 'seconds', { min: 0, max: 1e12 }, undefined, where);
  if (h.asr !== undefined) realField(src, h, 'asr', { min: 0, max: 1 }, undefined, where);
}

export function saveGcgState(file: string, state: GcgState): void {
  writeJsonAtomic(file, state);
}
