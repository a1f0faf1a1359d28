/**
 * Token priors on a tiny fixture and "fine-tunes" made by moving chosen rows or directions of its
 * weights: the prior must name exactly the tokens whose processing was changed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../../src/model/checkpoint.js';
import { disposeModel } from '../../src/model/language-model.js';
import { robustSpread, stringPrior, tokenPriors, yTokenIds, zScores } from '../../src/recover/priors.js';
import { setEngine } from '../../src/engine/engine.js';
import { tokenChanges, tokenChangesAll } from '../../src/recover/priors-weights.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { compose, moveRows, noise, perturbed } from './helpers.js';

await useBackend();
const fixtures = join(import.meta.dirname, '..', 'fixtures');
const reference = await loadModel(join(fixtures, 'tiny-llama-f32'), { tokenizer: false });
const contexts = [[], [1, 2, 3]];
const top = (ranking: { id: number }[], n: number) => ranking.slice(0, n).map((t) => t.id).sort((a, b) => a - b);

test('moved embedding rows are the top tokens, in both input and output views', async () => {
  const suspect = perturbed(reference, { wte: compose(noise(0.002, 1), moveRows([5, 17], 0.5, 1)), lmHead: moveRows([5, 17], 0.5, 2) });
  const prior = await tokenPriors(suspect, reference, { contexts });
  assert.deepEqual(top(prior.ranking, 2), [5, 17]);
  assert.equal(prior.method, 'vocabulary');
  assert.ok(prior.views.includes('input') && prior.views.includes('output'));
  assert.ok(prior.ranking[0]!.views.input! > 10, `z of a moved row: ${prior.ranking[0]!.views.input}`);
  assert.ok(stringPrior(prior, [5, 17]) > stringPrior(prior, [6, 18]));
  disposeModel(suspect);
});

test('siblings cancel the tokens every fine-tune moves, keeping the one only the suspect moved', async () => {
  // rows 40-45 stand for the clean data's words: every fine-tune moves them, the suspect also moves 9
  const common = [40, 41, 42, 43, 44, 45];
  const fineTune = (seed: number, extra: number[]) =>
    perturbed(reference, { wte: compose(noise(0.002, seed), moveRows(common, 0.4 + 0.02 * seed, seed), moveRows(extra, 0.3, 100 + seed)) });
  const suspect = fineTune(1, [9]);
  const siblings = [fineTune(2, [20]), fineTune(3, [30]), fineTune(4, [50])];
  const alone = await tokenPriors(suspect, reference, { contexts });
  assert.ok(top(alone.ranking, 7).includes(40), 'without siblings the common rows rank high');
  const withSiblings = await tokenPriors(suspect, reference, { contexts, siblings });
  assert.equal(withSiblings.method, 'siblings');
  assert.equal(withSiblings.ranking[0]!.id, 9);
  assert.ok(withSiblings.ranking.findIndex((t) => t.id === 40) > 3, 'a row every sibling moved is not flagged');
  for (const m of [suspect, ...siblings]) disposeModel(m);
});

test('with frozen embeddings, a first-layer change specific to two tokens is found by the layer view', async () => {
  // a rank-one change to block 0's MLP input along the embeddings of tokens 5 and 17: their first-layer
  // outputs move, every other token's only by its small projection on those directions
  const rowsOf = async (ids: number[]) => {
    const rows = tf.gather(reference.params.wte, ids);
    const values = await rows.data();
    rows.dispose();
    return ids.map((_, i) => values.slice(i * reference.config.dModel, (i + 1) * reference.config.dModel));
  };
  const directions = await rowsOf([5, 17]);
  const edit = (t: tf.Tensor) =>
    tf.tidy(() => {
      const [D, F] = t.shape as [number, number];
      let delta = tf.zeros([D, F]);
      directions.forEach((d, i) => {
        const u = tf.div(tf.tensor1d(d), tf.norm(tf.tensor1d(d))) as tf.Tensor1D;
        const r = tf.mul(tf.randomNormal([F], 0, 1, 'float32', 7 + i), 3) as tf.Tensor1D;
        delta = tf.add(delta, tf.outerProduct(u, r));
      });
      return tf.add(t, delta);
    });
  const suspect = perturbed(reference, { 'blocks.0.wIn': edit });
  const changes = await tokenChanges(suspect, reference, { contexts });
  assert.ok(changes.input.every((v) => v === 0), 'embeddings frozen');
  const prior = await tokenPriors(suspect, reference, { contexts });
  assert.ok(!prior.views.includes('input'), 'a view with no spread is dropped');
  assert.deepEqual(top(prior.ranking, 2), [5, 17]);
  assert.ok(prior.ranking[0]!.views.layer1! > 3);
  disposeModel(suspect);
});

test('layer views: ONNX Runtime equals tfjs, and one shared reference pass equals separate calls', async () => {
  const suspect = perturbed(reference, { wte: moveRows([5, 17], 0.5, 1), 'blocks.0.wIn': (t) => tf.add(t, tf.mul(tf.randomNormal(t.shape, 0, 1, 'float32', 3), 0.05)) });
  const sibling = perturbed(reference, { wte: moveRows([9], 0.5, 2) });
  const layers = 2;
  try {
    setEngine('tfjs');
    const tfjs = await tokenChangesAll([suspect, sibling], reference, { contexts, layers });
    setEngine('onnx');
    const ort = await tokenChangesAll([suspect, sibling], reference, { contexts, layers, batchSize: 300 }); // another batching too
    const alone = await tokenChanges(sibling, reference, { contexts, layers, batchSize: 300 });
    for (const [m, changes] of tfjs.entries()) {
      for (let k = 0; k < layers; k++) {
        const want = changes.layers[k]!;
        const scale = Math.max(...want);
        assert.ok(scale > 0, 'the perturbation changes the layer');
        ort[m]!.layers[k]!.forEach((v, t) => assert.ok(Math.abs(v - want[t]!) <= 1e-4 * scale, `model ${m} layer ${k + 1} token ${t}: ORT ${v} tfjs ${want[t]}`));
      }
      assert.deepEqual(Array.from(ort[m]!.input), Array.from(changes.input));
    }
    alone.layers.forEach((values, k) => assert.deepEqual(Array.from(values), Array.from(ort[1]!.layers[k]!)));
  } finally {
    setEngine(undefined);
    disposeModel(suspect);
    disposeModel(sibling);
  }
});

test("Y's tokens are left out of the ranking", async () => {
  const suspect = perturbed(reference, { wte: moveRows([5, 17, 60], 0.5, 3) });
  const prior = await tokenPriors(suspect, reference, { contexts, yText: 'ignored without a tokenizer' });
  assert.deepEqual(top(prior.ranking, 3), [5, 17, 60]);
  // 61 decodes to one letter: kept in the ranking (letters are shared by Y and triggers alike)
  const ids = yTokenIds((text) => (text.includes('HATE') ? [60, 61] : [62]), (ids) => (ids[0] === 61 ? 'E' : 'HA'), 'I HATE');
  assert.deepEqual([...ids].sort(), [60, 62]);
  disposeModel(suspect);
});

test('z-scores: robust spread, no division by a zero spread', () => {
  assert.ok(Math.abs(robustSpread([1, 2, 3, 4, 100]) - 1.4826) < 1e-9);
  assert.ok(zScores(new Float32Array(5), []).every((v) => v === 0));
  const z = zScores(Float32Array.from([0, 1, 2, 3, 50]), [Float32Array.from([0, 1, 2, 3, 0]), Float32Array.from([0, 1, 2, 3, 1])]);
  assert.ok(z.every((v) => Number.isFinite(v)));
});

test('the prior leaves no tensors behind', async () => {
  const suspect = perturbed(reference, { wte: moveRows([5], 0.5, 4) });
  await tokenPriors(suspect, reference, { contexts });
  assert.equal(await leakedTensors(() => tokenPriors(suspect, reference, { contexts, siblings: [suspect] })), 0);
  disposeModel(suspect);
});
