/** The one vector-training loop: it maximises, projects, reports, stops on a signal, and leaks nothing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { CancelledError } from '../../src/errors.js';
import { toBall } from '../../src/steer/sphere.js';
import type { VectorTraining } from '../../src/steer/train-vector.js';
import { trainVector } from '../../src/steer/train-vector.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';

await useBackend();
const target = [3, 4, 0]; // norm 5: outside the ball of radius 2

/** Maximise −‖θ − target‖² inside the ball of radius 2: the answer is target scaled to norm 2. */
function toy(over: Partial<VectorTraining<Float32Array>> = {}): VectorTraining<Float32Array> {
  return {
    init: tf.tensor1d([0.1, 0, 0]),
    objective: () => ({ value: (theta) => tf.neg(tf.sum(tf.square(tf.sub(theta, tf.tensor1d(target))))) as tf.Scalar }),
    project: (theta) => toBall(theta, 2),
    optimiser: 'adam',
    lr: 0.1,
    steps: 200,
    what: 'toy training',
    finish: async (theta) => (await theta.data()) as Float32Array,
    ...over,
  };
}

test('it climbs the objective and keeps θ in its feasible set', async () => {
  const seen: number[] = [];
  const theta = await trainVector(toy({ onProgress: (p) => seen.push(p.objective) }));
  assert.equal(seen.length, 200);
  assert.ok(seen.at(-1)! > seen[0]!, `objective ${seen[0]} → ${seen.at(-1)}`);
  assert.ok(Math.abs(Math.hypot(...theta) - 2) < 1e-3, `‖θ‖ = ${Math.hypot(...theta)}`);
  assert.ok(theta[0]! > 1 && theta[1]! > 1 && theta[2] === 0, `θ moved towards the target: ${Array.from(theta)}`);
});

test('the same inputs give the same θ; other optimiser settings give another', async () => {
  const a = await trainVector(toy({ steps: 20 }));
  const b = await trainVector(toy({ steps: 20 }));
  const c = await trainVector(toy({ steps: 20, optimiser: { beta1: 0.5, beta2: 0.9, eps: 1e-8, weightDecay: 0, amsgrad: true } }));
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.notDeepEqual(Array.from(a), Array.from(c));
});

test('a per-step objective is disposed each step, the gradient may be reshaped, and nothing leaks', async () => {
  let disposed = 0;
  const leaked = await leakedTensors(() =>
    trainVector(toy({
      steps: 5,
      objective: () => ({ value: (theta) => tf.neg(tf.sum(tf.square(theta))) as tf.Scalar, dispose: () => void disposed++ }),
      gradient: (grad) => tf.mul(grad, tf.tensor1d([1, 0, 0])) as tf.Tensor1D,
    })),
  );
  assert.equal(leaked, 0);
  assert.equal(disposed, 5);
});

test('an aborted signal stops it between steps with a CancelledError naming the loop', async () => {
  const controller = new AbortController();
  await assert.rejects(trainVector(toy({ signal: controller.signal, onProgress: (p) => p.step === 3 && controller.abort() })), (err: unknown) => err instanceof CancelledError && /toy training/.test(err.message));
});
