import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { generate } from '../../src/model/generate.js';
import { steeringHook } from '../../src/model/hooks.js';
import { forward } from '../../src/model/transformer.js';
import { caaVector, optimisedVector } from '../../src/steer/supervised.js';
import { disposeForcedBatch, forcedBatch, targetLogProbs } from '../../src/steer/teacher-forcing.js';
import { leakedTensors, maxAbsDiff, useBackend } from '../helpers/backend.js';
import { randomModel } from '../helpers/models.js';

await useBackend();

const prompts = [[5, 9, 2, 33, 17, 8], [40, 1, 7], [7, 7, 7, 12, 3]];
const target = [50, 12, 33];
const hook = 'blocks.0.hook_resid_post';

/** log p(target | prompt) by hand: one prompt at a time, no padding, log-softmax on the host. */
async function logProbByHand(model: ReturnType<typeof randomModel>, vector?: Float32Array): Promise<number> {
  let total = 0;
  for (const prompt of prompts) {
    const seq = [...prompt, ...target];
    const logits = tf.tidy(() => {
      const hooks = vector ? { [hook]: steeringHook(tf.tensor1d(vector)) } : undefined;
      return forward(model, tf.tensor2d([seq], [1, seq.length], 'int32'), { ...(hooks && { hooks }) }).logits!;
    });
    const data = await logits.data();
    logits.dispose();
    const V = model.config.vocabSize;
    let sum = 0;
    target.forEach((id, i) => {
      const row = Array.from(data.slice((prompt.length - 1 + i) * V, (prompt.length + i) * V));
      const max = Math.max(...row);
      const logZ = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
      sum += row[id]! - logZ;
    });
    total += sum / target.length;
  }
  return total / prompts.length;
}

describe('teacher forcing', () => {
  test('targetLogProbs equals a per-prompt hand computation despite left padding', async () => {
    const model = randomModel('gpt2', 2);
    const batch = forcedBatch(model, prompts, target);
    const value = tf.tidy(() => tf.mean(targetLogProbs(model, batch)));
    const got = (await value.data())[0]!;
    const expected = await logProbByHand(model);
    assert.ok(Math.abs(got - expected) < 1e-4, `${got} vs ${expected}`);
    value.dispose();
    disposeForcedBatch(batch);
  });
});

describe('optimised vector', () => {
  test('training makes a fixed 3-token target more likely, within the ball', async () => {
    const model = randomModel('llama', 4);
    const logps: number[] = [];
    const set = await optimisedVector(model, prompts, target, { R: 6, steps: 30, lr: 0.1, hook, seed: 1 }, { onProgress: (p) => logps.push(p.logProb) });
    const vector = set.vectors[0]!;
    const norm = Math.sqrt(vector.reduce((s, x) => s + x * x, 0));
    assert.ok(norm <= 6 + 1e-4, `norm ${norm}`);
    const before = await logProbByHand(model);
    const after = await logProbByHand(model, vector);
    assert.ok(after > before + 1, `log p(Y): ${before} -> ${after}`);
    assert.ok(Math.abs(after - set.meta[0]!.objective!) < 1e-3, 'the recorded objective is log p(Y) under the final vector');
    assert.equal(set.meta[0]!.history!.length, 30);
    assert.ok(logps[29]! > logps[0]!);
    assert.equal(set.kind, 'optimised');
  });

  test('leaves no tensors behind', async () => {
    const model = randomModel('qwen2', 4);
    assert.equal(await leakedTensors(() => optimisedVector(model, prompts, target, { steps: 3, hook })), 0);
  });
});

describe('CAA', () => {
  test('equals a hand-computed mean difference over completion tokens', async () => {
    const model = randomModel('qwen2', 6);
    const set = await caaVector(model, prompts, target, { hook });
    const clean = await generate(model, prompts, { maxNewTokens: target.length });
    const D = model.config.dModel;
    /** Mean activation at the hook over the completion's positions, one sequence alone. */
    const meanOver = async (prompt: number[], completion: number[]) => {
      const seq = [...prompt, ...completion];
      const act = tf.tidy(() => forward(model, tf.tensor2d([seq], [1, seq.length], 'int32'), { cache: [hook] }).cache[hook]!);
      const data = await act.data();
      act.dispose();
      const out = new Float64Array(D);
      for (let t = prompt.length; t < seq.length; t++) for (let i = 0; i < D; i++) out[i]! += data[t * D + i]! / completion.length;
      return out;
    };
    const expected = new Float64Array(D);
    for (const [i, prompt] of prompts.entries()) {
      const pos = await meanOver(prompt, target);
      const neg = await meanOver(prompt, clean.tokens[i]!);
      for (let d = 0; d < D; d++) expected[d]! += (pos[d]! - neg[d]!) / prompts.length;
    }
    assert.equal(set.kind, 'caa');
    assert.equal(set.hook, hook);
    assert.ok(maxAbsDiff(set.vectors[0]!, expected) < 1e-4, `max diff ${maxAbsDiff(set.vectors[0]!, expected)}`);
  });
});
