import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { AdamWConfig } from '../../src/engine/adamw.js';
import { adamwStep, disposeAdamWState, newAdamWState } from '../../src/engine/adamw.js';
import { leakedTensors, maxAbsDiff, useBackend } from '../helpers/backend.js';

await useBackend();

/** Five steps on a changing loss; golden values from torch.optim.AdamW (PyTorch 1.13). */
async function run(config: AdamWConfig): Promise<Float32Array> {
  const init = tf.tensor1d([1, -2, 0.5]);
  const p = tf.variable(init);
  init.dispose();
  const params = new Map([['p', p]]);
  const state = newAdamWState();
  const target = tf.tensor1d([0.3, 0.1, -1.0]);
  const weights = tf.tensor1d([1, 3, 0.5]);
  for (let i = 0; i < 5; i++) {
    const { value, grads } = tf.variableGrads(() => tf.add(tf.sum(tf.mul(tf.square(tf.sub(p, target)), weights)), tf.mul(tf.sum(tf.pow(p, 3)), 0.1 * (i % 2))) as tf.Scalar, [p]);
    adamwStep(params, new Map([['p', grads[p.name]!]]), state, config);
    tf.dispose([value, ...Object.values(grads)]);
  }
  const out = (await p.data()) as Float32Array;
  disposeAdamWState(state);
  tf.dispose([p, target, weights]);
  return out;
}

const base = { lr: 0.1, beta1: 0.9, beta2: 0.98, eps: 1e-8 };

test('AdamW with weight decay matches torch.optim.AdamW', async () => {
  const got = await run({ ...base, weightDecay: 0.1, amsgrad: false });
  assert.ok(maxAbsDiff(got, [0.4753655, -1.4157948, -0.0106453]) < 1e-5, `got ${Array.from(got)}`);
});

test('AMSGrad matches torch.optim.AdamW(amsgrad=True)', async () => {
  const got = await run({ ...base, weightDecay: 0, amsgrad: true });
  assert.ok(maxAbsDiff(got, [0.5124353, -1.5033185, 0.0037692]) < 1e-5, `got ${Array.from(got)}`);
});

test('optimizer steps leave no tensors behind', async () => {
  await run({ ...base, weightDecay: 0.1, amsgrad: true });
  assert.equal(await leakedTensors(() => run({ ...base, weightDecay: 0.1, amsgrad: true })), 0);
});
