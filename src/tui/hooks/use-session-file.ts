/**
 * Saves session.json after every change to the session (atomically), and on opening starts again
 * every job that a process should be working on: after a quit, kill -9 or crash nothing is lost
 * beyond the step in flight.
 */
import type { Dispatch } from 'react';
import { useEffect } from 'react';
import { userMessage } from '../errors.js';
import { isLive } from '../jobs/specs.js';
import { saveSession } from '../session/store.js';
import type { Session } from '../session/session.js';
import type { Action } from '../state/actions.js';
import type { JobsController } from './use-jobs.js';

export function usePersistSession(dir: string, session: Session, dispatch: Dispatch<Action>): void {
  useEffect(() => {
    try {
      saveSession(dir, { ...session, updated: new Date().toISOString() });
    } catch (err) {
      dispatch({ type: 'error', message: `cannot save the session: ${userMessage(err)}` });
    }
  }, [dir, session, dispatch]);
}

export function useResumeJobs(jobs: JobsController, session: Session): void {
  useEffect(() => {
    for (const job of session.jobs) if (isLive(job)) jobs.restart(job.id);
    // Only the jobs of the session as opened: later ones are started by their own keys.
  }, [jobs]);
}
