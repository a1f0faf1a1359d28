import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../../src/errors.js';
import { generate } from '../../src/model/generate.js';
import type { Hooks } from '../../src/model/hooks.js';
import { steeringHook } from '../../src/model/hooks.js';
import type { LanguageModel } from '../../src/model/language-model.js';
import { argmax } from '../../src/model/sampling.js';
import { forward } from '../../src/model/transformer.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { archs, randomModel } from '../helpers/models.js';

await useBackend();

/** Greedy decoding by recomputing the whole sequence every step: no cache, no padding. */
async function greedyByRecomputation(model: LanguageModel, prompt: number[], steps: number, hooks?: Hooks): Promise<number[]> {
  const seq = prompt.slice();
  for (let i = 0; i < steps; i++) {
    const logits = tf.tidy(() => forward(model, tf.tensor2d([seq], [1, seq.length], 'int32'), { logits: 'last', ...(hooks && { hooks }) }).logits!);
    seq.push(argmax(await logits.data()));
    logits.dispose();
  }
  return seq.slice(prompt.length);
}

const prompts = [[5, 9, 2, 33, 17, 8], [40, 1], [7, 7, 7, 12]];

for (const arch of archs) {
  describe(arch, () => {
    const model = randomModel(arch, 3);

    test('greedy generation with the KV cache equals full recomputation', async () => {
      const expected = await greedyByRecomputation(model, prompts[0]!, 8);
      const got = await generate(model, [prompts[0]!], { maxNewTokens: 8 });
      assert.deepEqual(got.tokens[0], expected);
      assert.deepEqual(got.finish, ['length']);
    });

    test('a left-padded batch equals each prompt alone', async () => {
      const batched = await generate(model, prompts, { maxNewTokens: 6 });
      for (let i = 0; i < prompts.length; i++) {
        const alone = await generate(model, [prompts[i]!], { maxNewTokens: 6 });
        assert.deepEqual(batched.tokens[i], alone.tokens[0], `prompt ${i}`);
      }
    });

    test('hooks act on every generation step', async () => {
      const vector = tf.tidy(() => tf.mul(tf.sin(tf.range(0, model.config.dModel)), 3) as tf.Tensor1D);
      const hooks: Hooks = { 'blocks.0.hook_resid_post': steeringHook(vector) };
      const expected = await greedyByRecomputation(model, prompts[1]!, 6, hooks);
      const got = await generate(model, [prompts[1]!], { maxNewTokens: 6, hooks });
      const plain = await generate(model, [prompts[1]!], { maxNewTokens: 6 });
      assert.deepEqual(got.tokens[0], expected);
      assert.notDeepEqual(got.tokens[0], plain.tokens[0]);
      vector.dispose();
    });

    test('a stop token ends its row and is kept', async () => {
      const free = await generate(model, prompts, { maxNewTokens: 6 });
      const stopAt = free.tokens[0]![2]!;
      const stopped = await generate(model, prompts, { maxNewTokens: 6, stopIds: [stopAt] });
      const first = free.tokens[0]!.indexOf(stopAt);
      assert.deepEqual(stopped.tokens[0], free.tokens[0]!.slice(0, first + 1));
      assert.equal(stopped.finish[0], 'stop');
      // rows that never emit it run to the limit unchanged, though the batch shrank around them
      prompts.forEach((_, i) => {
        const at = free.tokens[i]!.indexOf(stopAt);
        assert.deepEqual(stopped.tokens[i], at < 0 ? free.tokens[i] : free.tokens[i]!.slice(0, at + 1));
      });
    });
  });
}

describe('sampling', () => {
  const model = randomModel('llama', 5, 0.1);
  test('the same seed gives the same samples, another seed others', async () => {
    const options = { maxNewTokens: 12, temperature: 1, seed: 11 };
    const a = await generate(model, prompts, options);
    const b = await generate(model, prompts, options);
    const c = await generate(model, prompts, { ...options, seed: 12 });
    assert.deepEqual(a.tokens, b.tokens);
    assert.notDeepEqual(a.tokens, c.tokens);
  });

  test('top-k 1 is greedy', async () => {
    const greedy = await generate(model, prompts, { maxNewTokens: 5 });
    const topOne = await generate(model, prompts, { maxNewTokens: 5, temperature: 1, topK: 1, seed: 3 });
    assert.deepEqual(topOne.tokens, greedy.tokens);
  });

  test('an empty prompt and an overlong request are clear errors', async () => {
    await assert.rejects(generate(model, [[]]), BadInputError);
    await assert.rejects(generate(model, [[1, 2]], { maxNewTokens: 100 }), /exceeds the model's 48 positions/);
  });

  test('generation leaves no tensors behind, also when a row stops early', async () => {
    await generate(model, prompts, { maxNewTokens: 4 });
    const leaked = await leakedTensors(async () => {
      for (let i = 0; i < 2; i++) await generate(model, prompts, { maxNewTokens: 6, temperature: 1, seed: i, stopIds: [3, 9, 20] });
    });
    assert.equal(leaked, 0);
  });

  test('an aborted signal cancels generation', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(generate(model, prompts, { signal: controller.signal }), /cancelled/);
  });
});
