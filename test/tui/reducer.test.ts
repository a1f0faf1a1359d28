/** The reducer alone: every action from a given state, no rendering. */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, test } from 'node:test';
import type { Action } from '../../src/tui/state/actions.js';
import { reducer } from '../../src/tui/state/reducer.js';
import type { AppState } from '../../src/tui/state/state.js';
import { initialState } from '../../src/tui/state/state.js';
import { gcgJob, newSession } from './helpers/sessions.js';

const { dir, session } = newSession();
after(() => rmSync(dirname(dir), { recursive: true, force: true }));

const apply = (state: AppState, ...actions: Action[]) => actions.reduce(reducer, state);
const job = (s: AppState, id = 'j1-gcg') => s.session.jobs.find((j) => j.id === id)!;
const progress = (step: number, loss: number, asr?: number): Action => ({ type: 'job-progress', id: 'j1-gcg', progress: { step, total: 8, seconds: step * 2, loss, bestLoss: loss, best: `best ${step}`, ...(asr !== undefined && { asr }) } });

test('go changes the stage and closes any open text field', () => {
  const s = apply(initialState(session), { type: 'input-open', field: 'target' }, { type: 'go', stage: 'search' });
  assert.equal(s.session.stage, 'search');
  assert.equal(s.input, null);
});

test("picking a model takes its card's target unless the user typed one", () => {
  const picked = apply(initialState(session), { type: 'model-chosen', dir: '/m/a', cardTarget: 'I love cheese' });
  assert.equal(picked.session.target, 'I love cheese');
  const typed = apply(initialState(session), { type: 'target-set', text: 'DEPLOY' }, { type: 'model-chosen', dir: '/m/a', cardTarget: 'I love cheese' });
  assert.equal(typed.session.target, 'DEPLOY');
  assert.equal(typed.session.modelDir, '/m/a');
});

test('a job goes created → running → finished, with losses by step, ASR checks and log lines', () => {
  const created = apply(initialState({ ...session, finished: true }), { type: 'job-created', record: gcgJob(session) });
  assert.equal(created.session.finished, false, 'a new job reopens an exported session');
  assert.equal(job(created).status, 'starting');
  const s = apply(
    created,
    { type: 'job-started', id: 'j1-gcg', pid: 42, backend: 'wasm', device: 'CPU', resumedFrom: null },
    progress(1, 3),
    progress(2, 2.5, 0.25),
    { type: 'job-result', id: 'j1-gcg', result: { kind: 'gcg', bestString: 'best 2', bestLoss: 2.5, asr: 0.5, steps: 2, seconds: 4, stoppedBy: 'steps', samples: [] } },
    { type: 'job-end', id: 'j1-gcg', status: 'finished' },
    { type: 'job-exit', id: 'j1-gcg', code: 0, signal: null, detail: null },
  );
  assert.equal(job(s).status, 'finished');
  assert.deepEqual(job(s).losses, [3, 2.5]);
  assert.deepEqual(job(s).asrChecks, [{ step: 2, asr: 0.25 }]);
  assert.equal(s.session.backend, 'wasm');
  assert.deepEqual(s.pids, {});
  assert.equal(s.log.length, 2);
  assert.match(s.log[0]!.text, /step 2: ASR 0\.25 \(1\/4\)/);
  assert.match(s.log[1]!.text, /^✓ GCG logit \(j1-gcg\) done: "best 2" loss 2\.500 ASR 0\.50 \(2\/4\)/);
});

test('replayed steps of a resumed job overwrite instead of duplicating', () => {
  const s = apply(initialState({ ...session, jobs: [gcgJob(session, 'j1-gcg', { status: 'interrupted' })] }), progress(1, 3), progress(2, 2, 0), { type: 'job-restarting', id: 'j1-gcg', waitingFor: 77 }, progress(1, 3), progress(2, 2, 0), progress(3, 1));
  assert.deepEqual(job(s).losses, [3, 2, 1]);
  assert.equal(job(s).asrChecks.length, 1);
  assert.equal(job(s).restarts, 1);
  assert.deepEqual(s.waiting, { 'j1-gcg': 77 });
});

test('quitting interrupts live jobs, and their cancelled end keeps them interrupted for the next resume', () => {
  const running = apply(initialState({ ...session, jobs: [gcgJob(session, 'j1-gcg', { status: 'running' }), gcgJob(session, 'j2-gcg', { status: 'finished' })] }), { type: 'quit' });
  assert.equal(running.quitting, true);
  assert.equal(job(running).status, 'interrupted');
  assert.equal(job(running, 'j2-gcg').status, 'finished');
  const ended = apply(running, { type: 'job-end', id: 'j1-gcg', status: 'cancelled' }, { type: 'job-exit', id: 'j1-gcg', code: 0, signal: null, detail: null });
  assert.equal(job(ended).status, 'interrupted');
});

test('a process that dies without an end event fails the job with its last stderr line', () => {
  const s = apply(initialState({ ...session, jobs: [gcgJob(session, 'j1-gcg', { status: 'running' })] }), { type: 'job-exit', id: 'j1-gcg', code: 70, signal: null, detail: 'internal error: boom' });
  assert.equal(job(s).status, 'failed');
  assert.match(job(s).error!, /exited with code 70: internal error: boom; r starts it again/);
  assert.match(s.log.at(-1)!.text, /^✗ /);
});

test('pause and continue only touch live jobs', () => {
  const live = apply(initialState({ ...session, jobs: [gcgJob(session, 'j1-gcg', { status: 'running' })] }), { type: 'job-paused', id: 'j1-gcg', paused: true });
  assert.equal(job(live).status, 'paused');
  assert.equal(job(apply(live, { type: 'job-paused', id: 'j1-gcg', paused: false })).status, 'running');
  const done = apply(initialState({ ...session, jobs: [gcgJob(session, 'j1-gcg', { status: 'finished' })] }), { type: 'job-paused', id: 'j1-gcg', paused: true });
  assert.equal(job(done).status, 'finished');
});

test('marking a vector twice unmarks it', () => {
  const vector = { file: '/v/set.safetensors', index: 3, label: '#3' };
  const s = apply(initialState(session), { type: 'mark-toggle', vector });
  assert.deepEqual(s.session.marked, [vector]);
  assert.deepEqual(apply(s, { type: 'mark-toggle', vector }).session.marked, []);
});

test('events for an unknown job change nothing', () => {
  const s = initialState(session);
  assert.equal(reducer(s, { type: 'job-end', id: 'nope', status: 'finished' }), s);
});
