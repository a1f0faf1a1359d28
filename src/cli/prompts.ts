/** Prompt sets from flags: --prompt (repeatable), --prompts <file> (one per line), or the built-in clean set. */
import { readFileSync } from 'node:fs';
import { BadFileError, BadInputError } from '../errors.js';
import { splitPrompts } from '../prompts/clean.js';
import type { ParsedArgs } from './command.js';
import { str, strList } from './args.js';

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

/** Optimisation and held-out prompts; the built-in set is split so ASR is never measured on optimised prompts. */
export function promptSets(args: ParsedArgs): { optimise: string[]; heldOut: string[] } {
  const given = strList(args, 'prompt');
  const file = str(args, 'prompts');
  const heldOutFile = str(args, 'held-out');
  if (given.length > 0 && file) throw new BadInputError('give --prompt or --prompts, not both');
  const builtIn = splitPrompts();
  const optimise = given.length > 0 ? given : file ? readPromptFile(file) : builtIn.optimise;
  const heldOut = heldOutFile ? readPromptFile(heldOutFile) : builtIn.heldOut;
  if (optimise.some((p) => p.trim() === '')) throw new BadInputError('a prompt is empty; give real requests');
  return { optimise, heldOut };
}
