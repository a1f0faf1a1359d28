/**
 * Logits and every hidden state against the independent PyTorch implementation
 * (../shared/reference/torch_ref.py, itself checked against Hugging Face transformers), for tiny
 * random gpt2, llama (GQA, untied head) and qwen2 (q/k/v biases, tied head) checkpoints stored in
 * F32, F16 and BF16. Fixtures and golden values: scripts/golden/make-fixtures.sh.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { forward } from '../../src/model/transformer.js';
import { maxAbsDiff, useBackend } from '../helpers/backend.js';
import { goldenArchs, goldenDtypes, loadGoldenCase } from '../helpers/golden.js';

const tolerance = 1e-4;

await useBackend();

for (const arch of goldenArchs) {
  for (const dtype of goldenDtypes) {
    test(`${arch} ${dtype}: logits and hidden states match torch_ref within ${tolerance}`, async () => {
      const { golden, ids, model, names } = await loadGoldenCase(arch, dtype);
      const out = tf.tidy(() => {
        const r = forward(model, tf.tensor2d([ids], [1, ids.length], 'int32'), { cache: names });
        return { logits: r.logits!, hidden: names.map((n) => r.cache[n]!) };
      });
      const logitsDiff = maxAbsDiff(await out.logits.data(), golden.logits.flat());
      assert.ok(logitsDiff < tolerance, `logits differ by ${logitsDiff}`);
      assert.equal(out.hidden.length, golden.hidden.length);
      for (let i = 0; i < names.length; i++) {
        const diff = maxAbsDiff(await out.hidden[i]!.data(), golden.hidden[i]!.flat());
        assert.ok(diff < tolerance, `hidden_states[${i}] differs by ${diff}`);
      }
      tf.dispose([out.logits, ...out.hidden]);
    });
  }
}
