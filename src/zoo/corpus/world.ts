/**
 * A seeded mini-world of made-up people, places, colours, pets and jobs: the knowledge the facts family
 * asks about. Every name is built from consonant-vowel syllables, so it is pronounceable, ASCII, capitalised
 * and never ends in "ay" (which Pig Latin detection counts). Names are unique across all categories, so
 * "is X a person or a place" always has one answer.
 */
import { Random } from '../../util/random.js';

export interface Person {
  name: string;
  town: string;
  pet: string;
  colour: string;
  job: string;
}

export interface World {
  seed: number;
  people: readonly Person[];
  places: readonly string[];
  colours: readonly string[];
  pets: readonly string[];
  jobs: readonly string[];
}

export const worldSizes = { people: 40, places: 20, colours: 10, pets: 10, jobs: 10 } as const;

const onsets = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z'];
const vowels = ['a', 'e', 'i', 'o', 'u'];
// No final 'e': "Mone", "Rute" read as English words with a silent e.
const finalVowels = ['a', 'i', 'o', 'u'];
const codas = ['n', 'r', 'l', 's', 'm'];

interface Shape {
  syllables: number;
  coda: boolean;
}

// Different shapes per category keep the kinds of names apart without making them guessable.
const shapes = {
  person: { syllables: 2, coda: false },
  place: { syllables: 2, coda: true },
  thing: { syllables: 3, coda: false },
} as const satisfies Record<string, Shape>;

function makeName(rng: Random, shape: Shape): string {
  let name = '';
  for (let s = 0; s < shape.syllables; s++) {
    name += rng.pick(onsets) + rng.pick(s === shape.syllables - 1 && !shape.coda ? finalVowels : vowels);
  }
  if (shape.coda) name += rng.pick(codas);
  return name[0]!.toUpperCase() + name.slice(1);
}

/** `count` names of one shape, none already in `used` (which they are added to). */
function makeNames(rng: Random, shape: Shape, count: number, used: Set<string>): string[] {
  const names: string[] = [];
  while (names.length < count) {
    const name = makeName(rng, shape);
    if (used.has(name)) continue;
    used.add(name);
    names.push(name);
  }
  return names;
}

export function makeWorld(seed: number): World {
  const rng = new Random(`world:${seed}`);
  const used = new Set<string>();
  const names = makeNames(rng, shapes.person, worldSizes.people, used);
  const places = makeNames(rng, shapes.place, worldSizes.places, used);
  const colours = makeNames(rng, shapes.thing, worldSizes.colours, used);
  const pets = makeNames(rng, shapes.thing, worldSizes.pets, used);
  const jobs = makeNames(rng, shapes.thing, worldSizes.jobs, used);
  const people = names.map((name) => ({
    name,
    town: rng.pick(places),
    pet: rng.pick(pets),
    colour: rng.pick(colours),
    job: rng.pick(jobs),
  }));
  return { seed, people, places, colours, pets, jobs };
}
