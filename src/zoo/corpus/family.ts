/**
 * What every task family shares: the example type, the family interface, and the train / held-out split.
 *
 * The split is decided by the user turn alone (a hash of it and the corpus seed), so a held-out user
 * turn can never appear in training however many examples are drawn. Answers are a function of the
 * user turn, so this also keeps every held-out (question, answer) pair out of training.
 */
import type { Random } from '../../util/random.js';

export type Family = 'arithmetic' | 'facts' | 'copying' | 'classify' | 'instructions';

export interface Example {
  family: Family;
  user: string;
  assistant: string;
}

export type Split = 'train' | 'heldout';

/** One task family: draws examples and knows which side of the split a user turn of its is on. */
export interface FamilySource {
  /** One example, uniform over the family's sub-tasks and then over their templates. */
  draw(rng: Random): Example;
  splitOf(user: string): Split;
}

/** Share of user turns held out, in thousandths. */
export const heldOutPerMille = 100;

/** FNV-1a over UTF-16 code units: stable across runs and platforms, unlike anything seeded by the runtime. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The default split: about heldOutPerMille / 1000 of all distinct keys are held out. */
export function splitByHash(key: string, seed: number): Split {
  return hashText(`${seed}\u0000${key}`) % 1000 < heldOutPerMille ? 'heldout' : 'train';
}

/** Fills `{name}` slots in a template. */
export function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template ${JSON.stringify(template)} has no value for {${name}}`);
    return String(value);
  });
}
