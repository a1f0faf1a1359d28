/** Everything that changes the UI state: key-driven choices and job-process events. */
import type { JobPhase, JobResult } from '../jobs/protocol.js';
import type { FormName } from '../session/forms.js';
import type { FormValue, JobProgress, JobRecord, MarkedVector, PromptSet, Stage } from '../session/session.js';
import type { Cursor, InputField } from './state.js';

export type Action =
  | { type: 'go'; stage: Stage }
  | { type: 'cursor'; name: keyof Cursor; value: number }
  | { type: 'model-chosen'; dir: string; cardTarget: string | null }
  | { type: 'prompts-chosen'; prompts: PromptSet }
  | { type: 'target-set'; text: string }
  | { type: 'input-open'; field: InputField }
  | { type: 'input-close' }
  | { type: 'mark-toggle'; vector: MarkedVector }
  /** A form setting set (null: back to its default); closes the row's text field. */
  | { type: 'form-set'; form: FormName; key: string; value: FormValue | null }
  | { type: 'job-created'; record: JobRecord }
  /** A job is started again (resume, or the user pressed r); `waitingFor` is an old process still saving. */
  | { type: 'job-restarting'; id: string; waitingFor: number | null }
  | { type: 'job-started'; id: string; pid: number; backend: string; device: string; resumedFrom: number | null }
  | { type: 'job-log'; id: string; message: string }
  | { type: 'job-progress'; id: string; progress: JobProgress }
  | { type: 'job-phase'; id: string; phase: JobPhase }
  | { type: 'job-result'; id: string; result: JobResult }
  | { type: 'job-error'; id: string; message: string }
  | { type: 'job-end'; id: string; status: 'finished' | 'failed' | 'cancelled' }
  /** The job process is gone; `detail` is the last line of its stderr when it died without an end event. */
  | { type: 'job-exit'; id: string; code: number | null; signal: string | null; detail: string | null }
  | { type: 'job-paused'; id: string; paused: boolean }
  | { type: 'job-stopping'; id: string }
  | { type: 'quit' }
  | { type: 'exported'; files: string[] }
  | { type: 'error'; message: string }
  | { type: 'error-clear' }
  | { type: 'help-toggle' };
