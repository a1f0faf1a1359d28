/** --engine, --threads, `export onnx` and `export safetensors` as a user runs them: a child process, its output and exit code. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.js';

const root = join(import.meta.dirname, '..', '..');
const fixture = join(root, 'test', 'fixtures', 'tiny-qwen2-f32');
const scratch = mkdtempSync(join(tmpdir(), 'tf-engine-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function cli(...args: string[]) {
  return runCli(args, { unset: ['TRIGGERFISH_ENGINE', 'TRIGGERFISH_THREADS'] });
}

test('info names the forward engine and its threads; --engine and --threads change them', () => {
  const plain = JSON.parse(cli('info', fixture, '--json').stdout);
  assert.equal(plain.engine, 'onnx');
  assert.ok(plain.threads >= 1);
  const forced = JSON.parse(cli('info', fixture, '--json', '--engine', 'tfjs', '--threads', '1').stdout);
  assert.equal(forced.engine, 'tfjs');
  assert.equal(forced.threads, 1);
  assert.match(cli('info', fixture).stdout, /engine {8}onnx \(ONNX Runtime, \d+ threads?\)/);
});

test('a bad --engine or --threads is one clear line', () => {
  for (const [flag, value, pattern] of [['--engine', 'gpu', /--engine must be one of tfjs, onnx/], ['--threads', '0', /--threads must be a positive integer/]] as const) {
    const r = cli('info', fixture, flag, value);
    assert.equal(r.code, 2);
    assert.match(r.stderr.trim(), pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('export onnx writes the transformers.js layout; a bad call says how to call it', () => {
  const out = join(scratch, 'exported');
  const r = cli('export', 'onnx', fixture, '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).bytes > 0);
  for (const file of ['onnx/model.onnx', 'config.json']) assert.ok(existsSync(join(out, file)), file);
  const bad = cli('export', 'tflite', fixture);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /usage: triggerfish export onnx/);
});

test('export safetensors --dtype F16 halves the weights file and keeps the logits within F16 rounding', () => {
  const out = join(scratch, 'f16');
  const r = cli('export', 'safetensors', fixture, '--dtype', 'f16', '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(cli('info', out, '--json').stdout).dtype, 'F16');
  const bytes = (dir: string) => statSync(join(dir, 'model.safetensors')).size;
  assert.ok(Math.abs(bytes(out) / bytes(fixture) - 0.5) < 0.02, `${bytes(out)} vs ${bytes(fixture)}`);
  const logits = (dir: string): number[] => JSON.parse(cli('logits', dir, '--ids', '1,2,3', '--json').stdout).logits.flat();
  const [before, after] = [logits(fixture), logits(out)];
  const worst = Math.max(...before.map((v, i) => Math.abs(v - after[i]!)));
  assert.ok(worst > 0 && worst < 5e-2, `largest logit change ${worst}`);
  const bad = cli('export', 'safetensors', fixture, '--dtype', 'F8', '--out', out);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr.trim(), /^triggerfish: --dtype must be one of F32, F16, BF16/);
});
