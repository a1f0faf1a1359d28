/** Reads a spec file as JSON, with one-line errors that name the file. */
import { readFileSync } from 'node:fs';
import { BadFileError } from '../errors.js';

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new BadFileError(file, 'cannot read the spec file');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadFileError(file, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}
