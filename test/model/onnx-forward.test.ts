/**
 * ONNX forward passes against tfjs's forward on the same weights, for what the goldens do not cover:
 * a left-padded batch with a mask and positions, a KV cache split across two calls, input
 * embeddings, logits at chosen positions, and a steering vector added at a hook point.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../../src/model/checkpoint.js';
import { steeringHook } from '../../src/model/hooks.js';
import { onnxForward } from '../../src/model/onnx-forward.js';
import { embedTokens, forward } from '../../src/model/transformer.js';
import { maxAbsDiff, useBackend } from '../helpers/backend.js';

await useBackend();
const tolerance = 1e-4;
const rows = [
  [0, 0, 0, 5, 17, 200, 3, 9],
  [4, 8, 15, 16, 23, 42, 7, 1],
];
const mask = rows.map((r, b) => r.map((_, i) => (b === 0 && i < 3 ? 0 : 1)));
const positions = mask.map((m) => {
  let p = 0;
  return m.map((real) => (real ? p++ : 0));
});

for (const arch of ['gpt2', 'llama', 'qwen2']) {
  const dir = join(import.meta.dirname, '..', 'fixtures', `tiny-${arch}-f32`);
  const model = await loadModel(dir, { tokenizer: false });
  const reference = async (options: Parameters<typeof forward>[2], ids = rows) => {
    const t = tf.tidy(() => forward(model, tf.tensor2d(ids, [ids.length, ids[0]!.length], 'int32'), options).logits!);
    const data = await t.data();
    t.dispose();
    return data;
  };

  test(`${arch}: left padding, mask and positions match tfjs`, async () => {
    const want = await reference({ attentionMask: tf.tensor2d(mask), positions: tf.tensor2d(positions, undefined, 'int32') });
    const got = await onnxForward(model, { ids: rows, mask, positions });
    assert.ok(maxAbsDiff(got.logits!.data, want) < tolerance);
  });

  test(`${arch}: a KV cache split over two calls gives the logits of one call`, async () => {
    const whole = await onnxForward(model, { ids: rows, mask, positions }, { logits: 'last' });
    const first = await onnxForward(model, { ids: rows.map((r) => r.slice(0, 5)), mask: mask.map((m) => m.slice(0, 5)), positions: positions.map((p) => p.slice(0, 5)) }, { returnKv: true });
    assert.equal(first.kv!.length, 5);
    const second = await onnxForward(model, { ids: rows.map((r) => r.slice(5)), mask, positions: positions.map((p) => p.slice(5)), past: first.kv! }, { logits: 'last' });
    assert.deepEqual(second.logits!.dims, [2, 1, model.config.vocabSize]);
    assert.ok(maxAbsDiff(second.logits!.data, whole.logits!.data) < tolerance);
  });

  test(`${arch}: input embeddings and a logits range match tfjs`, async () => {
    const embeds = tf.tidy(() => embedTokens(model, tf.tensor2d(rows, undefined, 'int32')));
    const data = (await embeds.data()) as Float32Array;
    const want = await reference({ logits: [2, 3] });
    const got = await onnxForward(model, { embeds: { data, dims: embeds.shape.slice() } }, { logits: [2, 3] });
    embeds.dispose();
    assert.deepEqual(got.logits!.dims, [2, 3, model.config.vocabSize]);
    assert.ok(maxAbsDiff(got.logits!.data, want) < tolerance);
  });

  test(`${arch}: a steering vector at a hook point matches tfjs's steering hook`, async () => {
    const D = model.config.dModel;
    const vector = Float32Array.from({ length: D }, (_, i) => Math.sin(i) * 2);
    const hook = 'blocks.1.hook_resid_pre';
    const v = tf.tensor1d(vector);
    const want = await reference({ hooks: { [hook]: steeringHook(v) } });
    v.dispose();
    const steer = new Float32Array(rows.length * rows[0]!.length * D);
    for (let i = 0; i < steer.length; i++) steer[i] = vector[i % D]!;
    const got = await onnxForward(model, { ids: rows, steer: { [hook]: { data: steer, dims: [rows.length, rows[0]!.length, D] } } });
    const plain = await reference({});
    assert.ok(maxAbsDiff(got.logits!.data, want) < tolerance);
    assert.ok(maxAbsDiff(got.logits!.data, plain) > 1e-2, 'the vector changes the logits');
  });
}
