/** JSON files: read one object with a one-line error naming the file, write one atomically (temp file + rename). */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { BadFileError } from '../errors.js';

export function readJsonObject(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new BadFileError(file, 'file not found');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BadFileError(file, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadFileError(file, 'expected a JSON object');
  return parsed as Record<string, unknown>;
}

/** Writes JSON through a temporary file and a rename, so a crash never leaves half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
}
