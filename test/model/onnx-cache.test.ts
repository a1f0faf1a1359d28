/**
 * Cached ONNX graphs follow the weights: a model folder keeps one file per graph, a second load
 * reuses it, and changed weights (same folder) get a new graph instead of the stale one; a model trained
 * in place is read again on its own; a later graph of a model is built from its weights read again.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../../src/model/checkpoint.js';
import { createModel } from '../../src/model/language-model.js';
import { onnxCacheDir, releaseOnnxSessions } from '../../src/model/onnx-cache.js';
import { onnxForward } from '../../src/model/onnx-forward.js';
import { forward } from '../../src/model/transformer.js';
import { maxAbsDiff, useBackend } from '../helpers/backend.js';

await useBackend();
const scratch = mkdtempSync(join(tmpdir(), 'tf-onnx-cache-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const ids = [[3, 1, 4, 1, 5, 9, 2, 6]];

test('a graph is cached per folder, reused, and replaced when the weights change', async () => {
  const dir = join(scratch, 'llama');
  cpSync(join(import.meta.dirname, '..', 'fixtures', 'tiny-llama-f32'), dir, { recursive: true, filter: (from) => !from.includes('.cache') });
  const cached = () => readdirSync(onnxCacheDir(dir)).filter((f) => f.endsWith('.onnx'));
  const first = await loadModel(dir, { tokenizer: false });
  const before = await onnxForward(first, { ids });
  assert.equal(cached().length, 1);
  await onnxForward(await loadModel(dir, { tokenizer: false }), { ids });
  assert.equal(cached().length, 1, 'a second load reuses the cached graph');

  const changed = createModel(first.config, { ...first.params, wte: tf.mul(first.params.wte, 1.5) as tf.Tensor2D }, { dir });
  const got = await onnxForward(changed, { ids });
  assert.equal(cached().length, 2, 'new weights, new graph');
  const want = tf.tidy(() => forward(changed, tf.tensor2d(ids, undefined, 'int32')).logits!);
  assert.ok(maxAbsDiff(got.logits!.data, await want.data()) < 1e-4, 'logits of the new weights');
  assert.ok(maxAbsDiff(got.logits!.data, before.logits!.data) > 1e-3, 'not the stale graph');
  want.dispose();
});

test('weights trained in place: ORT follows them on its own (an assigned tf.Variable gets new data, the sessions are rebuilt)', async () => {
  const fixture = await loadModel(join(import.meta.dirname, '..', 'fixtures', 'tiny-llama-f32'), { tokenizer: false });
  const wte = tf.variable(fixture.params.wte, true, 'onnx-cache-test/wte');
  const model = createModel(fixture.config, { ...fixture.params, wte: wte as unknown as tf.Tensor2D });
  const before = await onnxForward(model, { ids });
  assert.ok(maxAbsDiff((await onnxForward(model, { ids })).logits!.data, before.logits!.data) < 1e-7, 'unchanged weights: the same session, the same logits');
  wte.assign(tf.mul(wte, 1.5) as tf.Tensor2D); // one training step, as AdamW applies it
  const fresh = await onnxForward(model, { ids });
  const want = tf.tidy(() => forward(model, tf.tensor2d(ids, undefined, 'int32')).logits!);
  assert.ok(maxAbsDiff(fresh.logits!.data, await want.data()) < 1e-4, 'the current weights, without releaseOnnxSessions');
  assert.ok(maxAbsDiff(fresh.logits!.data, before.logits!.data) > 1e-3);
  want.dispose();
  wte.dispose();
  await releaseOnnxSessions(model);
});

test('a later graph of the same model object reads the weights again (no host copy is kept) and matches tfjs', async () => {
  const model = await loadModel(join(import.meta.dirname, '..', 'fixtures', 'tiny-llama-f32'), { tokenizer: false });
  const model2 = createModel(model.config, model.params); // no folder: every graph is built in memory
  await onnxForward(model2, { ids });
  const got = await onnxForward(model2, { ids }, { logits: 'none', hidden: ['blocks.1.hook_resid_pre'] });
  const want = tf.tidy(() => forward(model2, tf.tensor2d(ids, undefined, 'int32'), { cache: ['blocks.1.hook_resid_pre'] }).cache['blocks.1.hook_resid_pre']!);
  assert.ok(maxAbsDiff(got.hidden['blocks.1.hook_resid_pre']!.data, await want.data()) < 1e-4);
  want.dispose();
});
