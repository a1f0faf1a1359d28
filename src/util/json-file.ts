/**
 * JSON files: read one object with a one-line error naming the file, write one atomically (temp file +
 * rename). Reading is strict: the file must be valid UTF-8 (stray bytes are a damaged file, not text to
 * decode leniently into U+FFFD inside names and values) and valid JSON; refusals end with what to do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';
import { BadFileError } from '../errors.js';

/** A text file's contents, refused unless it is valid UTF-8. */
export function readTextFile(file: string, fix: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BadFileError(file, code === 'ENOENT' ? `missing; ${fix}` : `cannot be read (${code ?? String(err)}); ${fix}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstBadUtf8(bytes);
    throw new BadFileError(file, `not valid UTF-8 text (bad byte 0x${bytes[at]?.toString(16).padStart(2, '0')} at offset ${at}); ${fix}`);
  }
}

function firstBadUtf8(bytes: Buffer): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  // The longest prefix that decodes (streaming, so a prefix may end inside a character), by bisection.
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    try {
      decoder.decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid;
    }
  }
  return lo;
}

/** Parses a JSON text file; returns the value, or one line saying why it is not JSON. */
export function readJsonFile(file: string, fix: string): unknown {
  const text = readTextFile(file, fix);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadFileError(file, `not valid JSON (${(err as Error).message.replace(/\s+/g, ' ').slice(0, 160)}); ${fix}`);
  }
}

/** Reads a JSON object; `fix` ends every refusal (what the user should do about this file). */
export function readJsonObject(file: string, fix = "restore it (from the model's source, or by rerunning what wrote it)"): Record<string, unknown> {
  if (!existsSync(file)) throw new BadFileError(file, 'file not found');
  const parsed = readJsonFile(file, fix);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadFileError(file, `expected a JSON object; ${fix}`);
  return parsed as Record<string, unknown>;
}

/** Writes JSON through a temporary file and a rename, so a crash never leaves half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
