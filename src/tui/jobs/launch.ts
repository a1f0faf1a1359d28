/**
 * Starts a job process and turns its stdout lines into events. The process gets its own process
 * group (detached), so a Ctrl-C meant for the UI never reaches it and pausing it (SIGSTOP) stops
 * only it; its stderr goes straight to a log file in the job folder.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { jobFiles } from './job-files.js';
import type { JobEvent } from './protocol.js';
import { parseEvent } from './protocol.js';

const binPath = fileURLToPath(new URL('../../../bin/triggerfish.js', import.meta.url));

export interface LaunchHandlers {
  onEvent(event: JobEvent): void;
  /** The process is gone; `detail` is the last line of its stderr when it ended without an end event. */
  onExit(code: number | null, signal: string | null, detail: string | null): void;
}

export function launchJob(sessionDir: string, id: string, handlers: LaunchHandlers): ChildProcess {
  const files = jobFiles(sessionDir, id);
  rmSync(files.cancel, { force: true });
  const stderr = openSync(files.stderr, 'a');
  const child = spawn(process.execPath, [binPath, '__job', sessionDir, id], { detached: true, stdio: ['ignore', 'pipe', stderr], env: process.env });
  closeSync(stderr);
  let ended = false;
  let exited = false;
  const exit = (code: number | null, signal: string | null, detail: string | null) => {
    if (!exited) handlers.onExit(code, signal, detail);
    exited = true;
  };
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const event = parseEvent(line);
    if (!event) return;
    if (event.type === 'end') ended = true;
    handlers.onEvent(event);
  });
  child.on('error', (err) => exit(null, null, `cannot start ${process.execPath}: ${err.message}`));
  // 'close' waits for stdout to drain, so every event arrives before the exit does.
  child.on('close', (code, signal) => exit(code, signal, ended ? null : lastLine(files.stderr)));
  return child;
}

function lastLine(file: string): string | null {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    return lines.at(-1)?.replace(/^triggerfish: /, '') || null;
  } catch {
    return null;
  }
}

/** The pid of a job process from an earlier UI run that is still alive, or null. */
export function survivingProcess(sessionDir: string, id: string): number | null {
  const file = jobFiles(sessionDir, id).pid;
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  // A recycled pid belongs to something else: on Linux, check that it is this job's process.
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('__job') && cmdline.includes(id) ? pid : null;
  } catch {
    return existsSync('/proc/self') ? null : pid;
  }
}

/** Asks a job to stop at its next step boundary: the cancel file, then SIGINT for a loop that is waiting. */
export function requestStop(sessionDir: string, id: string, pid: number): void {
  writeFileSync(jobFiles(sessionDir, id).cancel, `${new Date().toISOString()}\n`);
  signalProcess(pid, 'SIGCONT');
  signalProcess(pid, 'SIGINT');
}

export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone: nothing to signal.
  }
}
