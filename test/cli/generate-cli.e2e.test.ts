/** triggerfish generate on a small random model with a real tokenizer, as a user runs it. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { saveModel } from '../../src/model/checkpoint.js';
import { configFor, initParams } from '../../src/model/init.js';
import { createModel } from '../../src/model/language-model.js';
import { loadTokenizer } from '../../src/model/tokenizer.js';
import { writeTokenizer } from '../../src/zoo/bpe-trainer.js';
import { useBackend } from '../helpers/backend.js';
import { runCli } from '../helpers/cli.js';

await useBackend();
const dir = mkdtempSync(join(tmpdir(), 'tf-generate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const texts = Array.from({ length: 200 }, (_, i) => `What is ${i} + ${i % 7}? The answer is ${i + (i % 7)}.`);
writeTokenizer(dir, texts, { vocabSize: 300 });
const tokenizer = await loadTokenizer(dir);
const config = configFor({ arch: 'llama', dModel: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: tokenizer.vocabSize, maxPositions: 96 });
await saveModel(createModel(config, initParams(config, { seed: 4, std: 0.2 }), { dir }), dir);

function cli(...args: string[]) {
  return runCli(args);
}

test('generate --json completes several prompts, greedy and reproducible', () => {
  const args = ['generate', dir, '--prompt', 'What is 3 + 4?', '--prompt', 'Hi', '--max-tokens', '6', '--json'];
  const first = cli(...args);
  assert.equal(first.code, 0, first.stderr);
  const out = JSON.parse(first.stdout) as { completions: { prompt: string; tokens: number[]; text: string }[] };
  assert.equal(out.completions.length, 2);
  for (const c of out.completions) {
    assert.ok(c.tokens.length >= 1 && c.tokens.length <= 6);
    assert.equal(c.text, tokenizer.decode(c.tokens, { skipSpecialTokens: true }));
  }
  assert.equal(cli(...args).stdout, first.stdout);
});

test('generate --chat uses the chat template; sampling depends on the seed', () => {
  const sample = (seed: string) => cli('generate', dir, '--prompt', 'What is 3 + 4?', '--chat', '--max-tokens', '8', '--temperature', '1', '--seed', seed, '--json').stdout;
  assert.equal(sample('1'), sample('1'));
  assert.notEqual(sample('1'), sample('2'));
});

test('generate without a prompt, or with a bad number, is a one-line usage error', () => {
  const none = cli('generate', dir);
  assert.equal(none.code, 2);
  assert.match(none.stderr.trim(), /^triggerfish: give at least one --prompt/);
  const bad = cli('generate', dir, '--prompt', 'x', '--max-tokens', 'many');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr.trim(), /--max-tokens many is not an integer/);
});
