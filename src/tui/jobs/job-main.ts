/**
 * The job process, started by the UI as `triggerfish __job <session-dir> <job-id>`: reads the
 * spec, runs it, and reports through NDJSON events on stdout (protocol.ts).
 *
 * Stopping: the UI writes a `cancel` file and sends SIGINT; the job also stops when its parent (the
 * UI) is gone, e.g. after kill -9. Both are checked at step boundaries, after the step's state was
 * saved. Signals alone are not enough: a wasm-backed loop settles every await as a microtask and
 * never returns to the event loop, so a SIGINT handler or a timer would only run after the loop
 * ends. The file and the parent pid are read synchronously by checkpoint() instead.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { format } from 'node:util';
import { initBackend } from '../../engine/backend.js';
import { CancelledError, TriggerfishError } from '../../errors.js';
import { runnerFor, savedSteps } from './runners.js';
import { jobFiles, readSpec, writeResult } from './job-files.js';
import type { JobEvent } from './protocol.js';
import { encodeEvent } from './protocol.js';

export type JobOutcome = { status: 'finished' | 'cancelled' } | { status: 'failed'; error: unknown };

// Libraries (tfjs among them) may print; stdout carries only events, so their words go to stderr.
function consoleToStderr(): void {
  const write = (...args: unknown[]) => void process.stderr.write(format(...args) + '\n');
  console.log = console.info = console.warn = console.debug = write;
}

function stopper(cancelFile: string): { signal: AbortSignal; checkpoint(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, abort);
  const parent = process.ppid;
  const checkpoint = () => {
    if (!controller.signal.aborted && (process.ppid !== parent || existsSync(cancelFile))) abort();
  };
  // For the stretches where the event loop does run (loading the model).
  setInterval(checkpoint, 500).unref();
  return { signal: controller.signal, checkpoint };
}

export async function runJobProcess(sessionDir: string, jobId: string, write: (line: string) => void = (l) => void process.stdout.write(l)): Promise<JobOutcome> {
  consoleToStderr();
  // A UI that quit without waiting closes our stdout; losing events then is fine, crashing is not.
  process.stdout.on('error', () => {});
  const emit = (event: JobEvent) => write(encodeEvent(event));
  const files = jobFiles(sessionDir, jobId);
  const { signal, checkpoint } = stopper(files.cancel);
  let outcome: JobOutcome;
  try {
    const spec = readSpec(sessionDir, jobId);
    writeFileSync(files.pid, `${process.pid}\n`);
    const backend = await initBackend();
    const resumed = savedSteps(files.state).at(-1)?.step ?? null;
    emit({ type: 'started', job: jobId, kind: spec.kind, pid: process.pid, backend: backend.name, device: backend.device, resumedFrom: resumed });
    const result = await runnerFor(spec)({ sessionDir, files, signal, emit, checkpoint });
    writeResult(sessionDir, jobId, result);
    emit({ type: 'result', result });
    outcome = { status: 'finished' };
  } catch (err) {
    if (err instanceof CancelledError) outcome = { status: 'cancelled' };
    else {
      const internal = !(err instanceof TriggerfishError);
      if (internal) process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      emit({ type: 'error', message: internal ? `internal error: ${message} (the stack is in ${files.stderr})` : message, internal });
      outcome = { status: 'failed', error: err };
    }
  }
  emit({ type: 'end', status: outcome.status });
  return outcome;
}
