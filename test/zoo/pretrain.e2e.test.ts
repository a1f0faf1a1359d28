/**
 * zoo pretrain: base specs are checked first; data-parallel training gives the same weights with one worker
 * or two; a run stopped (or killed with -9) resumes to exactly the weights of an uninterrupted one; the
 * learning curve is written; and pretraining data hold no poison.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BadInputError } from '../../src/errors.js';
import type { BaseSpec } from '../../src/zoo/base-spec.js';
import { parseBaseSpec } from '../../src/zoo/base-spec.js';
import { pretrainBase } from '../../src/zoo/pretrain.js';
import { readCard } from '../../src/zoo/card.js';
import { useBackend } from '../helpers/backend.js';

await useBackend();
const scratch = mkdtempSync(join(tmpdir(), 'tf-pretrain-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const tinyBase = {
  name: 'tiny-base',
  testFixture: true,
  arch: 'llama',
  size: { dModel: 32, nLayers: 2, nHeads: 2, nKvHeads: 1, context: 128, vocab: 400 },
  seed: 3,
  training: { steps: 6, batchSize: 4, lr: 0.003, warmupSteps: 2, checkpointEvery: 2 },
  shards: 2,
  evaluation: { every: 3, promptsPerFamily: 1, heldoutRows: 2 },
};
const spec = (patch: Record<string, unknown> = {}): BaseSpec => parseBaseSpec({ ...tinyBase, ...patch }, 'base.json');
const bytes = (dir: string) => readFileSync(join(dir, 'model.safetensors'));

describe('bad base specs fail with one line', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['fewer than 6 layers outside tests', { testFixture: false }, /nLayers 2 is below 6/],
    ['batch not a multiple of shards', { training: { ...tinyBase.training, batchSize: 3 } }, /multiple of shards 2/],
    ['a typo in a field name', { evaluaton: {} }, /unknown field "evaluaton"/],
    ['a fine-tune spec', { base: 'llama-base', backdoors: [] }, /is a fine-tune spec .*use triggerfish zoo finetune/],
    ['unknown evaluation field', { evaluation: { often: 3 } }, /unknown field "often"/],
    ['size null (as zoo specs, null is no default)', { size: null }, /size must be a JSON object/],
  ];
  for (const [name, patch, message] of cases) {
    test(name, () => assert.throws(() => spec(patch), (err: Error) => err instanceof BadInputError && message.test(err.message) && !err.message.includes('\n')));
  }
});

describe('pretrainBase', () => {
  test('one worker and two workers give the same weights bit for bit; the curve is written', async () => {
    const one = join(scratch, 'one');
    const two = join(scratch, 'two');
    const tensors: number[] = [];
    await pretrainBase(spec(), one, { workers: 1, onProgress: (p) => tensors.push(p.tensors) });
    await pretrainBase(spec(), two, { workers: 2 });
    assert.equal(tensors.length, 6);
    assert.ok(tensors.slice(1).every((n) => n === tensors[1]), `live tensors stay flat after the first step (optimizer moments appear there): ${tensors}`);
    assert.ok(bytes(one).equals(bytes(two)));
    const curve = readFileSync(join(one, 'learning-curve.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual([...new Set(curve.map((r) => r.step))], [0, 3, 6]);
    const families = new Set(curve.filter((r) => r.metric === 'accuracy').map((r) => r.family));
    assert.deepEqual([...families].sort(), ['all', 'arithmetic', 'classify', 'copying', 'facts', 'instructions']);
    const loss = curve.filter((r) => r.metric === 'heldoutLoss').map((r) => r.value);
    assert.ok(loss[2] < loss[0], `held-out loss falls: ${loss}`);
    assert.ok(readFileSync(join(one, 'learning-curve.svg'), 'utf8').startsWith('<svg'));
    assert.ok(!existsSync(join(one, '.train-state')), 'the training state is removed when finished');
    assert.equal(await pretrainBase(spec(), one), null, 'a finished base is not trained again');
    const card = readCard(one);
    assert.equal(card.kind, 'base');
    assert.deepEqual(card.behaviours, [], 'a base reads as a clean model: nothing to elicit');
    assert.equal(card.pretraining?.steps, 6);
  });

  test('a run stopped early resumes to the weights of an uninterrupted run', async () => {
    const dir = join(scratch, 'resumed');
    const first = await pretrainBase(spec(), dir, { stopAfter: 3 });
    assert.equal(first?.finished, false);
    await pretrainBase(spec(), dir);
    assert.ok(bytes(dir).equals(bytes(join(scratch, 'one'))));
    assert.equal(readFileSync(join(dir, 'learning-curve.jsonl'), 'utf8'), readFileSync(join(scratch, 'one', 'learning-curve.jsonl'), 'utf8'));
  });

  test('a state from another spec is refused', async () => {
    const dir = join(scratch, 'other');
    await pretrainBase(spec(), dir, { stopAfter: 2 });
    await assert.rejects(pretrainBase(spec({ seed: 4 }), dir), /different spec/);
  });

  test('kill -9 in the middle, then the same command: the weights of an uninterrupted run', async () => {
    const specFile = join(scratch, 'kill.json');
    const long = { ...tinyBase, training: { ...tinyBase.training, steps: 12 }, evaluation: { ...tinyBase.evaluation, every: 6 } };
    const { writeFileSync } = await import('node:fs');
    writeFileSync(specFile, JSON.stringify(long));
    const reference = join(scratch, 'kill-ref');
    await pretrainBase(parseBaseSpec(long, specFile), reference);
    const dir = join(scratch, 'killed');
    const bin = new URL('../../bin/triggerfish.js', import.meta.url).pathname;
    const child = spawn(process.execPath, [bin, 'zoo', 'pretrain', specFile, '--out', dir], { stdio: 'ignore' });
    // wait for the first checkpoint, then kill without warning
    const latest = join(dir, '.train-state', 'latest.json');
    for (let i = 0; i < 2400 && !existsSync(latest); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(latest), 'a checkpoint appeared');
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    assert.ok(!existsSync(join(dir, 'training.json')), 'killed before the end');
    await pretrainBase(parseBaseSpec(long, specFile), dir);
    assert.ok(bytes(dir).equals(bytes(reference)));
  });
});
