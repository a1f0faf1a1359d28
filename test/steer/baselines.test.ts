import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { cosine } from '../../src/eval/stats.js';
import { baselineOperators, hessianVectors, jacobianVectors } from '../../src/steer/baselines.js';
import { randomOnSphere } from '../../src/steer/sphere.js';
import { Random } from '../../src/util/random.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { randomModel } from '../helpers/models.js';

await useBackend();

const model = randomModel('llama', 9);
const prompts = [[5, 9, 2, 33, 17, 8], [40, 1, 7], [7, 7, 7, 12, 3]];
const config = { count: 2, R: 4, iterations: 25, source: 0, target: 2, seed: 2 };

describe('baselines', () => {
  test('the top Hessian vector beats random unit vectors on the Rayleigh quotient and matches the Jacobian\'s', async () => {
    const hessian = await hessianVectors(model, prompts, config);
    const jacobian = await jacobianVectors(model, prompts, config);
    for (const set of [hessian, jacobian]) {
      assert.equal(set.vectors.length, 2);
      for (const v of set.vectors) assert.ok(Math.abs(Math.hypot(...v) - 4) < 1e-3);
      assert.ok(Math.abs(cosine(set.vectors[0]!, set.vectors[1]!)) < 1e-4, 'deflation keeps them orthogonal');
      assert.ok(set.meta[0]!.objective! >= set.meta[1]!.objective! * 0.999, 'eigenvalues come in decreasing order');
    }
    const top = hessian.vectors[0]!;
    const ops = baselineOperators(model, prompts, config);
    const rayleigh = async (v: Float32Array) => {
      const value = tf.tidy(() => {
        const u = tf.tensor1d(v.map((x) => x / Math.hypot(...v)));
        return tf.dot(u, ops.hessian(u));
      });
      const out = (await value.data())[0]!;
      value.dispose();
      return out;
    };
    const best = await rayleigh(top);
    assert.ok(Math.abs(best - hessian.meta[0]!.objective!) < 1e-3 * best);
    const rng = new Random(7);
    for (let i = 0; i < 8; i++) {
      const r = randomOnSphere(32, 1, rng);
      const value = await rayleigh((await r.data()) as Float32Array);
      r.dispose();
      assert.ok(best >= value, `random ${i}: ${value} > top ${best}`);
    }
    ops.dispose();
    // for p = 2, q = 1 the Hessian at 0 is 2·JᵀJ: same top direction (up to sign), eigenvalue twice σ²
    assert.ok(Math.abs(cosine(top, jacobian.vectors[0]!)) > 0.95, `cos ${cosine(top, jacobian.vectors[0]!)}`);
    const ratio = hessian.meta[0]!.objective! / jacobian.meta[0]!.objective!;
    assert.ok(Math.abs(ratio - 2) < 0.05, `λ_H / σ² = ${ratio}`);
    assert.equal(hessian.deltas?.length, 2);
  });

  test('leave no tensors behind', async () => {
    assert.equal(await leakedTensors(() => hessianVectors(model, prompts, { ...config, iterations: 3 })), 0);
    assert.equal(await leakedTensors(() => jacobianVectors(model, prompts, { ...config, iterations: 3 })), 0);
  });
});
