import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BadFileError, UnsupportedModelError } from '../../src/errors.js';
import { loadModel, saveModel } from '../../src/model/checkpoint.js';
import { disposeModel } from '../../src/model/language-model.js';
import { openTensorStore } from '../../src/model/tensor-store.js';
import { forward } from '../../src/model/transformer.js';
import { useBackend } from '../helpers/backend.js';

await useBackend();

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const scratch = mkdtempSync(join(tmpdir(), 'tf-checkpoint-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function logitsOf(dir: string): Promise<Float32Array> {
  const model = await loadModel(dir);
  const logits = tf.tidy(() => forward(model, tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32')).logits!);
  const data = (await logits.data()) as Float32Array;
  logits.dispose();
  disposeModel(model);
  return data;
}

for (const name of ['tiny-gpt2-f32', 'tiny-llama-bf16', 'tiny-qwen2-f16']) {
  test(`${name}: saving writes back the same tensor names, shapes, dtypes and bytes`, async () => {
    const source = join(fixtures, name);
    const out = join(scratch, name);
    const model = await loadModel(source);
    await saveModel(model, out);
    disposeModel(model);
    const before = openTensorStore(source);
    const afterSave = openTensorStore(out);
    assert.deepEqual(afterSave.names().sort(), before.names().sort());
    for (const tensor of before.names()) {
      const a = before.entry(tensor);
      const b = afterSave.entry(tensor);
      assert.equal(b.dtype, a.dtype, tensor);
      assert.deepEqual(b.shape, a.shape, tensor);
      assert.deepEqual(afterSave.readFloat32(tensor), before.readFloat32(tensor), tensor);
    }
    before.close();
    afterSave.close();
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')), JSON.parse(readFileSync(join(source, 'config.json'), 'utf8')));
    assert.deepEqual(await logitsOf(out), await logitsOf(source));
  });
}

test('a model saved in another dtype is rounded to it and reloads', async () => {
  const model = await loadModel(join(fixtures, 'tiny-llama-f32'));
  const out = join(scratch, 'as-bf16');
  await saveModel(model, out, { dtype: 'BF16' });
  disposeModel(model);
  const store = openTensorStore(out);
  assert.deepEqual([...store.dtypes()], ['BF16']);
  store.close();
  const a = await logitsOf(out);
  const b = await logitsOf(join(fixtures, 'tiny-llama-f32'));
  const diff = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
  assert.ok(diff > 0 && diff < 0.05, `bf16 rounding moved logits by ${diff}`);
});

/** A copy of a fixture whose config.json is patched. */
function withConfig(name: string, patch: Record<string, unknown>): string {
  const dir = join(scratch, `${name}-${Object.keys(patch).join('-')}`);
  cpSync(join(fixtures, name), dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, ...patch }));
  return dir;
}

test('a config with more layers than the weights names the missing tensor', async () => {
  await assert.rejects(loadModel(withConfig('tiny-llama-f32', { num_hidden_layers: 3 })), (err: Error) => err instanceof BadFileError && /model\.layers\.2\..* is missing/.test(err.message));
});

test('a config with fewer layers than the weights names the unexpected tensor', async () => {
  await assert.rejects(loadModel(withConfig('tiny-gpt2-f32', { n_layer: 1 })), (err: Error) => err instanceof BadFileError && /unexpected tensor transformer\.h\.1\./.test(err.message));
});

test('a config whose sizes disagree with the weights names the tensor and both shapes', async () => {
  await assert.rejects(loadModel(withConfig('tiny-qwen2-f32', { vocab_size: 300 })), (err: Error) => err instanceof BadFileError && /embed_tokens\.weight \[256,64\].*\[300,64\]/.test(err.message));
});

test('an unsupported architecture is named', async () => {
  await assert.rejects(loadModel(withConfig('tiny-llama-f32', { model_type: 'mamba' })), UnsupportedModelError);
});

test('a missing folder and a missing config are clear errors', async () => {
  await assert.rejects(loadModel(join(scratch, 'nope')), /model folder not found/);
  const dir = join(scratch, 'no-config');
  cpSync(join(fixtures, 'tiny-llama-f32'), dir, { recursive: true });
  rmSync(join(dir, 'config.json'));
  await assert.rejects(loadModel(dir), /config\.json: file not found/);
});
