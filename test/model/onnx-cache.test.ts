/**
 * Cached ONNX graphs follow the weights: a model folder keeps one file per graph, a second load
 * reuses it, and changed weights (same folder) get a new graph instead of the stale one.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../../src/model/checkpoint.js';
import { createModel } from '../../src/model/language-model.js';
import { onnxCacheDir } from '../../src/model/onnx-cache.js';
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
