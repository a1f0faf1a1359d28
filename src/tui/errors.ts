/** One line for the error bar: a TriggerfishError's message says what to do; anything else is a bug. */
import { TriggerfishError } from '../errors.js';

export function userMessage(err: unknown): string {
  if (err instanceof TriggerfishError) return err.message;
  const first = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return `internal error: ${first} (please report it)`;
}
