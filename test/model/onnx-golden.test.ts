/**
 * The ONNX export against the same PyTorch goldens as golden.test.ts (torch_ref.py, for tiny gpt2,
 * llama with GQA and an untied head, qwen2 with q/k/v biases and a tied head; F32, F16, BF16), and
 * against tfjs on the same weights: logits and every hidden state within 1e-4.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { onnxForward } from '../../src/model/onnx-forward.js';
import { forward } from '../../src/model/transformer.js';
import { maxAbsDiff, useBackend } from '../helpers/backend.js';
import { goldenArchs, goldenDtypes, loadGoldenCase } from '../helpers/golden.js';

const tolerance = 1e-4;

await useBackend();

for (const arch of goldenArchs) {
  for (const dtype of goldenDtypes) {
    test(`${arch} ${dtype}: ONNX logits and hidden states match torch_ref and tfjs within ${tolerance}`, async () => {
      const { golden, ids, model, names } = await loadGoldenCase(arch, dtype);
      const ort = await onnxForward(model, { ids: [ids] }, { hidden: names });
      const logitsDiff = maxAbsDiff(ort.logits!.data, golden.logits.flat());
      assert.ok(logitsDiff < tolerance, `logits differ from torch_ref by ${logitsDiff}`);
      names.forEach((name, i) => {
        const diff = maxAbsDiff(ort.hidden[name]!.data, golden.hidden[i]!.flat());
        assert.ok(diff < tolerance, `hidden_states[${i}] differs from torch_ref by ${diff}`);
      });
      const ref = tf.tidy(() => forward(model, tf.tensor2d([ids], [1, ids.length], 'int32')).logits!);
      const tfjsDiff = maxAbsDiff(ort.logits!.data, await ref.data());
      ref.dispose();
      assert.ok(tfjsDiff < tolerance, `logits differ from tfjs by ${tfjsDiff}`);
    });
  }
}
