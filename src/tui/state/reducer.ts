/** The one reducer: pure, so every screen can be tested from a given state. */
import type { JobRecord, Session } from '../session/session.js';
import type { Action } from './actions.js';
import { jobReducer } from './job-reducer.js';
import type { AppState, LogLine } from './state.js';

// The log only needs what still fits above the live panel and a little scroll-back.
const logLimit = 200;

function withLog(log: LogLine[], text: string | undefined): LogLine[] {
  if (text === undefined) return log;
  const id = (log.at(-1)?.id ?? 0) + 1;
  return [...log, { id, text }].slice(-logLimit);
}

function withSession(state: AppState, change: Partial<Session>): AppState {
  return { ...state, session: { ...state.session, ...change } };
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _, ...rest } = record;
  return rest;
}

export function reducer(state: AppState, action: Action): AppState {
  switch (action.type) {
    case 'go':
      return { ...withSession(state, { stage: action.stage }), input: null, help: false };
    case 'cursor':
      return { ...state, cursor: { ...state.cursor, [action.name]: action.value } };
    case 'model-chosen': {
      const keepTarget = state.session.targetEdited || action.cardTarget === null;
      return withSession(state, { modelDir: action.dir, target: keepTarget ? state.session.target : action.cardTarget! });
    }
    case 'prompts-chosen':
      return { ...withSession(state, { prompts: action.prompts }), input: null, error: null };
    case 'target-set':
      return { ...withSession(state, { target: action.text, targetEdited: true }), input: null, error: null };
    case 'input-open':
      return { ...state, input: action.field, error: null };
    case 'input-close':
      return { ...state, input: null };
    case 'mark-toggle': {
      const v = action.vector;
      const has = state.session.marked.some((m) => m.file === v.file && m.index === v.index);
      const marked = has ? state.session.marked.filter((m) => m.file !== v.file || m.index !== v.index) : [...state.session.marked, v];
      return withSession(state, { marked });
    }
    case 'form-set': {
      const { [action.key]: _, ...rest } = state.session.forms[action.form];
      const values = action.value === null ? rest : { ...rest, [action.key]: action.value };
      return { ...withSession(state, { forms: { ...state.session.forms, [action.form]: values } }), input: 'form', error: null };
    }
    case 'job-created':
      return { ...withSession(state, { jobs: [...state.session.jobs, action.record], finished: false }), error: null };
    case 'quit': {
      const jobs = state.session.jobs.map((j): JobRecord => (j.status === 'running' || j.status === 'paused' || j.status === 'starting' ? { ...j, status: 'interrupted' } : j));
      return { ...withSession(state, { jobs }), quitting: true };
    }
    case 'exported':
      return { ...withSession(state, { exported: action.files, finished: true }), log: withLog(state.log, `✓ exported ${action.files.length} files to ${action.files[0]?.replace(/\/[^/]*$/, '') ?? ''}`) };
    case 'error':
      return { ...state, error: action.message };
    case 'error-clear':
      return { ...state, error: null };
    case 'help-toggle':
      return { ...state, help: !state.help };
    default:
      return jobAction(state, action);
  }
}

function jobAction(state: AppState, action: Extract<Action, { id: string }>): AppState {
  const index = state.session.jobs.findIndex((j) => j.id === action.id);
  const job = state.session.jobs[index];
  if (!job) return state;
  const { job: next, line } = jobReducer(job, action, state.quitting);
  const jobs = state.session.jobs.slice();
  jobs[index] = next;
  let result: AppState = { ...withSession(state, { jobs }), log: withLog(state.log, line) };
  if (action.type === 'job-started') {
    result = { ...result, pids: { ...result.pids, [action.id]: action.pid }, waiting: withoutKey(result.waiting, action.id), device: action.device };
    result.session = { ...result.session, backend: action.backend };
  }
  if (action.type === 'job-restarting') {
    result = { ...result, waiting: action.waitingFor === null ? withoutKey(result.waiting, action.id) : { ...result.waiting, [action.id]: action.waitingFor } };
  }
  if (action.type === 'job-exit') result = { ...result, pids: withoutKey(result.pids, action.id), waiting: withoutKey(result.waiting, action.id) };
  return result;
}
