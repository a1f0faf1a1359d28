import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../../src/engine/tidy.js';
import { scoreBehaviour } from '../../src/steer/analysis.js';
import { randomUnitRows } from '../../src/steer/dct-fit.js';
import { objectiveLandscape, percentileOf } from '../../src/steer/landscape.js';
import { trainMelbo } from '../../src/steer/melbo.js';
import { magnitudeObjective } from '../../src/steer/objectives.js';
import { disposePromptBatch, encodePrompts, segmentMatrix } from '../../src/steer/prompts.js';
import { logProbScores, projectionScores, rankedSet } from '../../src/steer/rank.js';
import { hiddenRows, targetShift } from '../../src/steer/shift.js';
import { makeVectorSet } from '../../src/steer/vector-set.js';
import { Random } from '../../src/util/random.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { randomModel } from '../helpers/models.js';

await useBackend();

const prompts = [[5, 9, 2, 33, 17, 8], [40, 1, 7], [7, 7, 7, 12, 3], [20, 21, 22, 23]];
const model = randomModel('gpt2', 5);
const D = model.config.dModel;
const site = { source: 0, target: 2 };

describe('objective landscape', () => {
  test('percentiles count ties half', () => {
    assert.equal(percentileOf(5, [1, 2, 3, 4]), 100);
    assert.equal(percentileOf(0, [1, 2, 3, 4]), 0);
    assert.equal(percentileOf(2, [1, 2, 3, 4]), 37.5);
  });

  test("MELBO's objective matches magnitudeObjective through a steering hook, and a vector drawn like the random ones ranks among them", async () => {
    const vectors = randomUnitRows(3, D, new Random('landscape-v')).map((r, i) => ({ label: `v${i}`, values: Float32Array.from(r, (x) => 3 * x) }));
    const big = { label: 'big', values: Float32Array.from(vectors[0]!.values, (x) => 4 * x) };
    const result = await objectiveLandscape(model, prompts, site, vectors, [big], { randomCount: 40, chat: false });
    assert.equal(result.random.length, 2); // norms 3 and 12
    assert.ok(result.random.every((r) => r.melbo.length === 40 && r.dct.length === 40));
    const batch = encodePrompts(model, prompts, { chat: false, targets: 3 });
    for (const [i, v] of vectors.entries()) {
      const value = tidy(() => {
        const base = hiddenRows(model, batch, 2, batch.targetRows);
        const shift = targetShift(model, batch, { hook: 'blocks.0.hook_resid_post', targetLayer: 2 }, tf.tensor1d(v.values), base);
        return magnitudeObjective(shift, segmentMatrix(batch), 2, 1);
      });
      const expected = (await value.data())[0]!;
      value.dispose();
      assert.ok(Math.abs(result.vectors[i]!.melbo - expected) < 1e-3 * expected, `${result.vectors[i]!.melbo} vs ${expected}`);
      assert.ok(result.vectors[i]!.dct > 0);
      const p = result.vectors[i]!.melboPercentile;
      assert.ok(p >= 0 && p <= 100);
    }
    disposePromptBatch(batch);
    assert.equal(result.probes[0]!.label, 'big');
    assert.ok(Math.abs(result.probes[0]!.norm - 12) < 1e-3);
  });

  test('the same seed gives the same landscape, and nothing leaks', async () => {
    const vectors = [{ label: 'v', values: Float32Array.from(randomUnitRows(1, D, new Random('x'))[0]!) }];
    const run = () => objectiveLandscape(model, prompts, site, vectors, [], { randomCount: 8, chat: false });
    const [a, b] = [await run(), await run()];
    assert.deepEqual(a, b);
    assert.equal(await leakedTensors(run), 0);
  });
});

describe('semi-supervised ranking', () => {
  test('rankedSet orders by score and keeps each vector with its delta; projections are cosines', async () => {
    const rows = randomUnitRows(3, D, new Random('rank')).map((r) => Float32Array.from(r));
    const set = await makeVectorSet(model, { kind: 'melbo', hook: 'blocks.0.hook_resid_post', targetLayer: 2, vectors: rows, deltas: rows.map((r) => r.map((x) => -x)), meta: [{ label: 'a' }, { label: 'b' }, { label: 'c' }] });
    const scores = projectionScores(set, rows[1]!, 'vector');
    assert.ok(Math.abs(scores[1]! - 1) < 1e-6);
    const ranked = rankedSet(set, scores, 'test');
    assert.equal(ranked.meta[0]!.label, 'b');
    assert.deepEqual(ranked.deltas![0], set.deltas![1]);
    assert.ok(Math.abs(projectionScores(set, rows[1]!, 'delta')[1]! + 1) < 1e-6);
    assert.throws(() => projectionScores(set, new Float32Array(3), 'vector'), /wide/);
  });

  test('log p(Y) scores agree with scoreBehaviour\'s (an independent loop) and steering at chosen positions differs from everywhere', async () => {
    const rows = randomUnitRows(2, D, new Random('logp')).map((r) => Float32Array.from(r, (x) => 4 * x));
    const set = await makeVectorSet(model, { kind: 'random', hook: 'blocks.0.hook_resid_post', vectors: rows });
    const target = [3, 4, 5];
    const mine = await logProbScores(model, set, prompts, target, { chat: false });
    const theirs = await scoreBehaviour(model, set, prompts, target, { chat: false, maxNewTokens: 4 });
    for (const s of theirs) assert.ok(Math.abs(s.logProb - mine[s.index]!) < 1e-5);
    const atFirst = await logProbScores(model, set, prompts, target, { chat: false, positions: [0] });
    assert.ok(Math.abs(atFirst[0]! - mine[0]!) > 1e-4);
  });

  test('MELBO steering only at every position a prompt has equals steering everywhere; at one position it differs', async () => {
    const config = { count: 1, steps: 3, R: 2, source: 0, target: 2, seed: 1, chat: false, lr: 0.05 } as const;
    const everywhere = await trainMelbo(model, prompts, config);
    const listed = await trainMelbo(model, prompts, { ...config, positions: [0, 1, 2, 3, 4, 5] });
    const first = await trainMelbo(model, prompts, { ...config, positions: [0] });
    assert.deepEqual(listed.vectors, everywhere.vectors);
    assert.notDeepEqual(first.vectors, everywhere.vectors);
  });
});
