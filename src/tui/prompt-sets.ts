/**
 * The prompts a session optimises over: the built-in clean set, a file (one per line, # comments)
 * or prompts typed in the UI separated by "|". As on the CLI, a file or typed set is all optimised
 * over, and ASR is measured on the built-in held-out prompts, never on optimised ones.
 */
import { readFileSync } from 'node:fs';
import { BadFileError, BadInputError } from '../errors.js';
import { splitPrompts } from '../prompts/clean.js';
import type { PromptSet } from './session/session.js';

export function builtInPrompts(): PromptSet {
  return { source: 'built-in', ...splitPrompts() };
}

export function promptsFromFile(file: string): PromptSet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new BadFileError(file, 'cannot read the prompt file; give a path to a text file with one prompt per line');
  }
  const optimise = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (optimise.length === 0) throw new BadFileError(file, 'holds no prompts (one per line; # starts a comment)');
  return { source: 'file', file, optimise, heldOut: splitPrompts().heldOut };
}

export function promptsTyped(text: string): PromptSet {
  const optimise = text.split('|').map((p) => p.trim()).filter((p) => p !== '');
  if (optimise.length === 0) throw new BadInputError('no prompts typed; separate prompts with |, e.g. What is 2 + 2? | Greet Ann.');
  return { source: 'typed', optimise, heldOut: splitPrompts().heldOut };
}

export function describePrompts(p: PromptSet): string {
  const from = p.source === 'built-in' ? 'built-in clean' : p.source === 'file' ? `from ${p.file}` : 'typed';
  return `${p.optimise.length} ${from} prompts, ${p.heldOut.length} held out`;
}
