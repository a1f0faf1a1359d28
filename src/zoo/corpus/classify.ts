/**
 * Classification: the sentiment of a word from fixed lists, even or odd, the larger of two numbers, and
 * whether a world name is a person or a place. Each answer has one form per sub-task, whatever the phrasing.
 */
import type { Random } from '../../util/random.js';
import { fill, splitByHash, type Example, type FamilySource } from './family.js';
import type { World } from './world.js';

export const positiveWords: readonly string[] = [
  'good', 'happy', 'great', 'kind', 'bright', 'lovely', 'nice', 'calm', 'brave', 'joyful',
  'sweet', 'friendly', 'cheerful', 'gentle', 'wonderful', 'pleasant', 'excellent', 'proud', 'glad', 'fine',
];
export const negativeWords: readonly string[] = [
  'bad', 'sad', 'angry', 'cruel', 'awful', 'terrible', 'nasty', 'bitter', 'rude', 'gloomy',
  'ugly', 'mean', 'horrible', 'painful', 'lonely', 'weak', 'evil', 'sick', 'dull', 'grim',
];

const sentimentTemplates = ['Is the word {w} positive or negative?', 'Is {w} a positive or a negative word?', 'Tell me if the word {w} is positive or negative.'];
const parityTemplates = ['Is {n} even or odd?', 'Is the number {n} odd or even?', 'Tell me if {n} is even or odd.'];
const largerTemplates = ['Which is larger, {a} or {b}?', 'Which number is bigger: {a} or {b}?', 'Pick the larger number: {a} or {b}.'];
const kindTemplates = ['Is {x} a person or a place?', 'Is {x} a place or a person?', 'Tell me if {x} is a person or a place.'];

function sentiment(rng: Random): Example {
  const positive = rng.chance(0.5);
  const word = rng.pick(positive ? positiveWords : negativeWords);
  return { family: 'classify', user: fill(rng.pick(sentimentTemplates), { w: word }), assistant: `It is ${positive ? 'positive' : 'negative'}.` };
}

function parity(rng: Random): Example {
  const n = rng.int(0, 999);
  return { family: 'classify', user: fill(rng.pick(parityTemplates), { n }), assistant: `${n} is ${n % 2 === 0 ? 'even' : 'odd'}.` };
}

function larger(rng: Random): Example {
  const a = rng.int(0, 999);
  let b = rng.int(0, 998);
  if (b >= a) b++; // never equal, so "the larger" always exists
  return { family: 'classify', user: fill(rng.pick(largerTemplates), { a, b }), assistant: `${Math.max(a, b)} is larger.` };
}

function personOrPlace(rng: Random, world: World): Example {
  const person = rng.chance(0.5);
  const name = person ? rng.pick(world.people).name : rng.pick(world.places);
  return { family: 'classify', user: fill(rng.pick(kindTemplates), { x: name }), assistant: `${name} is a ${person ? 'person' : 'place'}.` };
}

export function makeClassify(world: World, seed: number): FamilySource {
  const tasks = [sentiment, parity, larger, (rng: Random) => personOrPlace(rng, world)];
  return {
    draw: (rng) => rng.pick(tasks)(rng),
    splitOf: (user) => splitByHash(user, seed),
  };
}
