/**
 * The app's view with the real reducer and a recording stand-in for the job controller, rendered
 * by ink-testing-library at 80 columns: screens and keys are tested without any process.
 */
import { render } from 'ink-testing-library';
import type { Dispatch } from 'react';
import { useReducer } from 'react';
import { userMessage } from '../../../src/tui/errors.js';
import type { Action } from '../../../src/tui/state/actions.js';
import { AppView } from '../../../src/tui/App.js';
import type { JobsController } from '../../../src/tui/hooks/use-jobs.js';
import { JobsContext } from '../../../src/tui/hooks/use-jobs.js';
import type { JobSpec } from '../../../src/tui/jobs/protocol.js';
import type { ModelSummary } from '../../../src/tui/model-info.js';
import { reducer } from '../../../src/tui/state/reducer.js';
import type { AppState } from '../../../src/tui/state/state.js';

export interface JobCalls {
  started: JobSpec[];
  cancelled: string[];
  paused: string[];
  restarted: string[];
}

/** Like the real controller, a spec that cannot be built becomes an error line. */
function recordingJobs(calls: JobCalls, current: () => AppState, dispatch: { current: Dispatch<Action> | null }): JobsController {
  return {
    start: (kind, build) => {
      try {
        calls.started.push(build(current().session, `j9-${kind}`));
      } catch (err) {
        dispatch.current?.({ type: 'error', message: userMessage(err) });
      }
    },
    restart: (id) => void calls.restarted.push(id),
    cancel: (id) => void calls.cancelled.push(id),
    togglePause: (id) => void calls.paused.push(id),
    shutdown: async () => {},
  };
}

export function renderApp(initial: AppState, options: { models?: ModelSummary[]; sessionDir?: string; width?: number } = {}) {
  const calls: JobCalls = { started: [], cancelled: [], paused: [], restarted: [] };
  const latest = { state: initial };
  const dispatchRef: { current: Dispatch<Action> | null } = { current: null };
  const jobs = recordingJobs(calls, () => latest.state, dispatchRef);
  function Harness() {
    const [state, dispatch] = useReducer(reducer, initial);
    latest.state = state;
    dispatchRef.current = dispatch;
    return (
      <JobsContext.Provider value={jobs}>
        <AppView state={state} dispatch={dispatch} models={options.models ?? []} sessionDir={options.sessionDir ?? '/tmp/session'} width={options.width ?? 80} />
      </JobsContext.Provider>
    );
  }
  const app = render(<Harness />);
  return { ...app, calls, state: () => latest.state, frame: () => app.lastFrame() ?? '' };
}

/**
 * Lets React render, commit and run effects after a key. React 19 schedules the render of an Ink
 * input update as a task, and useInput attaches its listener in an effect after that, so a key
 * written too soon after the previous one can reach the handler of the screen before.
 */
export const tick = () => new Promise((resolve) => setTimeout(() => setImmediate(resolve), 40));

/** Every line of a frame fits the width (Ink pads nothing, so this is the text's own width). */
export function widest(frame: string): number {
  return Math.max(...frame.split('\n').map((l) => [...l].length));
}
