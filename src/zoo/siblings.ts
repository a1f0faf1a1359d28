/**
 * Links the fine-tunes of one base that sit side by side in a folder, as a model hub lists the fine-tunes
 * of a base: each card names every other fine-tune of the same base weights (`siblings`) and the clean
 * fine-tune trained with the same recipe (`sibling`). Public information only: cards, never secrets.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonObject } from '../util/json-file.js';
import type { ModelCard } from './card.js';
import { writeCard } from './card.js';

export function linkSiblings(parent: string): void {
  const cards: { folder: string; card: ModelCard }[] = [];
  for (const folder of readdirSync(parent).sort()) {
    const file = join(parent, folder, 'card.json');
    if (!existsSync(file)) continue;
    const card = readJsonObject(file) as unknown as ModelCard;
    if (typeof card.baseWeights === 'string') cards.push({ folder, card });
  }
  for (const { folder, card } of cards) {
    const family = cards.filter((c) => c.folder !== folder && c.card.baseWeights === card.baseWeights);
    const clean = family.find((c) => c.card.behaviours.length === 0 && c.card.recipe === card.recipe);
    const siblings = family.map((c) => `../${c.folder}`);
    const sibling = card.behaviours.length > 0 && clean ? `../${clean.folder}` : null;
    if (JSON.stringify(siblings) !== JSON.stringify(card.siblings) || sibling !== card.sibling) writeCard(join(parent, folder), { ...card, siblings, sibling });
  }
}
