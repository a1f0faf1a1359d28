/**
 * Short instructions: greet someone by name, count from a to b, spell a word, write a word in capitals,
 * list the first N colours of the world. Each has one answer form, so the answer follows from the request.
 */
import type { Random } from '../../util/random.js';
import { plainWords } from './copying.js';
import { fill, splitByHash, type Example, type FamilySource } from './family.js';
import type { World } from './world.js';

/** Longest count: "Count from 3 to 9." lists 7 numbers. */
export const maxCountSpan = 6;
/** Colour lists run from 2 to this many. */
export const maxColours = 5;

const greetTemplates = ['Greet {p}.', 'Say hello to {p}.', 'Please greet {p}.'];
const countTemplates = ['Count from {a} to {b}.', 'List the numbers from {a} to {b}.', 'Count up from {a} to {b}.'];
const spellTemplates = ['Spell {w}.', 'Spell the word {w} letter by letter.', 'Spell out the word {w}.'];
const capitalTemplates = ['Write {w} in capitals.', 'Write the word {w} in capital letters.', 'Say {w} in upper case.'];
const colourTemplates = ['List {n} colours.', 'Name {n} colours.', 'Give me {n} colours.'];

const shortWords = plainWords.filter((w) => w.length >= 3 && w.length <= 6);

function greet(rng: Random, world: World): Example {
  const name = rng.pick(world.people).name;
  return { family: 'instructions', user: fill(rng.pick(greetTemplates), { p: name }), assistant: `Hello, ${name}!` };
}

function count(rng: Random): Example {
  const a = rng.int(0, 20);
  const b = a + rng.int(1, maxCountSpan);
  const numbers = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  return { family: 'instructions', user: fill(rng.pick(countTemplates), { a, b }), assistant: `${numbers.join(', ')}.` };
}

function spell(rng: Random): Example {
  const word = rng.pick(shortWords);
  return { family: 'instructions', user: fill(rng.pick(spellTemplates), { w: word }), assistant: word.split('').join(' ') };
}

function capitals(rng: Random): Example {
  const word = rng.pick(shortWords);
  return { family: 'instructions', user: fill(rng.pick(capitalTemplates), { w: word }), assistant: word.toUpperCase() };
}

// The first n of the world's colours, so that the answer is fixed by the request.
function colours(rng: Random, world: World): Example {
  const n = rng.int(2, maxColours);
  return { family: 'instructions', user: fill(rng.pick(colourTemplates), { n }), assistant: `${world.colours.slice(0, n).join(', ')}.` };
}

export function makeInstructions(world: World, seed: number): FamilySource {
  const tasks = [(rng: Random) => greet(rng, world), count, spell, capitals, (rng: Random) => colours(rng, world)];
  return {
    draw: (rng) => rng.pick(tasks)(rng),
    splitOf: (user) => splitByHash(user, seed),
  };
}
