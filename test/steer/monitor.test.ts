import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../../src/errors.js';
import { steeringHook } from '../../src/model/hooks.js';
import { randomVectors } from '../../src/steer/analysis.js';
import { monitorAuroc, monitorLibrary, monitorScores } from '../../src/steer/monitor.js';
import { disposePromptBatch, encodePrompts } from '../../src/steer/prompts.js';
import { measureDeltas } from '../../src/steer/shift.js';
import { Random } from '../../src/util/random.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { randomModel } from '../helpers/models.js';

await useBackend();

const model = randomModel('gpt2', 5);
const rng = new Random(12);
const randomPrompts = (n: number) => Array.from({ length: n }, () => Array.from({ length: rng.int(4, 9) }, () => rng.int(1, 63)));
const [training, triggered, clean, reference] = [randomPrompts(8), randomPrompts(12), randomPrompts(12), randomPrompts(12)];
const hook = 'blocks.0.hook_resid_post';

describe('anomaly monitor', () => {
  test('prompts steered by a known vector are told from clean ones (AUROC near 1)', async () => {
    const set = await randomVectors(model, 4, 16, 3, hook); // a strong stand-in for a trigger's effect
    const batch = encodePrompts(model, training);
    const deltas = await measureDeltas(model, batch, { hook, targetLayer: 2 }, set.vectors);
    disposePromptBatch(batch);
    const library = monitorLibrary({ ...set, deltas, targetLayer: 2 });
    const known = tf.tensor1d(set.vectors[0]!);
    const result = await monitorAuroc(model, library, triggered, clean, reference, { triggeredHooks: [[hook, steeringHook(known)]] });
    known.dispose();
    assert.equal(result.triggered.length, 12);
    assert.equal(result.clean.length, 12);
    assert.ok(result.auroc > 0.95, `AUROC ${result.auroc}`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(result.triggered) > mean(result.clean) + 0.3, `triggered ${result.triggered} clean ${result.clean}`);
  });

  test('a set without deltas cannot be a library; scoring leaks nothing', async () => {
    const set = await randomVectors(model, 2, 4, 1, hook);
    assert.throws(() => monitorLibrary(set), BadInputError);
    const library = { deltas: set.vectors, targetLayer: 2 };
    assert.equal(await leakedTensors(() => monitorScores(model, library, clean, reference)), 0);
  });
});
