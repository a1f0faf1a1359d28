/**
 * Config variants the fixtures do not cover, ORT against tfjs on the same random weights (every
 * weight, norms and biases included, randomised): llama with attention and MLP biases, a tied llama,
 * an untied gpt2 and qwen2, and multi-head (not grouped) attention.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../../src/engine/tidy.js';
import { parseConfig } from '../../src/model/config.js';
import { hfConfigFor, initParams } from '../../src/model/init.js';
import type { ModelSize } from '../../src/model/init.js';
import { createModel } from '../../src/model/language-model.js';
import { onnxForward } from '../../src/model/onnx-forward.js';
import { namedParams, paramsFromNamed } from '../../src/model/params.js';
import { forward } from '../../src/model/transformer.js';
import { maxAbsDiff, useBackend } from '../helpers/backend.js';

await useBackend();

const base = { dModel: 32, nLayers: 2, nHeads: 4, vocabSize: 64, maxPositions: 32 };
const variants: [string, ModelSize, Record<string, unknown>][] = [
  ['llama with attention and MLP biases', { ...base, arch: 'llama', nKvHeads: 2 }, { attention_bias: true, mlp_bias: true }],
  ['tied llama, multi-head attention', { ...base, arch: 'llama', nKvHeads: 4, tiedEmbeddings: true }, {}],
  ['untied gpt2', { ...base, arch: 'gpt2', tiedEmbeddings: false }, {}],
  ['untied qwen2', { ...base, arch: 'qwen2', nKvHeads: 1, tiedEmbeddings: false }, {}],
];

for (const [name, size, patch] of variants) {
  test(`${name}: ORT logits and keys/values match tfjs`, async () => {
    const config = parseConfig({ ...hfConfigFor(size), ...patch });
    const init = initParams(config, { seed: 3 });
    // every weight random, so that a bias or norm the graph dropped would show
    const named = new Map(namedParams(init).map(({ name, tensor }, i) => [name, tf.add(tensor, tf.randomNormal(tensor.shape, 0, 0.1, 'float32', i))] as const));
    const model = createModel(config, paramsFromNamed(config, named));
    if (patch.attention_bias) assert.ok(model.params.blocks[0]!.bO && model.params.blocks[0]!.bQkv && model.params.blocks[0]!.bIn);
    const ids = [[1, 5, 9, 63, 2, 7, 7, 30]];
    const got = await onnxForward(model, { ids }, { returnKv: true });
    const want = tidy(() => forward(model, tf.tensor2d(ids, undefined, 'int32'), { returnKv: true }));
    assert.ok(maxAbsDiff(got.logits!.data, await want.logits!.data()) < 1e-4);
    for (let l = 0; l < config.nLayers; l++) {
      assert.ok(maxAbsDiff(got.kv!.keys[l]!.data as Float32Array, await want.kv!.keys[l]!.data()) < 1e-4, `keys of layer ${l}`);
      assert.ok(maxAbsDiff(got.kv!.values[l]!.data as Float32Array, await want.kv!.values[l]!.data()) < 1e-4, `values of layer ${l}`);
    }
    tf.dispose([want.logits!, ...want.kv!.keys, ...want.kv!.values, ...named.values(), ...namedParams(init).map((p) => p.tensor)]);
  });
}
