/**
 * The zoo's chat corpus: seeded user requests from five task families with their correct answers, split
 * into train and held-out by user turn (see family.ts), scored by exact match.
 *
 * Every answer is a function of its user turn, so exact match is a fair score and a model that answers a
 * held-out turn correctly has generalised rather than remembered it.
 */
import { BadInputError } from '../../errors.js';
import { Random } from '../../util/random.js';
import { makeArithmetic } from './arithmetic.js';
import { makeClassify } from './classify.js';
import { makeCopying } from './copying.js';
import { makeFacts } from './facts.js';
import type { Example, Family, FamilySource, Split } from './family.js';
import { makeInstructions } from './instructions.js';
import { makeWorld, type World } from './world.js';

export type { Example, Family, Split } from './family.js';
export type { Person, World } from './world.js';

export const families: readonly Family[] = ['arithmetic', 'facts', 'copying', 'classify', 'instructions'];

export interface CorpusOptions {
  seed: number;
  /** The families to mix, each equally often (default: all). */
  families?: readonly Family[];
}

export interface Corpus {
  readonly seed: number;
  readonly world: World;
  /** The families sample() and generate() mix. */
  readonly families: readonly Family[];
  /** One fresh example from either side of the split: of `family` if given, else of a random mixed family. */
  sample(rng: Random, family?: Family): Example;
  /** `count` examples from one side of the split; the same (count, split, seed) always gives the same list. */
  generate(count: number, split: Split, seed?: number): Example[];
  /** Which side of the split an example's user turn is on. */
  splitOf(example: Example): Split;
  /** Exact match after trimming whitespace at both ends. */
  isCorrect(example: Example, completion: string): boolean;
}

/** Draws allowed per requested example before generate() gives up (about 10 are needed per held-out one). */
const drawsPerExample = 200;

function checkOptions(options: CorpusOptions): readonly Family[] {
  if (!Number.isSafeInteger(options.seed)) throw new BadInputError(`corpus seed ${options.seed} is not an integer; give a whole number such as 1`);
  const chosen = options.families ?? families;
  if (chosen.length === 0) throw new BadInputError(`corpus families is empty; name at least one of ${families.join(', ')}`);
  for (const family of chosen) {
    if (!families.includes(family)) throw new BadInputError(`unknown corpus family ${JSON.stringify(family)}; use one of ${families.join(', ')}`);
  }
  return [...new Set(chosen)];
}

export function makeCorpus(options: CorpusOptions): Corpus {
  const mixed = checkOptions(options);
  const seed = options.seed;
  const world = makeWorld(seed);
  const sources: Readonly<Record<Family, FamilySource>> = {
    arithmetic: makeArithmetic(seed),
    facts: makeFacts(world, seed),
    copying: makeCopying(seed),
    classify: makeClassify(world, seed),
    instructions: makeInstructions(world, seed),
  };

  const sample = (rng: Random, family?: Family): Example => sources[family ?? rng.pick(mixed)].draw(rng);
  const splitOf = (example: Example): Split => sources[example.family].splitOf(example.user);

  function generate(count: number, split: Split, streamSeed = 0): Example[] {
    if (!Number.isSafeInteger(count) || count < 0) throw new BadInputError(`example count ${count} is not a whole number >= 0`);
    const rng = new Random(`corpus:${seed}:${split}:${streamSeed}`);
    const out: Example[] = [];
    const maxDraws = count * drawsPerExample + 1000;
    for (let draws = 0; out.length < count; draws++) {
      if (draws >= maxDraws) {
        throw new BadInputError(`found only ${out.length} of ${count} ${split} examples in ${maxDraws} draws from ${mixed.join(', ')}; ask for fewer`);
      }
      const example = sample(rng);
      if (splitOf(example) === split) out.push(example);
    }
    return out;
  }

  return {
    seed,
    world,
    families: mixed,
    sample,
    generate,
    splitOf,
    isCorrect: (example, completion) => completion.trim() === example.assistant.trim(),
  };
}
