import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadFileError } from '../../src/errors.js';
import { writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.js';
import { openTensorStore, writeTensorStore, type TensorStore } from '../../src/model/tensor-store.js';

const root = mkdtempSync(join(tmpdir(), 'triggerfish-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => join(root, `model-${dirCount++}`);

/** Asserts a BadFileError whose message is one line naming the file and each of `mentions`. */
function assertBadFile(fn: () => unknown, file: string, ...mentions: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BadFileError, `expected BadFileError, got ${String(err)}`);
    assert.ok(!/[\n\r]/.test(err.message), `message is not one line: ${JSON.stringify(err.message)}`);
    assert.ok(err.message.includes(file), `message does not name the file: ${err.message}`);
    for (const m of mentions) assert.ok(err.message.includes(m), `message lacks ${JSON.stringify(m)}: ${err.message}`);
    return true;
  });
}

function tensor(name: string, shape: number[], dtype: TensorToWrite['dtype'] = 'F32'): TensorToWrite {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, dtype, shape, data: Float32Array.from({ length: n }, (_, i) => i - n / 2) };
}

function withStore<T>(dir: string, fn: (store: TensorStore) => T): T {
  const store = openTensorStore(dir);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

// Data sizes 64, 32, 16, 48, 8 bytes.
const tensors = [
  tensor('model.embed_tokens.weight', [4, 4]),
  tensor('model.layers.0.self_attn.q_proj.weight', [4, 4], 'F16'),
  tensor('model.layers.0.input_layernorm.weight', [4, 2], 'BF16'),
  tensor('model.layers.0.mlp.up_proj.weight', [3, 4]),
  tensor('model.norm.weight', [2]),
];

test('single file when it fits, read back equal', () => {
  const dir = freshDir();
  const files = writeTensorStore(dir, tensors);
  assert.deepEqual(files, [join(dir, 'model.safetensors')]);
  withStore(dir, (store) => {
    assert.deepEqual(store.names().sort(), tensors.map((t) => t.name).sort());
    for (const t of tensors) assert.deepEqual(store.readFloat32(t.name), t.data); // small integers: exact in every dtype
    assert.deepEqual(store.dtypes(), new Set(['F32', 'F16', 'BF16']));
    const e = store.entry('model.norm.weight');
    assert.deepEqual(e, { name: 'model.norm.weight', dtype: 'F32', shape: [2], begin: 160, end: 168, file: files[0] });
  });
});

test('sharded with a small maxShardBytes, read back equal', () => {
  const dir = freshDir();
  const files = writeTensorStore(dir, tensors, { maxShardBytes: 100 });
  // 64 + 32 = 96 bytes fit; 96 + 16 do not: [embed, q_proj], then [layernorm, up_proj, norm] (72 bytes).
  assert.deepEqual(files, [
    join(dir, 'model-00001-of-00002.safetensors'),
    join(dir, 'model-00002-of-00002.safetensors'),
    join(dir, 'model.safetensors.index.json'),
  ]);
  assert.deepEqual(readdirSync(dir).sort(), ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']);
  withStore(dir, (store) => {
    assert.equal(store.names().length, tensors.length);
    for (const t of tensors) assert.deepEqual(store.readFloat32(t.name), t.data);
    assert.equal(store.entry('model.norm.weight').file, files[1]);
    assert.equal(store.entry('model.embed_tokens.weight').file, files[0]);
    assert.ok(store.has('model.norm.weight'));
    assert.ok(!store.has('lm_head.weight'));
  });
});

test('index JSON is written as transformers writes it', () => {
  const dir = freshDir();
  writeTensorStore(dir, [tensor('b', [4]), tensor('a', [4]), tensor('ü', [2], 'F16')], { maxShardBytes: 16 });
  const text = readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8');
  // json.dumps({"metadata": {"total_size": 36}, "weight_map": {...}}, indent=2, sort_keys=True) + "\n"
  const expected = [
    '{',
    '  "metadata": {',
    '    "total_size": 36',
    '  },',
    '  "weight_map": {',
    '    "a": "model-00002-of-00003.safetensors",',
    '    "b": "model-00001-of-00003.safetensors",',
    '    "\\u00fc": "model-00003-of-00003.safetensors"',
    '  }',
    '}',
    '',
  ].join('\n');
  assert.equal(text, expected);
});

test('a tensor bigger than maxShardBytes gets a shard of its own before the shard being filled', () => {
  const dir = freshDir();
  writeTensorStore(dir, [tensor('small', [2]), tensor('big', [64]), tensor('small2', [2])], { maxShardBytes: 32 });
  const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8'));
  assert.deepEqual(index.weight_map, {
    big: 'model-00001-of-00002.safetensors',
    small: 'model-00002-of-00002.safetensors',
    small2: 'model-00002-of-00002.safetensors',
  });
  withStore(dir, (store) => assert.equal(store.readFloat32('big').length, 64));
});

test('every file carries format "pt" metadata, with the caller metadata', () => {
  const dir = freshDir();
  writeTensorStore(dir, tensors, { maxShardBytes: 100, metadata: { step: '10' } });
  const raw = readFileSync(join(dir, 'model-00002-of-00002.safetensors'));
  const header = JSON.parse(raw.subarray(8, 8 + Number(raw.readBigUInt64LE(0))).toString());
  assert.deepEqual(header.__metadata__, { format: 'pt', step: '10' });
});

test('saving single after sharded removes the index and shards, and the other way round', () => {
  const dir = freshDir();
  writeTensorStore(dir, tensors, { maxShardBytes: 100 });
  writeFileSync(join(dir, 'config.json'), '{}');
  writeTensorStore(dir, tensors);
  assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
  writeTensorStore(dir, tensors, { maxShardBytes: 40 });
  assert.deepEqual(readdirSync(dir).sort(), [
    'config.json',
    'model-00001-of-00004.safetensors',
    'model-00002-of-00004.safetensors',
    'model-00003-of-00004.safetensors',
    'model-00004-of-00004.safetensors',
    'model.safetensors.index.json',
  ]);
  writeTensorStore(dir, tensors, { maxShardBytes: 100 }); // fewer shards: the 4-shard set goes
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('model')).sort(), [
    'model-00001-of-00002.safetensors',
    'model-00002-of-00002.safetensors',
    'model.safetensors.index.json',
  ]);
  withStore(dir, (store) => assert.equal(store.names().length, tensors.length));
});

test('no weights file in the folder', () => {
  const dir = freshDir();
  writeTensorStore(dir, []);
  rmSync(join(dir, 'model.safetensors'));
  assertBadFile(() => openTensorStore(dir), dir, 'model.safetensors', 'model.safetensors.index.json');
  writeFileSync(join(dir, 'pytorch_model.bin'), '');
  assertBadFile(() => openTensorStore(dir), dir, 'pytorch_model.bin', 'convert');
});

test('folder that does not exist', () => {
  const dir = join(root, 'nowhere');
  assertBadFile(() => openTensorStore(dir), dir);
});

test('both model.safetensors and an index', () => {
  const dir = freshDir();
  writeTensorStore(dir, tensors, { maxShardBytes: 100 });
  writeSafetensors(join(dir, 'model.safetensors'), tensors);
  assertBadFile(() => openTensorStore(dir), dir, 'ambiguous');
});

test('index JSON malformed', () => {
  const dir = freshDir();
  writeTensorStore(dir, tensors, { maxShardBytes: 100 });
  const index = join(dir, 'model.safetensors.index.json');
  writeFileSync(index, '{"weight_map": {"a": "model-00001-of-00002.safetensors",');
  assertBadFile(() => openTensorStore(dir), index, 'not valid JSON');
  writeFileSync(index, '{"metadata": {}}');
  assertBadFile(() => openTensorStore(dir), index, 'weight_map');
  writeFileSync(index, '{"weight_map": {"a": 3}}');
  assertBadFile(() => openTensorStore(dir), index, 'a:', 'not a file name');
});

test('index naming a shard outside the folder', () => {
  const dir = freshDir();
  writeTensorStore(dir, tensors, { maxShardBytes: 100 });
  const index = join(dir, 'model.safetensors.index.json');
  writeFileSync(index, JSON.stringify({ weight_map: { a: '../model-0/model.safetensors' } }));
  assertBadFile(() => openTensorStore(dir), index, 'a:', 'not a file name in this folder');
});

test('index naming a missing shard', () => {
  const dir = freshDir();
  writeTensorStore(dir, tensors, { maxShardBytes: 100 });
  rmSync(join(dir, 'model-00002-of-00002.safetensors'));
  assertBadFile(() => openTensorStore(dir), join(dir, 'model.safetensors.index.json'), 'model-00002-of-00002.safetensors', 'missing');
});

test('tensor missing from shard', () => {
  const dir = freshDir();
  writeTensorStore(dir, tensors, { maxShardBytes: 100 });
  const shard = join(dir, 'model-00002-of-00002.safetensors');
  writeSafetensors(shard, [tensors[2]!, tensors[3]!]); // model.norm.weight left out
  assertBadFile(() => openTensorStore(dir), shard, 'model.norm.weight', 'absent');
});

test('tensor listed under the wrong shard', () => {
  const dir = freshDir();
  writeTensorStore(dir, tensors, { maxShardBytes: 100 });
  const index = join(dir, 'model.safetensors.index.json');
  const json = JSON.parse(readFileSync(index, 'utf8'));
  json.weight_map['model.norm.weight'] = 'model-00001-of-00002.safetensors';
  writeFileSync(index, JSON.stringify(json));
  assertBadFile(() => openTensorStore(dir), index, 'model.norm.weight', 'model-00002-of-00002.safetensors');
});

test('tensor in a shard but not in the index', () => {
  const dir = freshDir();
  writeTensorStore(dir, tensors, { maxShardBytes: 100 });
  const shard = join(dir, 'model-00002-of-00002.safetensors');
  writeSafetensors(shard, [tensors[2]!, tensors[3]!, tensors[4]!, tensor('extra', [1])]);
  assertBadFile(() => openTensorStore(dir), shard, 'extra', 'not listed');
});

test('duplicate tensor across shards', () => {
  const dir = freshDir();
  writeTensorStore(dir, tensors, { maxShardBytes: 100 });
  const shard = join(dir, 'model-00002-of-00002.safetensors');
  writeSafetensors(shard, [tensors[2]!, tensors[3]!, tensors[4]!, tensors[0]!]);
  assertBadFile(() => openTensorStore(dir), 'model-0000', 'model.embed_tokens.weight', 'exactly one shard');
});

test('a corrupt shard is reported with its path', () => {
  const dir = freshDir();
  writeTensorStore(dir, tensors, { maxShardBytes: 100 });
  const shard = join(dir, 'model-00001-of-00002.safetensors');
  writeFileSync(shard, 'abc');
  assertBadFile(() => openTensorStore(dir), shard, '3 bytes');
});

test('unknown tensor name', () => {
  const dir = freshDir();
  writeTensorStore(dir, tensors, { maxShardBytes: 100 });
  withStore(dir, (store) => {
    assertBadFile(() => store.readFloat32('lm_head.weight'), dir, 'lm_head.weight');
    assertBadFile(() => store.entry('lm_head.weight'), dir, 'lm_head.weight');
  });
});
