/**
 * Child processes that a long job starts (zoo build's trainers, bench's suite): each is stopped when the
 * job is cancelled, gets the signals its parent gets, and is sent SIGTERM if the parent exits first, so
 * that no process is left behind. A child asked to stop gets SIGINT (it saves its state and exits);
 * one that is still there after the grace period gets SIGKILL.
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: kill() only sends the signal, which is all that is needed.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGTERM');
  });
}

export interface AdoptOptions {
  /** Stop the child when this fires (SIGINT first, SIGKILL after graceMs). */
  signal?: AbortSignal;
  /** Pass the parent's own SIGINT and SIGTERM on to the child while it runs. */
  forwardSignals?: boolean;
  graceMs?: number;
}

/** Tracks a child until it exits; see the file comment for what that buys. */
export function adoptChild(child: ChildProcess, options: AdoptOptions = {}): ChildProcess {
  installExitHook();
  live.add(child);
  const cleanups: (() => void)[] = [];
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), options.graceMs ?? 30_000).unref();
  };
  if (options.signal) {
    if (options.signal.aborted) stop();
    else {
      options.signal.addEventListener('abort', stop, { once: true });
      cleanups.push(() => options.signal!.removeEventListener('abort', stop));
    }
  }
  if (options.forwardSignals) {
    for (const name of ['SIGINT', 'SIGTERM'] as const) {
      const forward = () => child.kill(name);
      process.on(name, forward);
      cleanups.push(() => process.off(name, forward));
    }
  }
  child.once('exit', () => {
    live.delete(child);
    if (killTimer) clearTimeout(killTimer);
    for (const cleanup of cleanups) cleanup();
  });
  return child;
}

/** Resolves, once its output streams are drained too, with the child's exit code, or null when a signal ended it. */
export function exitCodeOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}
