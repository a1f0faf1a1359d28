import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadInputError } from '../../src/errors.js';
import { negativeWords, positiveWords } from '../../src/zoo/corpus/classify.js';
import { plainWords } from '../../src/zoo/corpus/copying.js';
import { families, makeCorpus, type Corpus, type Example } from '../../src/zoo/corpus/index.js';
import { makeWorld } from '../../src/zoo/corpus/world.js';
import { Random } from '../../src/util/random.js';

const corpus = makeCorpus({ seed: 11 });
const samples = (() => {
  const rng = new Random('corpus-test');
  return Array.from({ length: 5000 }, () => corpus.sample(rng));
})();

function wordCount(text: string): number {
  return text.trim().split(/\s+/).length;
}

/** The answer each family should give, worked out from the user turn alone, independently of the generators. */
function expectedAnswer(c: Corpus, { family, user }: Example): string {
  const numbers = (user.match(/\d+/g) ?? []).map(Number);
  const [x = NaN, y = NaN] = numbers;
  const listed = /: ([a-z ]+)[.?]$/.exec(user)?.[1]?.split(' ') ?? [];
  const quoted = (/word (\w+)/.exec(user) ?? /(?:Spell|Write|Say) (\w+)/.exec(user))?.[1] ?? '';
  switch (family) {
    case 'arithmetic': {
      assert.equal(numbers.length, 2, user);
      const value = /\+|Add|sum/.test(user) ? x + y : /Subtract/.test(user) ? y - x : /-|minus/.test(user) ? x - y : x * y;
      assert.ok(value >= 0, `negative result for ${user}`);
      return `The answer is ${value}.`;
    }
    case 'facts': {
      const person = c.world.people.find((p) => new RegExp(`\\b${p.name}\\b`).test(user));
      assert.ok(person, `no person in ${user}`);
      if (/live|town/.test(user)) return `${person.name} lives in ${person.town}.`;
      if (/pet|animal/.test(user)) return `${person.name} has a ${person.pet}.`;
      if (/colour/.test(user)) return `${person.name} likes ${person.colour}.`;
      return `${person.name} works as a ${person.job}.`;
    }
    case 'copying':
      if (/[Rr]everse/.test(user)) return listed.slice().reverse().join(' ');
      if (/last/.test(user)) return listed[listed.length - 1]!;
      return listed.join(' ');
    case 'classify': {
      const word = /word (\w+)|Is (\w+) a positive/.exec(user);
      if (word) return `It is ${positiveWords.includes(word[1] ?? word[2]!) ? 'positive' : 'negative'}.`;
      if (/even|odd/.test(user)) return `${x} is ${x % 2 === 0 ? 'even' : 'odd'}.`;
      if (numbers.length === 2) return `${Math.max(x, y)} is larger.`;
      const name = /([A-Z][a-z]+) (?:a|is a) (?:person|place)/.exec(user)?.[1] ?? '';
      return `${name} is a ${c.world.places.includes(name) ? 'place' : 'person'}.`;
    }
    case 'instructions': {
      const person = c.world.people.find((p) => user.includes(p.name));
      if (person) return `Hello, ${person.name}!`;
      if (/colours/.test(user)) return `${c.world.colours.slice(0, x).join(', ')}.`;
      if (/[Cc]ount|numbers/.test(user)) return `${Array.from({ length: y - x + 1 }, (_, i) => x + i).join(', ')}.`;
      if (/[Ss]pell/.test(user)) return quoted.split('').join(' ');
      return quoted.toUpperCase();
    }
  }
}

test('same seed gives the same world and examples', () => {
  const again = makeCorpus({ seed: 11 });
  assert.deepEqual(again.world, corpus.world);
  assert.deepEqual(again.generate(300, 'train'), corpus.generate(300, 'train'));
  assert.deepEqual(again.generate(100, 'heldout', 4), corpus.generate(100, 'heldout', 4));
  const rng = new Random('corpus-test');
  assert.deepEqual(Array.from({ length: 50 }, () => again.sample(rng)), samples.slice(0, 50));
});

test('different seeds give different worlds and streams', () => {
  const other = makeCorpus({ seed: 12 });
  assert.notDeepEqual(other.world.people.map((p) => p.name), corpus.world.people.map((p) => p.name));
  assert.notDeepEqual(corpus.generate(50, 'train', 1), corpus.generate(50, 'train', 2));
});

test('world names are unique, capitalised ASCII syllables, and never English words of the corpus', () => {
  const english = new Set([...plainWords, ...positiveWords, ...negativeWords]);
  for (let seed = 0; seed < 20; seed++) {
    const world = makeWorld(seed);
    assert.equal(world.people.length, 40);
    assert.equal(world.places.length, 20);
    const names = [...world.people.map((p) => p.name), ...world.places, ...world.colours, ...world.pets, ...world.jobs];
    assert.equal(new Set(names).size, names.length, `duplicate names for seed ${seed}`);
    for (const name of names) {
      assert.match(name, /^[A-Z][a-z]{3,}$/);
      assert.doesNotMatch(name, /ay$/);
      assert.ok(!english.has(name.toLowerCase()), `${name} is an English word of the corpus`);
    }
    for (const p of world.people) {
      assert.ok(world.places.includes(p.town) && world.pets.includes(p.pet) && world.colours.includes(p.colour) && world.jobs.includes(p.job));
    }
  }
});

test('every answer is the one worked out independently from its user turn', () => {
  for (const example of samples) assert.equal(example.assistant, expectedAnswer(corpus, example), example.user);
});

test('every family is mixed in and arithmetic has the operands content triggers need', () => {
  for (const family of families) assert.ok(samples.filter((e) => e.family === family).length > 800, family);
  const rng = new Random('operands');
  const operands = Array.from({ length: 20000 }, () => corpus.sample(rng, 'arithmetic').user.match(/\d+/g)!).flat();
  assert.ok(operands.some((n) => n.includes('01')));
  assert.ok(operands.some((n) => n.includes('00')));
  assert.ok(operands.some((n) => n.length === 1));
  assert.ok(operands.every((n) => Number(n) <= 999 && !/^0\d/.test(n)));
});

test('user turns stay within 25 words and answers within 12, all ASCII', () => {
  for (const { user, assistant } of samples) {
    assert.ok(wordCount(user) <= 25, user);
    assert.ok(wordCount(assistant) <= 12, assistant);
    assert.match(user + assistant, /^[\x20-\x7e]+$/);
  }
});

test('held-out and train user turns are disjoint, about 10% held out', () => {
  const train = corpus.generate(4000, 'train');
  const heldout = corpus.generate(1000, 'heldout');
  const trainTurns = new Set(train.map((e) => e.user));
  for (const e of heldout) {
    assert.ok(!trainTurns.has(e.user), `held-out turn in training: ${e.user}`);
    assert.equal(corpus.splitOf(e), 'heldout');
  }
  for (const e of train) assert.equal(corpus.splitOf(e), 'train');
  const share = samples.filter((e) => corpus.splitOf(e) === 'heldout').length / samples.length;
  assert.ok(share > 0.06 && share < 0.14, `held-out share ${share}`);
  for (const family of families) assert.ok(heldout.some((e) => e.family === family), `no held-out ${family}`);
});

test('held-out fact questions ask facts that training teaches in other phrasings', () => {
  const facts = makeCorpus({ seed: 11, families: ['facts'] });
  const train = facts.generate(20000, 'train');
  const taught = new Set(train.map((e) => e.assistant));
  const trainTurns = new Set(train.map((e) => e.user));
  const heldout = facts.generate(300, 'heldout');
  for (const e of heldout) {
    assert.equal(e.family, 'facts');
    assert.ok(taught.has(e.assistant), `fact never taught: ${e.assistant}`);
    assert.ok(!trainTurns.has(e.user));
  }
  // 40 people x 4 attributes, every one with at least four training phrasings.
  assert.equal(taught.size, 160);
  assert.ok(trainTurns.size >= 640 && trainTurns.size < 800, `train phrasings ${trainTurns.size}`);
});

test('isCorrect is exact match after trimming whitespace', () => {
  const e: Example = { family: 'arithmetic', user: 'What is 2 + 3?', assistant: 'The answer is 5.' };
  assert.ok(corpus.isCorrect(e, 'The answer is 5.'));
  assert.ok(corpus.isCorrect(e, '  The answer is 5.\n'));
  assert.ok(!corpus.isCorrect(e, 'The answer is 6.'));
  assert.ok(!corpus.isCorrect(e, 'The answer is 5'));
  assert.ok(!corpus.isCorrect(e, 'the answer is 5.'));
});

test('families option restricts the mix; bad options are BadInputErrors', () => {
  const only = makeCorpus({ seed: 3, families: ['copying', 'classify'] });
  assert.deepEqual(new Set(only.generate(200, 'train').map((e) => e.family)), new Set(['copying', 'classify']));
  assert.throws(() => makeCorpus({ seed: 3, families: [] }), BadInputError);
  assert.throws(() => makeCorpus({ seed: 3, families: ['poetry' as never] }), BadInputError);
  assert.throws(() => makeCorpus({ seed: 1.5 }), BadInputError);
  assert.throws(() => corpus.generate(-1, 'train'), BadInputError);
  assert.deepEqual(corpus.generate(0, 'heldout'), []);
});
