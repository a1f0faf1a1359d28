/** The CLI as a user runs it: a child process, its stdout, its stderr and its exit code. */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.js';

const root = join(import.meta.dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures');
const scratch = mkdtempSync(join(tmpdir(), 'tf-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function cli(...args: string[]) {
  return runCli(args);
}

/** One line on stderr, no stack trace, a non-zero exit. */
function assertCleanFailure(r: ReturnType<typeof cli>, pattern: RegExp): void {
  assert.notEqual(r.code, 0);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test('info --json describes a fixture checkpoint', () => {
  const r = cli('info', join(fixtures, 'tiny-llama-bf16'), '--json');
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.equal(info.arch, 'llama');
  assert.equal(info.layers, 2);
  assert.equal(info.kvHeads, 2);
  assert.equal(info.dtype, 'BF16');
  assert.equal(info.backend, 'wasm');
  assert.equal(info.parameters, 2 * 256 * 64 + 2 * (2 * 64 + 64 * 128 + 64 * 64 + 3 * 64 * 128) + 64);
});

test('logits --json matches the torch_ref golden values', () => {
  const dir = join(fixtures, 'tiny-qwen2-f32');
  const ids = readFileSync(join(dir, 'golden-ids.txt'), 'utf8').trim();
  const r = cli('logits', dir, '--ids', ids, '--json');
  assert.equal(r.code, 0, r.stderr);
  const ours = JSON.parse(r.stdout) as { logits: number[][]; hidden: number[][][] };
  const golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as typeof ours;
  const diff = Math.max(...ours.logits.flat().map((v, i) => Math.abs(v - golden.logits.flat()[i]!)));
  assert.ok(diff < 1e-4, `max diff ${diff}`);
  assert.equal(ours.hidden.length, golden.hidden.length);
});

const corruptions: [string, (file: string) => void, RegExp][] = [
  ['truncated file', (f) => truncateSync(f, 5), /model\.safetensors/],
  ['absurd header length', (f) => { const b = readFileSync(f); b.writeBigUInt64LE(2n ** 60n, 0); writeFileSync(f, b); }, /header length/],
  ['header not JSON', (f) => { const b = readFileSync(f); b.write('!!!!', 8); writeFileSync(f, b); }, /JSON/],
  ['data cut short', (f) => { const b = readFileSync(f); writeFileSync(f, b.subarray(0, b.length - 100)); }, /model\.safetensors/],
];

for (const [name, corrupt, pattern] of corruptions) {
  test(`info on a checkpoint with ${name} fails with one line and a non-zero exit`, () => {
    const dir = join(scratch, name.replace(/ /g, '-'));
    cpSync(join(fixtures, 'tiny-gpt2-f32'), dir, { recursive: true });
    corrupt(join(dir, 'model.safetensors'));
    assertCleanFailure(cli('info', dir), pattern);
  });
}

test('bad usage is one line with exit code 2', () => {
  const r = cli('logits', join(fixtures, 'tiny-gpt2-f32'), '--ids', '1,x');
  assert.equal(r.code, 2);
  assertCleanFailure(r, /--ids '1,x' must be comma-separated/);
  assertCleanFailure(cli('frobnicate'), /unknown command 'frobnicate'/);
  assertCleanFailure(cli('info', join(fixtures, 'tiny-gpt2-f32'), '--bogus'), /Unknown option '--bogus'/);
});

test('a forced backend that cannot load is a clear error', () => {
  assertCleanFailure(cli('info', join(fixtures, 'tiny-gpt2-f32'), '--backend', 'tensorflow'), /backend 'tensorflow'.*could not load/);
  assertCleanFailure(cli('info', join(fixtures, 'tiny-gpt2-f32'), '--backend', 'quantum'), /TRIGGERFISH_BACKEND=quantum is not a backend/);
});
