/** A prompt file: one prompt per line, blank lines and lines starting with # skipped. */
import { readFileSync } from 'node:fs';
import { BadFileError } from '../errors.js';

export function readPromptFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new BadFileError(file, 'cannot read the prompt file');
  }
  const prompts = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (prompts.length === 0) throw new BadFileError(file, 'holds no prompts (one per line; # starts a comment)');
  return prompts;
}
