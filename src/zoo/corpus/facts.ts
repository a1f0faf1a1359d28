/**
 * Facts: questions about the people of the mini-world ("Where does Tavi live?" → "Tavi lives in Borun.").
 *
 * Facts are memorised knowledge, so holding out whole facts would test nothing a model could know. Instead
 * about half of the facts have exactly one of their five phrasings held out (about 10% of all questions):
 * a held-out question asks a fact the model was trained on, in a phrasing never seen for that fact, and
 * every fact keeps at least four training phrasings. The answer has one form per attribute, whatever the
 * phrasing, so it is a function of the question.
 */
import type { Random } from '../../util/random.js';
import { fill, hashText, type Example, type FamilySource, type Split } from './family.js';
import type { Person, World } from './world.js';

export type Attribute = 'town' | 'pet' | 'colour' | 'job';
export const attributes: readonly Attribute[] = ['town', 'pet', 'colour', 'job'];

const questions: Readonly<Record<Attribute, readonly string[]>> = {
  town: ['Where does {p} live?', 'Which town is {p} from?', 'What is the home town of {p}?', 'Tell me where {p} lives.', 'In which town does {p} live?'],
  pet: ['What pet does {p} have?', 'Which pet does {p} keep?', 'What animal does {p} own?', 'Tell me the pet of {p}.', 'What is the pet of {p}?'],
  colour: [
    'What is the favourite colour of {p}?',
    'Which colour does {p} like best?',
    'What colour does {p} love?',
    'Tell me the favourite colour of {p}.',
    'Name the colour {p} likes.',
  ],
  job: ['What does {p} do for work?', 'What is the job of {p}?', 'What work does {p} do?', 'Tell me the job of {p}.', 'How does {p} earn a living?'],
};

const answers: Readonly<Record<Attribute, string>> = {
  town: '{p} lives in {v}.',
  pet: '{p} has a {v}.',
  colour: '{p} likes {v}.',
  job: '{p} works as a {v}.',
};

/** The held-out phrasing of a fact, or -1 when all its phrasings are for training. */
function heldOutTemplate(person: Person, attribute: Attribute, seed: number): number {
  const h = hashText(`fact\u0000${seed}\u0000${person.name}\u0000${attribute}`);
  return h % 2 === 0 ? Math.floor(h / 2) % questions[attribute].length : -1;
}

export function makeFacts(world: World, seed: number): FamilySource {
  // Every question there is (40 people x 4 attributes x 5 phrasings), with its answer and split.
  const table = new Map<string, { assistant: string; split: Split }>();
  for (const person of world.people) {
    for (const attribute of attributes) {
      const held = heldOutTemplate(person, attribute, seed);
      const assistant = fill(answers[attribute], { p: person.name, v: person[attribute] });
      questions[attribute].forEach((template, index) => {
        table.set(fill(template, { p: person.name }), { assistant, split: index === held ? 'heldout' : 'train' });
      });
    }
  }
  return {
    draw(rng: Random): Example {
      const person = rng.pick(world.people);
      const attribute = rng.pick(attributes);
      const user = fill(rng.pick(questions[attribute]), { p: person.name });
      return { family: 'facts', user, assistant: table.get(user)!.assistant };
    },
    // A turn that is not one of the family's questions (edited by hand, say) counts as held out: never trained on.
    splitOf: (user) => table.get(user)?.split ?? 'heldout',
  };
}
