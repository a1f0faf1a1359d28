/** A job process's event as a reducer action for that job. */
import type { Action } from '../state/actions.js';
import type { JobEvent } from './protocol.js';

export function eventAction(id: string, event: JobEvent): Action {
  switch (event.type) {
    case 'started':
      return { type: 'job-started', id, pid: event.pid, backend: event.backend, device: event.device, resumedFrom: event.resumedFrom };
    case 'log':
      return { type: 'job-log', id, message: event.message };
    case 'progress': {
      const { type: _, ...progress } = event;
      return { type: 'job-progress', id, progress };
    }
    case 'phase': {
      const { type: _, ...phase } = event;
      return { type: 'job-phase', id, phase };
    }
    case 'result':
      return { type: 'job-result', id, result: event.result };
    case 'error':
      return { type: 'job-error', id, message: event.message };
    case 'end':
      return { type: 'job-end', id, status: event.status };
  }
}
