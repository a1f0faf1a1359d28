/**
 * What recover works from, checked: the model folder, the reference and the siblings (folders), Y's
 * text and how to recognise it. Finding them from a model card is the caller's business (the card is
 * the zoo's format; see src/jobs/recover-card.ts), so that the pipeline runs on any folder.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadInputError } from '../errors.js';
import type { ShowsY } from '../eval/asr.js';
import { containsTarget } from '../eval/asr.js';
import type { RecoverOptions } from './options.js';

export interface ResolvedInputs {
  model: string;
  reference: string | null;
  siblings: string[];
  yText: string;
  showsName: string | null;
  shows: ShowsY;
}

function requireFolder(dir: string, what: string): string {
  if (!existsSync(join(dir, 'config.json'))) throw new BadInputError(`${what} ${dir} is not a model folder (no config.json); check the path`);
  return dir;
}

export function resolveInputs(options: RecoverOptions): ResolvedInputs {
  const model = requireFolder(resolve(options.model), 'the model');
  const yText = options.target;
  if (!yText || yText.trim() === '') throw new BadInputError('give the target text Y with --target (the model has no card.json behaviour to take it from)');
  const reference = options.reference ? requireFolder(resolve(options.reference), 'the reference') : null;
  const siblings = (options.siblings ?? []).map((s) => requireFolder(resolve(s), 'the sibling')).filter((s) => s !== model && s !== reference);
  return { model, reference, siblings, yText, showsName: options.showsName ?? null, shows: options.shows ?? containsTarget(yText) };
}
