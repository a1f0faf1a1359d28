/**
 * Every shipped zoo model on ONNX Runtime against its torch_ref golden logits (the same goldens as
 * test/zoo/shipped.test.ts holds tfjs to), so the engine that scores and generates by default is
 * checked on the real checkpoints too.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadModel } from '../../src/model/checkpoint.js';
import { onnxForward } from '../../src/model/onnx-forward.js';
import { maxAbsDiff, useBackend } from '../helpers/backend.js';

await useBackend();
const goldens = join(import.meta.dirname, '..', 'fixtures', 'shipped');
const models = join(import.meta.dirname, '..', '..', 'models');
const names = readdirSync(goldens).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));

test('golden files exist for shipped models', () => assert.ok(names.length > 0));

for (const name of names) {
  const dir = join(models, name);
  test(`${name}: ONNX logits match torch_ref (1e-4)`, { skip: existsSync(join(dir, 'config.json')) ? false : 'model folder not found' }, async () => {
    const golden = JSON.parse(readFileSync(join(goldens, `${name}.json`), 'utf8')) as { ids: number[]; logits: number[][] };
    const model = await loadModel(dir, { tokenizer: false });
    const out = await onnxForward(model, { ids: [golden.ids] });
    const diff = maxAbsDiff(out.logits!.data, golden.logits.flat());
    assert.ok(diff < 1e-4, `max abs diff ${diff}`);
  });
}
