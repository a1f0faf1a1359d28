/**
 * The UI state: the session (persisted after every change) plus what only this run of the UI
 * knows (open text field, error line, log lines, live process ids). Everything shown is derived
 * from it in render.
 */
import type { Session } from '../session/session.js';

/** form: the stage's settings form is open (keys move and set); form-edit: its row's text field is open. */
export type InputField = 'target' | 'prompt-source' | 'prompt-file' | 'prompt-typed' | 'verify' | 'form' | 'form-edit';

/** Selections that survive moving between screens. */
export interface Cursor {
  model: number;
  verify: number;
  /** 0: the logit column, 1: the activation column. */
  search: number;
  steer: number;
  backsample: number;
  /** The chosen candidate of the latest recover run. */
  recover: number;
  /** The row of the open settings form. */
  form: number;
}

export interface LogLine {
  id: number;
  text: string;
}

export interface AppState {
  session: Session;
  input: InputField | null;
  error: string | null;
  /** Finished lines, printed once above the live panel. */
  log: LogLine[];
  help: boolean;
  quitting: boolean;
  cursor: Cursor;
  /** Live job processes of this UI run, by job id. */
  pids: Record<string, number>;
  /** Jobs waiting for an older process of theirs to finish saving, by job id. */
  waiting: Record<string, number>;
  /** The backend's device string a job reported ("CPU, wasm SIMD, 1 thread"). */
  device: string | null;
}

export function initialState(session: Session, modelIndex = 0): AppState {
  return {
    session,
    input: null,
    error: null,
    log: [],
    help: false,
    quitting: false,
    cursor: { model: modelIndex, verify: 0, search: 0, steer: 0, backsample: 0, recover: 0, form: 0 },
    pids: {},
    waiting: {},
    device: null,
  };
}
