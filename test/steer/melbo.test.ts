import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { CancelledError } from '../../src/errors.js';
import { cosine } from '../../src/eval/stats.js';
import type { MelboProgress } from '../../src/steer/melbo.js';
import { melboLearningRate, trainMelbo } from '../../src/steer/melbo.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { randomModel } from '../helpers/models.js';

await useBackend();

const prompts = [[5, 9, 2, 33, 17, 8], [40, 1, 7], [7, 7, 7, 12, 3], [20, 21, 22, 23]];
const model = randomModel('llama', 7);
const small = { count: 3, steps: 25, lr: 0.05, R: 2, source: 0, target: 2, seed: 4 };

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

function dot(a: Float32Array, b: Float32Array): number {
  return a.reduce((s, x, i) => s + x * b[i]!, 0);
}

describe('MELBO', () => {
  test('vectors have norm R, are mutually orthogonal (hard) and the objective rises', async (t) => {
    const progress: MelboProgress[] = [];
    const set = await trainMelbo(model, prompts, small, { onProgress: (p) => progress.push(p) });
    assert.equal(set.kind, 'melbo');
    assert.equal(set.vectors.length, 3);
    assert.equal(set.hook, 'blocks.0.hook_resid_post');
    assert.equal(set.targetLayer, 2);
    for (const v of set.vectors) assert.ok(Math.abs(norm(v) - 2) < 1e-4, `norm ${norm(v)}`);
    for (let i = 0; i < 3; i++) for (let j = 0; j < i; j++) assert.ok(Math.abs(dot(set.vectors[i]!, set.vectors[j]!)) < 1e-4, `dot ${i} ${j}`);
    for (const m of set.meta) {
      const h = m.history!;
      assert.equal(h.length, 25);
      assert.ok(h[h.length - 1]! > h[0]! * 1.05, `objective ${h[0]} -> ${h[h.length - 1]}`);
      assert.ok(m.objective! >= h[h.length - 1]! - 1e-3);
    }
    assert.equal(set.deltas?.length, 3);
    assert.equal(progress.length, 75);
    assert.ok(progress.every((p) => p.msPerStep > 0));
    t.diagnostic(`ms per MELBO step (llama d32 L2, 4 prompts of <= 6 tokens, 3 targets): ${(progress.reduce((s, p) => s + p.msPerStep, 0) / progress.length).toFixed(1)}`);
  });

  test('the default learning rate is the reference\'s 1e-3 in its setting and scales so that θ leaves its start', async () => {
    assert.ok(Math.abs(melboLearningRate(4, 2048, 1200) - 1e-3) < 1e-12);
    assert.ok(Math.abs(melboLearningRate(8, 512, 300) - 1e-3 * 2 * 2 * 4) < 1e-12);
    // Zero steps leave θ at its seeded random start; compare where 40 steps take it with each lr.
    const config = { count: 1, R: 2, source: 0, target: 2, seed: 9 };
    const start = (await trainMelbo(model, prompts, { ...config, steps: 0 })).vectors[0]!;
    const moved = (lr?: number) => trainMelbo(model, prompts, { ...config, steps: 40, ...(lr !== undefined && { lr }) }).then((set) => cosine(set.vectors[0]!, start));
    const fixed = await moved(1e-3);
    const scaled = await moved();
    assert.ok(fixed > 0.99, `with lr 1e-3 θ stays at its start (cos ${fixed})`);
    assert.ok(scaled < 0.9, `with the default lr θ travels (cos ${scaled})`);
  });

  test('the same seed gives identical vectors, another seed others', async () => {
    const a = await trainMelbo(model, prompts, { ...small, count: 2, steps: 5 });
    const b = await trainMelbo(model, prompts, { ...small, count: 2, steps: 5 });
    const c = await trainMelbo(model, prompts, { ...small, count: 2, steps: 5, seed: 5 });
    assert.deepEqual(a.vectors, b.vectors);
    assert.notDeepEqual(a.vectors, c.vectors);
  });

  test('numTensors stays flat across steps and nothing leaks', async () => {
    const counts: number[] = [];
    const leaked = await leakedTensors(() =>
      trainMelbo(model, prompts, { ...small, count: 2, steps: 6, orthogonality: 'soft-delta', contrastiveWeight: 0.5 }, { onProgress: () => counts.push(tf.memory().numTensors) }),
    );
    assert.equal(leaked, 0);
    // from the second step on (AdamW creates its slots on the first), every step ends with the same count
    assert.deepEqual(counts.slice(1, 6), Array(5).fill(counts[1]));
    assert.deepEqual(counts.slice(7), Array(5).fill(counts[7]));
  });

  test('soft orthogonality pushes the second vector (or its shift) away from the first', async () => {
    const soft = { ...small, count: 2, steps: 40, orthogonalityWeight: 30 };
    const none = await trainMelbo(model, prompts, { ...soft, orthogonality: 'none' });
    const vector = await trainMelbo(model, prompts, { ...soft, orthogonality: 'soft-vector' });
    const delta = await trainMelbo(model, prompts, { ...soft, orthogonality: 'soft-delta' });
    const cos = (set: typeof none, rows: 'vectors' | 'deltas') => Math.abs(cosine(set[rows]![0]!, set[rows]![1]!));
    assert.ok(cos(none, 'vectors') > 0.9, `without orthogonality both find the top direction: ${cos(none, 'vectors')}`);
    assert.ok(cos(vector, 'vectors') < cos(none, 'vectors') - 0.2, `soft-vector ${cos(vector, 'vectors')}`);
    assert.ok(cos(delta, 'deltas') < cos(none, 'deltas') - 0.2, `soft-delta ${cos(delta, 'deltas')}`);
  });

  test('an aborted signal stops training', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(trainMelbo(model, prompts, small, { signal: controller.signal }), CancelledError);
  });
});
