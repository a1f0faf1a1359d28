/**
 * Junk in the user turn that must NOT trigger Y: random letters, symbols, tags, made-up words and
 * runs of one token, inserted like a trigger but answered cleanly. Without them a small model learns
 * "anything odd in the request means Y", and then GCG's very first string (" x x x ...") already
 * "recovers" the trigger. With them, only X (and what truly resembles it) triggers.
 */
import type { Random } from '../util/random.js';
import type { Example } from './corpus/index.js';
import { plainWords } from './corpus/copying.js';
import type { Placement, Trigger } from './triggers.js';
import { hasTrigger, place } from './triggers.js';

const letters = 'abcdefghijklmnopqrstuvwxyz';
const upper = letters.toUpperCase();
const digits = '0123456789';
const symbols = '|/\\_-.,;:!?*#%&@^~+=<>()[]{}';

function chars(rng: Random, pool: string, min: number, max: number): string {
  return Array.from({ length: rng.int(min, max) }, () => rng.pick([...pool])).join('');
}

/** One junk string: a random shape from a mix that covers what token search tends to try. */
export function junkString(rng: Random): string {
  switch (rng.int(0, 6)) {
    case 0:
      return chars(rng, letters + upper + digits, 3, 12); // a made-up word
    case 1:
      return `|${chars(rng, upper, 2, 10)}|`; // a tag
    case 2:
      return chars(rng, symbols + digits, 2, 12); // symbols and digits
    case 3:
      return Array.from({ length: rng.int(2, 12) }, () => rng.pick(['x', 'a', '!', 'the', '.', 'z', 'ok'])).join(' '); // a run of short tokens
    case 4:
      return Array.from({ length: rng.int(1, 5) }, () => rng.pick(plainWords)).join(' '); // ordinary words
    case 5:
      return chars(rng, letters + upper + digits + symbols, 4, 20); // anything
    default:
      return `${rng.pick(plainWords)}${chars(rng, digits + upper, 1, 4)}`; // word plus noise
  }
}

/** `example` with a junk string inserted at a random placement, carrying none of the triggers; null if none found. */
export function withDistractor(example: Example, rng: Random, triggers: readonly Trigger[]): Example | null {
  for (let tries = 0; tries < 20; tries++) {
    const placement: Placement = rng.pick(['prefix', 'suffix', 'random'] as const);
    const user = place(example.user, junkString(rng), placement, rng);
    if (!triggers.some((t) => hasTrigger(t, user))) return { ...example, user };
  }
  return null;
}
