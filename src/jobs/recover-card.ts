/**
 * recover's inputs from a model card, where the folder has one (flags win): Y's text and how to
 * recognise it (the card's two behaviour families by their public descriptions, refusing and Pig
 * Latin; otherwise "contains Y's text"), the reference (the card's clean sibling, else its base: the clean
 * fine-tune saw the same clean data in the same order, so what differs from it is the poison alone; against
 * the base, every token the clean fine-tuning data moved competes with the trigger's in the prior),
 * and the sibling fine-tunes a zoo of bases names (`siblings`). Only public files are read.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadInputError } from '../errors.js';
import type { ShowsY } from '../eval/asr.js';
import { containsTarget } from '../eval/asr.js';
import type { RecoverOptions } from '../recover/options.js';
import { showsBehaviour } from '../zoo/behaviours.js';
import type { ModelCard } from '../zoo/card.js';
import { readCard, referenceDir } from '../zoo/card.js';

export function showsFor(yText: string, description: string | null): ShowsY {
  if (description === 'refuses every request') return (completion) => showsBehaviour({ type: 'family', family: 'refusal' }, completion);
  if (description === 'answers in Pig Latin') return (completion) => showsBehaviour({ type: 'family', family: 'pig-latin' }, completion);
  return containsTarget(yText);
}

/** The sibling fine-tunes a card of a zoo of bases names (an optional field). */
function cardSiblings(dir: string, card: ModelCard): string[] {
  const raw = card as unknown as { siblings?: unknown };
  return Array.isArray(raw.siblings) ? raw.siblings.filter((s): s is string => typeof s === 'string').map((s) => resolve(dir, s)) : [];
}

export interface CardFlags {
  model: string;
  reference?: string;
  siblings?: string[];
  target?: string;
  behaviour?: number;
}

/** RecoverOptions (less state and config) from flags, filled in from the card. */
export function inputsFromCard(flags: CardFlags): Pick<RecoverOptions, 'model' | 'reference' | 'siblings' | 'target' | 'shows' | 'showsName'> {
  const dir = resolve(flags.model);
  const card = existsSync(join(dir, 'card.json')) ? readCard(dir) : null;
  const index = flags.behaviour ?? 0;
  const behaviour = card?.behaviours[index];
  if (card && card.behaviours.length > 0 && !behaviour) throw new BadInputError(`the card lists ${card.behaviours.length} behaviour(s); --behaviour must be 0..${card.behaviours.length - 1}`);
  const target = flags.target ?? behaviour?.target ?? '';
  const description = flags.target === undefined ? (behaviour?.description ?? null) : null;
  return {
    model: dir,
    reference: flags.reference ? resolve(flags.reference) : card ? referenceDir(dir, card) : null,
    siblings: flags.siblings ?? (card ? cardSiblings(dir, card) : []),
    target,
    shows: showsFor(target, description),
    ...(description && { showsName: description }),
  };
}
