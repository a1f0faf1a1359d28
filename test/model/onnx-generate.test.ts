/**
 * Generation on ONNX Runtime against tfjs's generate on the same weights: greedy and seeded
 * sampling over a left-padded batch whose rows stop at different steps, and steered generation.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadModel } from '../../src/model/checkpoint.js';
import type { GenerateOptions } from '../../src/model/generate.js';
import { generate } from '../../src/model/generate.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';

await useBackend();
const prompts = [[5, 17, 200], [4, 8, 15, 16, 23, 42], [9]];

for (const arch of ['gpt2', 'llama', 'qwen2']) {
  const model = await loadModel(join(import.meta.dirname, '..', 'fixtures', `tiny-${arch}-f32`), { tokenizer: false });
  const both = async (options: GenerateOptions) => {
    const tfjs = await generate(model, prompts, { ...options, engine: 'tfjs' });
    const ort = await generate(model, prompts, { ...options, engine: 'onnx' });
    assert.deepEqual(ort, tfjs);
    return ort;
  };

  test(`${arch}: greedy generation with a stop token equals tfjs`, async () => {
    const greedy = await generate(model, prompts, { maxNewTokens: 12, engine: 'tfjs' });
    const stopAt = greedy.tokens[1]![4]!; // a token row 1 emits, so at least one row stops early
    const out = await both({ maxNewTokens: 12, stopIds: [stopAt] });
    assert.ok(out.finish.includes('stop'));
  });

  test(`${arch}: seeded sampling equals tfjs and depends on the seed`, async () => {
    const a = await both({ maxNewTokens: 10, temperature: 1, topK: 50, seed: 7 });
    const b = await generate(model, prompts, { maxNewTokens: 10, temperature: 1, topK: 50, seed: 8, engine: 'onnx' });
    assert.notDeepEqual(a.tokens, b.tokens);
  });

  test(`${arch}: steered generation equals tfjs and differs from unsteered`, async () => {
    const vector = Float32Array.from({ length: model.config.dModel }, (_, i) => Math.cos(i) * 3);
    const steer = [{ hook: 'blocks.1.hook_resid_pre', vector, scale: 2 }];
    const steered = await both({ maxNewTokens: 8, steer });
    const plain = await generate(model, prompts, { maxNewTokens: 8, engine: 'onnx' });
    assert.notDeepEqual(steered.tokens, plain.tokens);
    await both({ maxNewTokens: 8, steer: [{ ...steer[0]!, positions: [1, 2, 7] }] });
  });

  test(`${arch}: generation on ORT leaves no tfjs tensors behind`, async () => {
    assert.equal(await leakedTensors(() => generate(model, prompts, { maxNewTokens: 4, engine: 'onnx', steer: [{ hook: 'hook_embed', vector: new Float32Array(model.config.dModel) }] })), 0);
  });
}
