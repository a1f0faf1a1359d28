/**
 * An exported model loads in transformers.js (local folder, remote models off) and its logits match
 * triggerfish's, for gpt2, llama and qwen2 — transformers.js builds its own position ids and empty
 * KV cache, so this checks the graph's interface as well as its numbers.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { AutoModelForCausalLM, Tensor, env } from '@huggingface/transformers';
import { loadModel } from '../../src/model/checkpoint.js';
import { generate } from '../../src/model/generate.js';
import { exportOnnx } from '../../src/model/onnx-export.js';
import { forward } from '../../src/model/transformer.js';
import { maxAbsDiff, useBackend } from '../helpers/backend.js';

await useBackend();
const scratch = mkdtempSync(join(tmpdir(), 'tf-export-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
env.allowRemoteModels = false;
env.localModelPath = scratch;

const ids = [5, 17, 200, 3, 9, 31, 7];

for (const arch of ['gpt2', 'llama', 'qwen2']) {
  test(`${arch}: transformers.js loads the export and gives triggerfish's logits and greedy tokens`, async () => {
    const dir = join(scratch, arch);
    cpSync(join(import.meta.dirname, '..', 'fixtures', `tiny-${arch}-bf16`), dir, { recursive: true, filter: (from) => !from.includes('.cache') });
    const model = await loadModel(dir, { tokenizer: false });
    await exportOnnx(model, dir);
    assert.ok(existsSync(join(dir, 'onnx', 'model.onnx')));
    const hf = await AutoModelForCausalLM.from_pretrained(arch, { dtype: 'fp32', device: 'cpu' });
    const bigIds = new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
    const mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
    const out = (await hf({ input_ids: bigIds, attention_mask: mask })) as { logits: Tensor };
    const want = tf.tidy(() => forward(model, tf.tensor2d([ids], undefined, 'int32')).logits!);
    const diff = maxAbsDiff(out.logits.data as Float32Array, await want.data());
    want.dispose();
    // greedy generation goes through transformers.js's own KV cache handling
    const generated = (await hf.generate({ input_ids: bigIds, attention_mask: mask, max_new_tokens: 6, min_new_tokens: 6, do_sample: false } as never)) as Tensor;
    const ours = await generate(model, [ids], { maxNewTokens: 6, engine: 'tfjs' });
    assert.deepEqual(Array.from(generated.data as BigInt64Array, Number).slice(ids.length), ours.tokens[0]);
    await hf.dispose();
    assert.deepEqual(out.logits.dims, [1, ids.length, model.config.vocabSize]);
    assert.ok(diff < 1e-4, `logits differ by ${diff}`);
  });
}
