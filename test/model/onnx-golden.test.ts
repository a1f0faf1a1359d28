/**
 * The ONNX export against the same PyTorch goldens as golden.test.ts (torch_ref.py, for tiny gpt2,
 * llama with GQA and an untied head, qwen2 with q/k/v biases and a tied head; F32, F16, BF16), and
 * against tfjs on the same weights: logits and every hidden state within 1e-4.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../../src/model/checkpoint.js';
import { onnxForward } from '../../src/model/onnx-forward.js';
import { forward } from '../../src/model/transformer.js';
import { maxAbsDiff, useBackend } from '../helpers/backend.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const tolerance = 1e-4;

await useBackend();

for (const arch of ['gpt2', 'llama', 'qwen2']) {
  for (const dtype of ['f32', 'f16', 'bf16']) {
    test(`${arch} ${dtype}: ONNX logits and hidden states match torch_ref and tfjs within ${tolerance}`, async () => {
      const dir = join(fixtures, `tiny-${arch}-${dtype}`);
      const golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as { logits: number[][]; hidden: number[][][] };
      const ids = readFileSync(join(dir, 'golden-ids.txt'), 'utf8').trim().split(',').map(Number);
      const model = await loadModel(dir, { tokenizer: false });
      const L = model.config.nLayers;
      const names = [...Array.from({ length: L }, (_, l) => `blocks.${l}.hook_resid_pre`), 'ln_final'];
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
