/**
 * Errors a user can act on. Each message is one line that says what is wrong and what to do;
 * the CLI and the UI print it without a stack trace. Anything else is a bug and keeps its stack.
 */
import { printable } from './util/printable.js';

export class TriggerfishError extends Error {
  override name = 'TriggerfishError';
  constructor(message: string) {
    // Messages quote file contents and flags: escaped, so that garbage bytes never reach the terminal raw.
    super(printable(message));
  }
}

/** A flag, argument or value the user gave is wrong. */
export class BadInputError extends TriggerfishError {
  override name = 'BadInputError';
}

/** A file on disk is missing, truncated, malformed or inconsistent with another file. */
export class BadFileError extends TriggerfishError {
  override name = 'BadFileError';
  readonly file: string;
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.file = file;
  }
}

/** A checkpoint uses an architecture or feature triggerfish does not implement. */
export class UnsupportedModelError extends TriggerfishError {
  override name = 'UnsupportedModelError';
}

/** A requested compute backend could not be loaded. */
export class BackendError extends TriggerfishError {
  override name = 'BackendError';
}

/** A long job was cancelled through its AbortSignal. */
export class CancelledError extends TriggerfishError {
  override name = 'CancelledError';
  constructor(what = 'job') {
    super(`${what} cancelled`);
  }
}

/** Throws CancelledError when the signal has fired; call at step boundaries of long loops. */
export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new CancelledError(what);
}
