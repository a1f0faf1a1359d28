import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { sampleArithmetic, sampleSteered } from '../../src/backsample/arithmetic.js';
import { beamSearch } from '../../src/backsample/beam.js';
import { sampleGuided } from '../../src/backsample/guided.js';
import { readTurn, startOf } from '../../src/steer/start.js';
import type { Guide } from '../../src/backsample/steering.js';
import { hiddenStateHook } from '../../src/model/hooks.js';
import { tidy } from '../../src/engine/tidy.js';
import { BadInputError, CancelledError } from '../../src/errors.js';
import { cosine } from '../../src/eval/stats.js';
import { generate } from '../../src/model/generate.js';
import { forward } from '../../src/model/transformer.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { chatModel } from '../helpers/chat-model.js';

await useBackend();
const model = await chatModel();
const tokenizer = model.tokenizer!;
const D = model.config.dModel;
const header = startOf(model, 'header');

const thetaY = { hook: 'blocks.0.hook_resid_post', vector: Float32Array.from({ length: D }, (_, i) => 3 * Math.sin(1.7 * i + 1)) };
const zeroClean = { hook: 'blocks.0.hook_resid_post', vector: new Float32Array(D) };
const guide: Guide = { direction: Float32Array.from({ length: D }, (_, i) => Math.cos(0.9 * i)), layer: 1 };

async function plain(rows: number, options: Parameters<typeof generate>[2]) {
  const g = await generate(model, Array.from({ length: rows }, () => header.tokens), { stopIds: header.stopIds, ...options });
  return g.tokens.map((t) => readTurn(tokenizer, header, t).tokens);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** cos(h, direction) at hidden_states[layer] for each chosen token, by one full forward of start + turn. */
async function referenceCos(tokens: number[], g: Guide): Promise<number[]> {
  const ids = [...header.tokens, ...tokens];
  const hook = hiddenStateHook(model.config.nLayers, g.layer);
  const act = tidy(() => forward(model, tf.tensor2d([ids], [1, ids.length], 'int32'), { cache: [hook] }).cache[hook]!);
  const values = await act.data();
  act.dispose();
  return tokens.map((_, i) => cosine(values.slice((header.tokens.length + i) * D, (header.tokens.length + i + 1) * D), g.direction));
}

describe('steering arithmetic', () => {
  test('α = 0 with θ_clean = 0 is plain seeded top-p sampling from the same start', async () => {
    const sets = await sampleArithmetic(model, { clean: zeroClean, y: thetaY }, { alphas: [0], samples: 6, maxNewTokens: 10, seed: 3 });
    assert.equal(sets.length, 1);
    assert.ok(sets[0]!.baseline);
    const reference = await plain(6, { maxNewTokens: 10, temperature: 1, topP: 0.95, seed: 3 });
    assert.deepEqual(sets[0]!.samples.map((s) => s.tokens), reference);
    assert.deepEqual(sets[0]!.samples.map((s) => s.text), reference.map((t) => tokenizer.decode(t, { skipSpecialTokens: true })));
  });

  test('0 joins the α grid, steering changes the samples, and the same seed repeats them', async () => {
    const config = { alphas: [2], samples: 5, maxNewTokens: 8, batchSize: 2, seed: 1 };
    const a = await sampleArithmetic(model, { y: thetaY }, config);
    const b = await sampleArithmetic(model, { y: thetaY }, config);
    const c = await sampleArithmetic(model, { y: thetaY }, { ...config, seed: 2 });
    assert.deepEqual(a.map((s) => [s.alpha, s.baseline]), [[0, true], [2, false]]);
    assert.equal(a[1]!.samples.length, 5);
    assert.deepEqual(a.map((s) => s.samples), b.map((s) => s.samples));
    assert.notDeepEqual(a[0]!.samples, c[0]!.samples);
    assert.notDeepEqual(a[0]!.samples.map((s) => s.tokens), a[1]!.samples.map((s) => s.tokens));
  });

  test('bos start: samples are read as user turns too', async () => {
    const samples = await sampleSteered(model, [], { samples: 3, maxNewTokens: 6, start: 'bos' });
    assert.equal(samples.length, 3);
    for (const s of samples) assert.equal(s.text, tokenizer.decode(s.tokens, { skipSpecialTokens: true }));
  });
});

describe('guided sampling', () => {
  test('β = 0 is plain seeded top-k sampling, draw for draw', async () => {
    const samples = await sampleGuided(model, guide, { beta: 0, topK: 5, samples: 5, maxNewTokens: 12, seed: 2 });
    const reference = await plain(5, { maxNewTokens: 12, temperature: 1, topK: 5, seed: 2 });
    assert.deepEqual(samples.map((s) => s.tokens), reference);
  });

  test('the look-ahead cosine is the cosine of a full forward at each chosen token', async () => {
    for (const g of [guide, { ...guide, layer: 2 }]) {
      const samples = await sampleGuided(model, g, { beta: 3, topK: 4, samples: 6, maxNewTokens: 8, seed: 5 });
      const full = samples.filter((s) => s.finish === 'length'); // every chosen token is in s.tokens
      assert.ok(full.length >= 2, `${full.length} of 6 samples ran to the length limit`);
      for (const sample of full) {
        const cos = await referenceCos(sample.tokens, g);
        assert.ok(Math.abs(mean(cos) - sample.meanCos!) < 1e-4, `layer ${g.layer}: ${mean(cos)} vs ${sample.meanCos}`);
      }
    }
  });

  test('a large β picks tokens whose next activation is closer to the direction', async () => {
    const config = { topK: 8, samples: 8, maxNewTokens: 10, seed: 4 };
    const free = await sampleGuided(model, guide, { ...config, beta: 0 });
    const pulled = await sampleGuided(model, guide, { ...config, beta: 30 });
    const [a, b] = [mean(free.map((s) => s.meanCos!)), mean(pulled.map((s) => s.meanCos!))];
    console.log(`mean cos β=0 ${a.toFixed(3)}, β=30 ${b.toFixed(3)}`);
    assert.ok(b > a + 0.02, `mean cos β=0 ${a.toFixed(3)}, β=30 ${b.toFixed(3)}`);
  });

  test('the same seed gives the same samples, another seed others; batches do not change that', async () => {
    const config = { beta: 4, topK: 4, samples: 5, maxNewTokens: 6, batchSize: 2, seed: 9 };
    const a = await sampleGuided(model, guide, config);
    assert.deepEqual(await sampleGuided(model, guide, config), a);
    assert.notDeepEqual(await sampleGuided(model, guide, { ...config, seed: 10 }), a);
  });
});

describe('beam variant', () => {
  test('width 1 with β = 0 is greedy decoding', async () => {
    const [beam] = await beamSearch(model, guide, { width: 1, beta: 0, topK: 3, maxNewTokens: 10 });
    const [greedy] = await plain(1, { maxNewTokens: 10 });
    assert.deepEqual(beam!.tokens, greedy);
  });

  test('beams come best first, and β pulls them towards the direction', async () => {
    const free = await beamSearch(model, guide, { width: 4, beta: 0, topK: 4, maxNewTokens: 8 });
    const pulled = await beamSearch(model, guide, { width: 4, beta: 30, topK: 4, maxNewTokens: 8 });
    assert.equal(pulled.length, 4);
    for (const set of [free, pulled]) for (let i = 1; i < set.length; i++) assert.ok(set[i - 1]!.score! >= set[i]!.score!);
    assert.ok(mean(pulled.map((s) => s.meanCos!)) > mean(free.map((s) => s.meanCos!)));
  });
});

describe('sampling loops', () => {
  test('leave no tensors behind, and numTensors stays flat from batch to batch', async () => {
    const counts: number[] = [];
    const onProgress = () => counts.push(tf.memory().numTensors);
    assert.equal(await leakedTensors(() => sampleGuided(model, guide, { samples: 6, batchSize: 2, maxNewTokens: 6 }, { steering: [thetaY], onProgress })), 0);
    assert.equal(new Set(counts).size, 1, `tensors after each batch: ${counts}`);
    counts.length = 0;
    assert.equal(await leakedTensors(() => sampleSteered(model, [zeroClean, thetaY], { samples: 6, batchSize: 2, maxNewTokens: 6 }, { onProgress })), 0);
    assert.equal(new Set(counts).size, 1, `tensors after each batch: ${counts}`);
    const steps: number[] = [];
    assert.equal(await leakedTensors(() => beamSearch(model, guide, { width: 3, topK: 3, maxNewTokens: 6 }, { onStep: () => steps.push(tf.memory().numTensors) })), 0);
    assert.ok(steps.length >= 2);
  });

  test('bad input: no samples, vectors of another width, a bad layer, each one line', async () => {
    const oneLine = (pattern: RegExp) => (e: Error) => e instanceof BadInputError && pattern.test(e.message) && !e.message.includes('\n');
    await assert.rejects(sampleSteered(model, [], { samples: 0 }), oneLine(/samples must be a positive whole number, got 0/));
    await assert.rejects(sampleGuided(model, guide, { samples: 0 }), oneLine(/samples must be a positive whole number/));
    const narrow = { hook: thetaY.hook, vector: new Float32Array(16).fill(1) };
    await assert.rejects(sampleArithmetic(model, { y: narrow }), oneLine(/θ_Y is 16 wide but the model's d_model is 32/));
    await assert.rejects(sampleGuided(model, { direction: narrow.vector, layer: 1 }), oneLine(/guide direction is 16 wide/));
    await assert.rejects(sampleGuided(model, { ...guide, layer: 3 }), oneLine(/layer 3 is outside 0..2/));
    await assert.rejects(sampleGuided(model, guide, { maxNewTokens: 500 }), oneLine(/exceeds the model's 128 positions/));
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(sampleGuided(model, guide, { samples: 2 }, { signal: controller.signal }), CancelledError);
  });
});
