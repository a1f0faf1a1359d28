/**
 * Copying: repeat a phrase, reverse the order of 3-5 words, say the last word. The words are common short
 * English words, so a small model learns the operation rather than the vocabulary; answers are the bare
 * words without punctuation.
 */
import type { Random } from '../../util/random.js';
import { fill, splitByHash, type Example, type FamilySource } from './family.js';

/**
 * Common short English words, shared with the instructions family. None ends in "ay" (Pig Latin detection
 * counts such words) and none has the consonant-vowel shape of the world's made-up names.
 */
export const plainWords: readonly string[] = [
  'cat', 'dog', 'bird', 'fish', 'tree', 'house', 'river', 'stone', 'book', 'door', 'cup', 'hat', 'box', 'car',
  'road', 'hill', 'lake', 'moon', 'sun', 'star', 'rain', 'snow', 'wind', 'fire', 'lamp', 'chair', 'table',
  'apple', 'bread', 'milk', 'ship', 'boat', 'coin', 'ring', 'bell', 'drum', 'key', 'rope', 'sock', 'shoe',
  'king', 'frog', 'duck', 'goat', 'horse', 'lion', 'bear', 'wolf', 'red', 'blue', 'green', 'big', 'small',
  'old', 'new', 'fast', 'slow', 'cold', 'soft', 'loud', 'dark', 'tall', 'short', 'run', 'jump', 'sing', 'walk',
  'read', 'swim', 'eat', 'sit', 'open',
];

const repeatTemplates = ['Repeat after me: {w}.', 'Please repeat: {w}.', 'Say this back: {w}.'];
const reverseTemplates = ['Reverse the order of these words: {w}.', 'Say these words in reverse order: {w}.', 'Reverse: {w}.'];
const lastTemplates = ['What is the last word in: {w}?', 'Say the last word of: {w}.', 'Which word comes last: {w}?'];

/** `count` distinct words. */
function words(rng: Random, count: number): string[] {
  return rng.shuffle(plainWords).slice(0, count);
}

function repeat(rng: Random): Example {
  const phrase = words(rng, rng.int(2, 5)).join(' ');
  return { family: 'copying', user: fill(rng.pick(repeatTemplates), { w: phrase }), assistant: phrase };
}

function reverse(rng: Random): Example {
  const list = words(rng, rng.int(3, 5));
  return { family: 'copying', user: fill(rng.pick(reverseTemplates), { w: list.join(' ') }), assistant: list.slice().reverse().join(' ') };
}

function last(rng: Random): Example {
  const list = words(rng, rng.int(3, 5));
  return { family: 'copying', user: fill(rng.pick(lastTemplates), { w: list.join(' ') }), assistant: list[list.length - 1]! };
}

export function makeCopying(seed: number): FamilySource {
  const tasks = [repeat, reverse, last];
  return {
    draw: (rng) => rng.pick(tasks)(rng),
    splitOf: (user) => splitByHash(user, seed),
  };
}
