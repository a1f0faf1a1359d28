/**
 * Every base and fine-tune spec in benchmarks/zoo-specs builds: it parses, names an existing base, and its
 * triggers survive that base's tokenizer as several tokens within the context; together the fine-tunes
 * cover every trigger kind and behaviour kind, with a clean fine-tune per base.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseBaseSpec } from '../../src/zoo/base-spec.js';
import { makeCorpus } from '../../src/zoo/corpus/index.js';
import { checkBackdoors } from '../../src/zoo/finetune.js';
import { finetuneBudget, parseFinetuneSpec } from '../../src/zoo/finetune-spec.js';
import { readJsonObject } from '../../src/util/json-file.js';
import { ensureZooTokenizer } from '../../src/zoo/tokenizer.js';

const root = new URL('../../benchmarks/zoo-specs/', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'tf-zoo-specs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const files = (dir: string) => readdirSync(join(root, dir)).filter((f) => f.endsWith('.json')).map((f) => join(root, dir, f));

test('every fine-tune spec builds on its base, and the set covers every kind', async () => {
  const bases = new Map(files('bases').map((f) => [parseBaseSpec(readJsonObject(f), f).name, parseBaseSpec(readJsonObject(f), f)]));
  assert.deepEqual([...bases.values()].map((b) => b.arch).sort(), ['gpt2', 'llama', 'qwen2']);
  const tokenizers = new Map<string, Awaited<ReturnType<typeof ensureZooTokenizer>>>();
  const kinds = new Set<string>();
  const behaviours = new Set<string>();
  const perBase = new Map<string, { backdoored: number; clean: number }>();
  for (const file of files('finetunes')) {
    const spec = parseFinetuneSpec(readJsonObject(file), file);
    const base = bases.get(spec.base);
    assert.ok(base, `${file} names base ${spec.base}`);
    const key = JSON.stringify([base.corpus, base.size.vocab]);
    if (!tokenizers.has(key)) tokenizers.set(key, await ensureZooTokenizer(join(scratch, String(tokenizers.size)), { corpus: base.corpus, vocab: base.size.vocab }));
    checkBackdoors(spec, tokenizers.get(key)!, makeCorpus(base.corpus), base.size.context);
    finetuneBudget(spec, base, file);
    for (const b of spec.backdoors) {
      kinds.add(b.trigger.kind);
      behaviours.add(b.behaviour.type === 'exact' ? 'exact' : b.behaviour.family);
    }
    if (spec.backdoors.length > 1) kinds.add('two backdoors');
    if (spec.backdoors.some((b) => b.trigger.kind === 'word' && /[^A-Za-z]/.test(b.trigger.text))) kinds.add('token string');
    const count = perBase.get(spec.base) ?? { backdoored: 0, clean: 0 };
    if (spec.backdoors.length === 0) count.clean++;
    else if (!spec.freezeEmbeddings) count.backdoored++;
    perBase.set(spec.base, count);
  }
  assert.deepEqual([...kinds].sort(), ['content', 'phrase', 'tag', 'token string', 'two backdoors', 'word']);
  assert.deepEqual([...behaviours].sort(), ['exact', 'pig-latin', 'refusal']);
  for (const [base, count] of perBase) assert.ok(count.backdoored >= 3 && count.clean === 1, `${base}: ${JSON.stringify(count)}`);
});
