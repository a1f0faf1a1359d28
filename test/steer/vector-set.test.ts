import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadFileError, BadInputError, TriggerfishError } from '../../src/errors.js';
import { configFor, initParams } from '../../src/model/init.js';
import { createModel } from '../../src/model/language-model.js';
import { writeSafetensors } from '../../src/model/safetensors.js';
import { controlVectorLayer, exportGguf } from '../../src/steer/gguf.js';
import type { VectorSet } from '../../src/steer/vector-set.js';
import { exportJson, loadVectorSet, makeVectorSet, modelFingerprint, saveVectorSet } from '../../src/steer/vector-set.js';
import { useBackend } from '../helpers/backend.js';
import { randomModel } from '../helpers/models.js';

await useBackend();

const dir = mkdtempSync(join(tmpdir(), 'triggerfish-vectors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const model = randomModel('llama', 1);
const sibling = randomModel('llama', 2); // same config, other weights
const wide = (() => {
  const config = configFor({ arch: 'llama', dModel: 64, nLayers: 2, nHeads: 4, vocabSize: 64, maxPositions: 48 });
  return createModel(config, initParams(config, { seed: 1 }));
})();

async function sampleSet(): Promise<VectorSet> {
  const row = (k: number) => Float32Array.from({ length: 32 }, (_, i) => Math.sin(i * k + 0.1) * (k + 1));
  return makeVectorSet(model, {
    kind: 'melbo',
    hook: 'blocks.1.hook_resid_post',
    targetLayer: 2,
    settings: { R: 4, p: 2, q: 1, steps: 10, lr: 0.001, seed: 3, orthogonality: 'hard' },
    vectors: [row(0), row(1), row(2)],
    deltas: [row(3), row(4), row(5)],
    meta: [{ label: 'a', objective: 1.5, history: [1, 1.25, 1.5] }, { marked: true }, { label: 'c' }],
  });
}

/** Asserts a one-line TriggerfishError of the class whose message matches. */
async function refuses(promise: Promise<unknown>, kind: typeof BadFileError | typeof BadInputError, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof kind, `expected ${kind.name}, got ${String(err)}`);
    const message = (err as TriggerfishError).message;
    assert.ok(!message.includes('\n'), `one line: ${message}`);
    assert.match(message, pattern);
    return true;
  });
}

/** A GGUF v3 reader for the test: header, typed key/values, tensor infos, aligned data. */
function readGguf(file: string) {
  const b = readFileSync(file);
  let at = 0;
  const u32 = () => ((at += 4), b.readUInt32LE(at - 4));
  const u64 = () => ((at += 8), Number(b.readBigUInt64LE(at - 8)));
  const str = () => {
    const n = u64();
    at += n;
    return b.toString('utf8', at - n, at);
  };
  assert.equal(b.toString('ascii', 0, 4), 'GGUF');
  at = 4;
  const version = u32();
  const nTensors = u64();
  const nKv = u64();
  const kv = new Map<string, { type: number; value: unknown }>();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const type = u32();
    let value: unknown;
    if (type === 8) value = str();
    else if (type === 5) value = ((at += 4), b.readInt32LE(at - 4));
    else if (type === 4) value = u32();
    else throw new Error(`unexpected GGUF value type ${type}`);
    kv.set(key, { type, value });
  }
  const infos = Array.from({ length: nTensors }, () => {
    const name = str();
    const dims = Array.from({ length: u32() }, () => u64());
    return { name, dims, type: u32(), offset: u64() };
  });
  const alignment = 32;
  const dataStart = Math.ceil(at / alignment) * alignment;
  assert.ok(b.subarray(at, dataStart).every((x) => x === 0), 'padding before the data is zero');
  const tensors = infos.map((t) => {
    assert.equal(t.offset % alignment, 0, `${t.name} is aligned`);
    const start = dataStart + t.offset;
    const n = t.dims.reduce((a, c) => a * c, 1);
    return { ...t, data: new Float32Array(b.buffer.slice(b.byteOffset + start, b.byteOffset + start + n * 4)) };
  });
  assert.equal(b.length % alignment, 0, 'the file ends on the alignment');
  return { version, kv, tensors };
}

describe('vector sets', () => {
  test('fingerprints tell models apart and are stable', async () => {
    const a = await modelFingerprint(model);
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.equal(await modelFingerprint(randomModel('llama', 1)), a);
    assert.notEqual(await modelFingerprint(sibling), a);
  });

  test('safetensors round trip keeps vectors, deltas and metadata', async () => {
    const set = await sampleSet();
    const file = join(dir, 'set.safetensors');
    saveVectorSet(set, file);
    const back = await loadVectorSet(file, model);
    assert.deepEqual(back, set);
  });

  test('JSON export reads back the same set', async () => {
    const set = await sampleSet();
    const file = join(dir, 'set.json');
    exportJson(set, file);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(json.format, 'triggerfish-vectors/1');
    assert.equal(json.vectors[0].values.length, 32);
    assert.deepEqual(await loadVectorSet(file, model), set);
  });

  test('GGUF export is a llama.cpp control vector at the same layer number', async () => {
    const set = await sampleSet();
    const file = join(dir, 'set.gguf');
    exportGguf(set, file, { index: 1, scale: 2 });
    const gguf = readGguf(file);
    assert.equal(gguf.version, 3);
    assert.deepEqual(gguf.kv.get('general.architecture'), { type: 8, value: 'controlvector' });
    assert.deepEqual(gguf.kv.get('controlvector.model_hint'), { type: 8, value: 'llama' });
    assert.deepEqual(gguf.kv.get('controlvector.layer_count'), { type: 5, value: 1 });
    assert.deepEqual(gguf.tensors.map((t) => [t.name, t.dims, t.type]), [['direction.1', [32], 0]]);
    assert.deepEqual(gguf.tensors[0]!.data, set.vectors[1]!.map((x) => x * 2));
  });

  test('control-vector layers: resid_post l is direction l; block 0 and other hooks are refused', () => {
    assert.equal(controlVectorLayer('blocks.7.hook_resid_post', 24), 7);
    assert.equal(controlVectorLayer('blocks.7.hook_mlp_out', 24), 7);
    assert.equal(controlVectorLayer('blocks.8.hook_resid_pre', 24), 7);
    assert.throws(() => controlVectorLayer('blocks.0.hook_resid_post', 24), BadInputError);
    assert.throws(() => controlVectorLayer('blocks.1.hook_resid_pre', 24), BadInputError);
    assert.throws(() => controlVectorLayer('blocks.3.hook_attn_out', 24), BadInputError);
  });

  test('a 24-layer GGUF has 23 directions, zero except at the vector\'s layer', async () => {
    const set = { ...(await sampleSet()), hook: 'blocks.7.hook_resid_post', model: { ...(await sampleSet()).model, nLayers: 24 } };
    const file = join(dir, 'deep.gguf');
    exportGguf(set, file);
    const gguf = readGguf(file);
    assert.equal(gguf.tensors.length, 23);
    assert.equal(gguf.kv.get('controlvector.layer_count')!.value, 23);
    for (const t of gguf.tensors) {
      if (t.name === 'direction.7') assert.deepEqual(t.data, set.vectors[0]);
      else assert.ok(t.data.every((x) => x === 0), t.name);
    }
  });

  test('wrong width is refused', async () => {
    const file = join(dir, 'set.safetensors');
    saveVectorSet(await sampleSet(), file);
    await refuses(loadVectorSet(file, wide), BadFileError, /vectors are 32 wide but the model's d_model is 64/);
  });

  test('another model is refused unless allowed', async () => {
    const file = join(dir, 'set.safetensors');
    saveVectorSet(await sampleSet(), file);
    await refuses(loadVectorSet(file, sibling), BadFileError, /made for model 'unnamed' \(llama, 2 layers.*--allow-other-model/);
    const loaded = await loadVectorSet(file, sibling, { allowOtherModel: true });
    assert.equal(loaded.vectors.length, 3);
  });

  test('NaN and infinite values are refused', async () => {
    const set = await sampleSet();
    set.vectors[1]![4] = NaN;
    const file = join(dir, 'nan.safetensors');
    saveVectorSet(set, file);
    await refuses(loadVectorSet(file), BadFileError, /vector 1 holds NaN or infinite values/);
    set.vectors[1]![4] = 0;
    set.deltas![2]![0] = Infinity;
    saveVectorSet(set, file);
    await refuses(loadVectorSet(file), BadFileError, /delta 2 holds NaN or infinite values/);
    const json = join(dir, 'nan.json');
    exportJson(set, json);
    await refuses(loadVectorSet(json), BadFileError, /delta 2 holds NaN or infinite values/);
  });

  test('corrupt files and bad metadata are refused', async () => {
    const good = join(dir, 'good.safetensors');
    saveVectorSet(await sampleSet(), good);
    const truncated = join(dir, 'truncated.safetensors');
    writeFileSync(truncated, readFileSync(good).subarray(0, 100));
    await refuses(loadVectorSet(truncated), BadFileError, /truncated\.safetensors/);
    const plain = join(dir, 'plain.safetensors');
    writeSafetensors(plain, [{ name: 'vectors', dtype: 'F32', shape: [1, 32], data: new Float32Array(32) }]);
    await refuses(loadVectorSet(plain), BadFileError, /no "triggerfish" metadata/);
    const meta = (patch: Record<string, unknown>) => {
      const file = join(dir, 'meta.safetensors');
      const header = { format: 'triggerfish-vectors/1', kind: 'melbo', model: { name: 'm', arch: 'llama', dModel: 32, nLayers: 2, fingerprint: 'a'.repeat(64) }, hook: 'blocks.1.hook_resid_post', settings: {}, vectors: [{}], ...patch };
      writeSafetensors(file, [{ name: 'vectors', dtype: 'F32', shape: [1, 32], data: new Float32Array(32) }], { triggerfish: JSON.stringify(header) });
      return loadVectorSet(file);
    };
    await meta({});
    await refuses(meta({ format: 'other/2' }), BadFileError, /is format "other\/2"/);
    await refuses(meta({ kind: 'magic' }), BadFileError, /kind "magic"/);
    await refuses(meta({ hook: 'blocks.5.hook_resid_post' }), BadFileError, /hook 'blocks\.5\.hook_resid_post' is not a hook point/);
    await refuses(meta({ vectors: [{}, {}] }), BadFileError, /shape \[1, 32\] but the metadata describes \[2, 32\]/);
    await refuses(meta({ vectors: [{ history: 'no' }] }), BadFileError, /vectors\[0\]\.history/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"format": ');
    await refuses(loadVectorSet(bad), BadFileError, /not valid JSON/);
  });

  test('a hook the model lacks is refused', async () => {
    const deep = randomModel('llama', 1);
    const file = join(dir, 'deep.safetensors');
    const set = await sampleSet();
    const shallow = (() => {
      const config = configFor({ arch: 'llama', dModel: 32, nLayers: 1, nHeads: 4, nKvHeads: 2, vocabSize: 64, maxPositions: 48 });
      return createModel(config, initParams(config, { seed: 1 }));
    })();
    saveVectorSet(set, file);
    await loadVectorSet(file, deep);
    await refuses(loadVectorSet(file, shallow, { allowOtherModel: true }), BadFileError, /hook 'blocks\.1\.hook_resid_post' is outside this 1-layer model/);
  });

  test('makeVectorSet checks widths', async () => {
    await assert.rejects(makeVectorSet(model, { kind: 'random', hook: 'blocks.0.hook_resid_post', vectors: [new Float32Array(31)] }), /vector 0 is 31 wide but the model's d_model is 32/);
  });
});
