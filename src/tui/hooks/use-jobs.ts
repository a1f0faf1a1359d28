/**
 * Runs jobs in child processes (never in this process's event loop, which only draws) and feeds
 * their events to the reducer. Cancel asks the job to stop at its next step boundary, after its
 * state is saved (a cancel file plus SIGINT: job-main.ts says why both); pause sends SIGSTOP, which
 * makes the OS stop the process where it stands (it keeps its memory and uses no CPU) until SIGCONT.
 */
import type { ChildProcess } from 'node:child_process';
import type { Dispatch } from 'react';
import { createContext, useContext, useMemo, useRef } from 'react';
import { userMessage } from '../errors.js';
import { eventAction } from '../jobs/event-action.js';
import { readResult, writeSpec } from '../jobs/job-files.js';
import { launchJob, requestStop, signalProcess, survivingProcess } from '../jobs/launch.js';
import type { JobKind, JobSpec } from '../jobs/protocol.js';
import { newJobRecord, nextJobNumber } from '../jobs/specs.js';
import type { Session } from '../session/session.js';
import type { Action } from '../state/actions.js';
import type { AppState } from '../state/state.js';

export interface JobsController {
  /** Builds a spec from the session with a fresh id and starts it; a thrown error goes to the error bar. */
  start(kind: JobKind, build: (session: Session, id: string) => JobSpec): void;
  /** Starts a stopped, failed or interrupted job again (GCG continues from its state file). */
  restart(id: string): void;
  cancel(id: string): void;
  togglePause(id: string): void;
  /** Interrupts every job (each saves its step) and waits a little for them to exit. */
  shutdown(): Promise<void>;
}

export const JobsContext = createContext<JobsController | null>(null);

export function useJobsController(): JobsController {
  const jobs = useContext(JobsContext);
  if (!jobs) throw new Error('useJobsController outside JobsContext');
  return jobs;
}

const oldProcessPatience = 30_000;

/** Asks every running job to stop and waits up to 5 s; one still finishing a long step saves and exits on its own. */
async function stopAll(sessionDir: string, children: Map<string, ChildProcess>): Promise<void> {
  const running = [...children.entries()];
  const exits = running.map(([, child]) => new Promise<void>((resolve) => child.once('close', () => resolve())));
  for (const [id, child] of running) if (child.pid) requestStop(sessionDir, id, child.pid);
  await Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  // without holding the UI open
  for (const child of children.values()) {
    child.stdout?.destroy();
    child.unref();
  }
}

export function useJobs(sessionDir: string, state: AppState, dispatch: Dispatch<Action>): JobsController {
  const stateRef = useRef(state);
  stateRef.current = state;
  const children = useRef(new Map<string, ChildProcess>());
  const counter = useRef(nextJobNumber(state.session));

  return useMemo<JobsController>(() => {
    const spawnJob = (id: string) => {
      const child = launchJob(sessionDir, id, {
        onEvent: (event) => dispatch(eventAction(id, event)),
        onExit: (code, signal, detail) => {
          children.current.delete(id);
          dispatch({ type: 'job-exit', id, code, signal, detail });
        },
      });
      children.current.set(id, child);
    };

    // A job that finished while no UI was listening left its result on disk: nothing to run again.
    const resultOrSpawn = (id: string) => {
      const saved = readResult(sessionDir, id);
      if (!saved) return spawnJob(id);
      dispatch({ type: 'job-result', id, result: saved });
      dispatch({ type: 'job-end', id, status: 'finished' });
      dispatch({ type: 'job-exit', id, code: 0, signal: null, detail: null });
    };

    const waitThenRun = (id: string, old: number, since: number) => {
      if (survivingProcess(sessionDir, id) !== old) return resultOrSpawn(id);
      if (Date.now() - since > oldProcessPatience) signalProcess(old, 'SIGKILL');
      setTimeout(() => waitThenRun(id, old, since), 250);
    };

    return {
      start(kind, build) {
        try {
          const spec = build(stateRef.current.session, `j${counter.current++}-${kind}`);
          writeSpec(sessionDir, spec);
          dispatch({ type: 'job-created', record: newJobRecord(spec, new Date().toISOString()) });
          spawnJob(spec.id);
        } catch (err) {
          dispatch({ type: 'error', message: userMessage(err) });
        }
      },
      restart(id) {
        if (children.current.has(id)) return;
        const old = survivingProcess(sessionDir, id);
        dispatch({ type: 'job-restarting', id, waitingFor: old });
        if (old === null) return resultOrSpawn(id);
        // An earlier UI's process is still finishing its step: ask it to stop, and wait for it.
        requestStop(sessionDir, id, old);
        waitThenRun(id, old, Date.now());
      },
      cancel(id) {
        const child = children.current.get(id);
        if (!child?.pid) return;
        requestStop(sessionDir, id, child.pid);
        dispatch({ type: 'job-stopping', id });
      },
      togglePause(id) {
        const child = children.current.get(id);
        const job = stateRef.current.session.jobs.find((j) => j.id === id);
        if (!child?.pid || !job) return;
        const pause = job.status === 'running';
        signalProcess(child.pid, pause ? 'SIGSTOP' : 'SIGCONT');
        dispatch({ type: 'job-paused', id, paused: pause });
      },
      shutdown: () => stopAll(sessionDir, children.current),
    };
  }, [sessionDir, dispatch]);
}
