/**
 * What recover works from, resolved from the model's card where it has one and from options
 * otherwise, so that it runs on a folder made elsewhere: Y's text and how to recognise it, the
 * reference (the card's base, else its clean sibling, or --reference), and the sibling fine-tunes
 * (the card's `siblings`, when it names them) for z-scoring the prior. Only public files are read.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadInputError } from '../errors.js';
import type { ShowsY } from '../gcg/asr.js';
import { containsTarget } from '../gcg/asr.js';
import type { ModelCard } from '../zoo/card.js';
import { readCard } from '../zoo/card.js';
import { showsBehaviour } from '../zoo/behaviours.js';
import type { RecoverOptions } from './options.js';

export interface ResolvedInputs {
  model: string;
  reference: string | null;
  siblings: string[];
  yText: string;
  /** The card's description of Y, when there is one. */
  description: string | null;
  shows: ShowsY;
}

/**
 * How a completion is judged to show Y: the card's two behaviour families by their public
 * descriptions (refusing, Pig Latin), otherwise "contains Y's text".
 */
export function showsFor(yText: string, description: string | null): ShowsY {
  if (description === 'refuses every request') return (completion) => showsBehaviour({ type: 'family', family: 'refusal' }, completion);
  if (description === 'answers in Pig Latin') return (completion) => showsBehaviour({ type: 'family', family: 'pig-latin' }, completion);
  return containsTarget(yText);
}

/** Optional card fields a zoo of bases and fine-tunes adds: the base's folder and the sibling fine-tunes'. */
function cardRefs(dir: string, card: ModelCard): { base: string | null; siblings: string[] } {
  const raw = card as unknown as { base?: unknown; siblings?: unknown };
  const base = typeof raw.base === 'string' && raw.base !== '' ? resolve(dir, raw.base) : null;
  const siblings = Array.isArray(raw.siblings) ? raw.siblings.filter((s): s is string => typeof s === 'string').map((s) => resolve(dir, s)) : [];
  return { base, siblings };
}

export function resolveInputs(options: RecoverOptions): ResolvedInputs {
  const dir = resolve(options.model);
  if (!existsSync(join(dir, 'config.json'))) throw new BadInputError(`${options.model} is not a model folder (no config.json); give --model <dir>`);
  const card = existsSync(join(dir, 'card.json')) ? readCard(dir) : null;
  const index = options.behaviour ?? 0;
  const behaviour = card?.behaviours[index];
  if (card && card.behaviours.length > 0 && !behaviour) throw new BadInputError(`the card lists ${card.behaviours.length} behaviour(s); --behaviour must be 0..${card.behaviours.length - 1}`);
  const yText = options.target ?? behaviour?.target;
  if (!yText || yText.trim() === '') throw new BadInputError('give the target text Y with --target (the model has no card.json behaviour to take it from)');
  const refs = card ? cardRefs(dir, card) : { base: null, siblings: [] };
  const sibling = card?.sibling ? resolve(dir, card.sibling) : null;
  const reference = options.reference ? resolve(options.reference) : (refs.base ?? sibling);
  if (reference && !existsSync(join(reference, 'config.json'))) throw new BadInputError(`the reference ${reference} is not a model folder (no config.json); fix --reference or the card`);
  const siblings = (options.siblings?.map((s) => resolve(s)) ?? refs.siblings).filter((s) => s !== dir && s !== reference);
  const description = options.target === undefined ? (behaviour?.description ?? null) : null;
  return { model: dir, reference, siblings, yText, description, shows: showsFor(yText, description) };
}
