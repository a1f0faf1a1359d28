import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { steeringHook } from '../../src/model/hooks.js';
import { forward } from '../../src/model/transformer.js';
import { contrastiveObjective, cosinePenalty, magnitudeObjective, magnitudePerPrompt } from '../../src/steer/objectives.js';
import { disposePromptBatch, encodePrompts, segmentMatrix } from '../../src/steer/prompts.js';
import { hiddenRows, targetShift } from '../../src/steer/shift.js';
import { randomOnSphere } from '../../src/steer/sphere.js';
import { cosine } from '../../src/eval/stats.js';
import { Random } from '../../src/util/random.js';
import { useBackend } from '../helpers/backend.js';
import { randomModel } from '../helpers/models.js';

await useBackend();

const model = randomModel('qwen2', 11);
const prompts = [[3, 14, 15, 9, 26], [5, 35], [8, 9, 7, 9, 3, 2, 38]];
const hook = 'blocks.0.hook_resid_post';
const site = { hook, targetLayer: 2 };
const D = model.config.dModel;

/** hidden_states[2] of one prompt alone (no padding), [T][D]. */
async function alone(prompt: number[], theta?: tf.Tensor1D): Promise<number[][]> {
  const h = tf.tidy(() => forward(model, tf.tensor2d([prompt], [1, prompt.length], 'int32'), { stopAt: 2, ...(theta && { hooks: { [hook]: steeringHook(theta) } }) }).hidden);
  const data = await h.data();
  h.dispose();
  return prompt.map((_, t) => Array.from(data.slice(t * D, (t + 1) * D)));
}

/** The blog's formula by hand over each prompt's last k tokens. */
async function byHand(theta: tf.Tensor1D, p: number, q: number, k: number): Promise<{ total: number; perPrompt: number[]; meanShifts: number[][] }> {
  const perPrompt: number[] = [];
  const meanShifts: number[][] = [];
  for (const prompt of prompts) {
    const [base, steered] = [await alone(prompt), await alone(prompt, theta)];
    let sum = 0;
    const mean = new Array<number>(D).fill(0);
    const from = Math.max(0, prompt.length - k);
    for (let t = from; t < prompt.length; t++) {
      const delta = steered[t]!.map((x, i) => x - base[t]![i]!);
      sum += Math.sqrt(delta.reduce((s, x) => s + x * x, 0)) ** p;
      delta.forEach((x, i) => (mean[i] = mean[i]! + x / (prompt.length - from)));
    }
    perPrompt.push(sum ** (1 / q));
    meanShifts.push(mean);
  }
  return { total: perPrompt.reduce((a, b) => a + b, 0), perPrompt, meanShifts };
}

describe('objectives', () => {
  const theta = randomOnSphere(D, 3, new Random(9));
  const batch = encodePrompts(model, prompts, { targets: 3 });
  const segments = segmentMatrix(batch);
  const base = tf.tidy(() => hiddenRows(model, batch, 2, batch.targetRows));

  test('targets are the last 3 tokens of each prompt (fewer for a short one)', () => {
    const T = batch.width;
    assert.equal(T, 7);
    assert.deepEqual(batch.targetRows, [4, 5, 6, 12, 13, 18, 19, 20]);
    assert.deepEqual(batch.targetPrompt, [0, 0, 0, 1, 1, 2, 2, 2]);
    assert.deepEqual(batch.lastRows, [6, 13, 20]);
    const all = encodePrompts(model, prompts, { targets: 'all' });
    assert.equal(all.targetRows.length, 5 + 2 + 7);
    disposePromptBatch(all);
  });

  for (const [p, q] of [[2, 1], [4, 4]] as const) {
    test(`magnitude equals a hand computation for p=${p}, q=${q}`, async () => {
      const expected = await byHand(theta, p, q, 3);
      const [total, perPrompt] = tf.tidy(() => {
        const shift = targetShift(model, batch, site, theta, base);
        return [magnitudeObjective(shift, segments, p, q), magnitudePerPrompt(shift, segments, p, q)];
      });
      const got = (await total!.data())[0]!;
      assert.ok(Math.abs(got - expected.total) <= 1e-4 * expected.total, `${got} vs ${expected.total}`);
      const each = await perPrompt!.data();
      expected.perPrompt.forEach((e, i) => assert.ok(Math.abs(each[i]! - e) <= 1e-4 * e, `prompt ${i}: ${each[i]} vs ${e}`));
      tf.dispose([total!, perPrompt!]);
    });
  }

  test('contrastive objective is the mean pairwise cosine of the prompts\' mean shifts', async () => {
    const { meanShifts } = await byHand(theta, 2, 1, 3);
    let sum = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (i !== j) sum += cosine(meanShifts[i]!, meanShifts[j]!);
    const value = tf.tidy(() => contrastiveObjective(targetShift(model, batch, site, theta, base), segments));
    assert.ok(Math.abs((await value.data())[0]! - sum / 6) < 1e-4);
    value.dispose();
  });

  test('cosine penalty sums squared cosines with earlier rows, 0 with none', async () => {
    const earlier = tf.tensor2d([[1, 0, 0], [0, 2, 0], [1, 1, 0]]);
    const x = tf.tensor1d([3, 4, 12]);
    const value = tf.tidy(() => cosinePenalty(x, earlier));
    const expected = (3 / 13) ** 2 + (4 / 13) ** 2 + (7 / (13 * Math.SQRT2)) ** 2;
    assert.ok(Math.abs((await value.data())[0]! - expected) < 1e-5);
    const none = tf.tidy(() => cosinePenalty(x, undefined));
    assert.equal((await none.data())[0], 0);
    tf.dispose([earlier, x, value, none]);
  });
});
