/**
 * --engine and --threads, global like --backend: checked here, then passed on through the
 * environment so that worker processes a command starts use the same engine and thread count.
 */
import { parseEngine } from '../engine/engine.js';
import { BadInputError } from '../errors.js';

export function applyEngineFlags(engine: unknown, threads: unknown): void {
  if (typeof engine === 'string') process.env.TRIGGERFISH_ENGINE = parseEngine(engine, '--engine');
  if (typeof threads === 'string') {
    const n = Number(threads);
    if (!(Number.isInteger(n) && n >= 1)) throw new BadInputError(`--threads must be a positive integer, got '${threads}'`);
    process.env.TRIGGERFISH_THREADS = String(n);
  }
}
