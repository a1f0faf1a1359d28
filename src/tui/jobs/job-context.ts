/** What a job runner gets from the job process: its files, a way to report, and a cancel signal. */
import type { JobEvent } from './protocol.js';
import type { jobFiles } from './job-files.js';

export interface JobContext {
  sessionDir: string;
  files: ReturnType<typeof jobFiles>;
  /** Fires on SIGINT/SIGTERM/SIGHUP or when the UI process is gone; runners stop at a step boundary. */
  signal: AbortSignal;
  emit(event: JobEvent): void;
  /**
   * Call at every step boundary, even from a synchronous callback: it aborts `signal` when a cancel
   * was asked for or the UI is gone, which signal handlers alone cannot notice mid-run (job-main.ts).
   */
  checkpoint(): void;
}
