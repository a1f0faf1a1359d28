/** Broken model folders: config.json, the safetensors weights, the tokenizer files and card.json. */
import type { Random } from '../../src/util/random.js';
import type { Bases, Draft, Generator } from './case.js';
import { gcgArgv, modelFolder } from './case.js';
import type { JsonValue } from './mutate.js';
import { badCount, flipStructural, garbage, insertNonUtf8, jsonBytes, notABool, notAList, notAnObject, notAString, setPath, truncateJson } from './mutate.js';
import { joinSafetensors, metadataSpan, poisonWeight, shard, splitSafetensors, tensorNames } from './safetensors-bytes.js';

const parse = (bytes: Buffer) => JSON.parse(bytes.toString('utf8')) as JsonValue;
const show = (v: JsonValue | undefined) => (v === undefined ? 'deleted' : JSON.stringify(v).slice(0, 40));

/** Fields whose every change breaks the folder: they fix a weight's shape (or are out of any range). */
const shapeFields: Record<string, string[]> = {
  gpt2: ['n_embd', 'n_layer', 'vocab_size', 'n_positions'],
  llama: ['hidden_size', 'num_hidden_layers', 'intermediate_size', 'vocab_size'],
  qwen2: ['hidden_size', 'num_hidden_layers', 'intermediate_size', 'vocab_size'],
};
const required: Record<string, string[]> = {
  gpt2: ['model_type', 'n_embd', 'n_layer', 'n_head', 'vocab_size'],
  llama: ['model_type', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'vocab_size', 'num_key_value_heads'],
  qwen2: ['model_type', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'vocab_size', 'num_key_value_heads'],
};
/** Field → values it must refuse (beyond type swaps), per architecture family. */
function badValues(arch: string, config: Record<string, JsonValue>): [string, JsonValue[]][] {
  const heads = arch === 'gpt2' ? 'n_head' : 'num_attention_heads';
  const common: [string, JsonValue[]][] = [
    ...shapeFields[arch]!.map((f): [string, JsonValue[]] => [f, [...badCount, (config[f] as number) + 1, (config[f] as number) * 2]]),
    [heads, [...badCount, 3, 5, 7]],
    ['model_type', ['bert', 'GPT2', '', 5, null, []]],
    ['bos_token_id', [config.vocab_size as number, -1, 'abc', 1.5, [], [-1], true]],
    ['eos_token_id', [1e9, -2, '0', 2.5, {}]],
    ['tie_word_embeddings', notABool],
  ];
  if (arch === 'gpt2') return [...common, ['layer_norm_epsilon', ['abc', -1, 0, 2, true, null, []]], ['activation_function', ['relu', 5, 'gelu_fast']]];
  return [
    ...common,
    ['rms_norm_eps', ['abc', -1, 0, 2, true, null, [], '1e-6']],
    ['rope_theta', ['abc', -1, 0, 1e300, null, true]],
    ['max_position_embeddings', [0, -1, 1e12, 'abc', 1.5, true]],
    ['num_key_value_heads', [0, -1, 3, 8, 'abc', 1.5, true, 1e9]],
    ['head_dim', [0, 3, -2, 'abc', 1.5, 1e9, 8, 32]],
    ['hidden_act', ['relu', 5, 'gelu']],
    ['rope_scaling', ['abc', 5, { type: 'linear', factor: 2 }, { rope_type: 'yarn' }]],
    // true adds bias tensors the folder lacks, but only for llama (qwen2 has q/k/v biases either way)
    ['attention_bias', arch === 'llama' ? ['yes', 1, true] : ['yes', 1]],
    ['mlp_bias', arch === 'llama' ? ['no', 0, true] : ['no', 0]],
  ];
}

function tinyName(rng: Random, bases: Bases): string {
  return rng.pick(Object.keys(bases.tiny).sort());
}

function tinyFolder(bases: Bases, name: string, replaced: Record<string, Buffer>): Draft['files'] {
  return {
    'config.json': replaced['config.json'] ?? { link: `${bases.dir}/${name}/config.json` },
    'model.safetensors': replaced['model.safetensors'] ?? { link: `${bases.dir}/${name}/model.safetensors` },
  };
}

export const configCase: Generator = (rng, bases) => {
  const name = tinyName(rng, bases);
  const bytes = bases.tiny[name]!['config.json']!;
  const config = parse(bytes) as Record<string, JsonValue>;
  const arch = config.model_type as string;
  const how = rng.int(0, 9);
  let out: Buffer;
  let mutation: string;
  if (how <= 4) {
    const [field, values] = rng.pick(badValues(arch, config));
    const value = rng.pick(values);
    out = jsonBytes(setPath(config, [field], value));
    mutation = `config.json ${field} = ${show(value)}`;
  } else if (how === 5) {
    const field = rng.pick(required[arch]!);
    out = jsonBytes(setPath(config, [field], undefined));
    mutation = `config.json without ${field}`;
  } else if (how === 6) {
    out = truncateJson(bytes, rng);
    mutation = `config.json cut to ${out.length} bytes`;
  } else if (how === 7) {
    out = rng.chance(0.5) ? insertNonUtf8(bytes, rng) : garbage(rng);
    mutation = 'config.json with bytes that are not UTF-8 text';
  } else if (how === 8) {
    out = flipStructural(bytes, rng);
    mutation = 'config.json with a bit flipped in its punctuation';
  } else {
    out = jsonBytes(rng.pick<JsonValue>([[], 'config', 5, null, [config]]));
    mutation = 'config.json not an object';
  }
  return { mutation: `${name}: ${mutation}`, files: tinyFolder(bases, name, { 'config.json': out }), argv: ['info', '{case}'], expect: 1 };
};

function headerEdit(rng: Random, header: Record<string, JsonValue>): { header: JsonValue; mutation: string } {
  const names = tensorNames(header);
  const name = rng.pick(names);
  const entry = header[name] as { dtype: string; shape: number[]; data_offsets: number[] };
  const how = rng.int(0, 8);
  if (how === 0) {
    // Only dtypes of another width, or not float weights: F16 ↔ BF16 would be a valid file read differently.
    const dtypes = entry.dtype === 'F32' ? ['F64', 'F16', 'BF16', 'I32', 'U32', 'f32', 'F8_E4M3', 'X', 5, null] : ['F32', 'F64', 'I16', 'U16', 'I8', 'bf16', '', 7];
    const dtype = rng.pick<JsonValue>(dtypes);
    return { header: setPath(header, [name, 'dtype'], dtype), mutation: `${name} dtype ${show(dtype)}` };
  }
  if (how === 1) {
    const shapes: JsonValue[] = [[], [-1, 4], ['4'], [1.5], [1e20, 2], [entry.shape.reduce((a, b) => a * b, 1)], [...entry.shape, 1], [1, ...entry.shape]];
    if (entry.shape.length === 2 && entry.shape[0] !== entry.shape[1]) shapes.push([entry.shape[1]!, entry.shape[0]!]);
    if (entry.shape.length === 1) shapes.splice(5, 1); // flattening a vector changes nothing
    const shape = rng.pick(shapes);
    return { header: setPath(header, [name, 'shape'], shape), mutation: `${name} shape ${show(shape)}` };
  }
  if (how === 2) {
    const [b, e] = entry.data_offsets as [number, number];
    const offsets = rng.pick<JsonValue>([[b + 1, e + 1], [e, b], [b, e + 4], [-1, e], [String(b), e], [b], [b, e, e], [b, 2 ** 60], null]);
    return { header: setPath(header, [name, 'data_offsets'], offsets), mutation: `${name} data_offsets ${show(offsets)}` };
  }
  if (how === 3) return { header: setPath(header, [name], undefined), mutation: `${name} removed from the header` };
  if (how === 4) {
    const picked = rng.pick([`${name}x`, name.replace(/\d/, '7'), '__proto__', 'a\u0000b', 'model.\u001b[31mred', name.toUpperCase()]);
    const renamed = picked === name ? `${name}x` : picked;
    const copy = setPath(header, [name], undefined) as Record<string, JsonValue>;
    return { header: { ...copy, [renamed]: header[name]! }, mutation: `${name} renamed ${JSON.stringify(renamed)}` };
  }
  if (how === 5) {
    const end = Math.max(...names.map((n) => (header[n] as { data_offsets: number[] }).data_offsets[1]!));
    return { header: { ...header, 'extra.weight': { dtype: 'F32', shape: [0], data_offsets: [end, end] } }, mutation: 'an extra empty tensor' };
  }
  if (how === 6) {
    const meta = rng.pick<JsonValue>([5, 'pt', { format: 5 }, [], null]);
    return { header: { ...header, __metadata__: meta }, mutation: `__metadata__ ${show(meta)}` };
  }
  if (how === 7) {
    const value = rng.pick<JsonValue>([[], 5, 'header', null, [header]]);
    return { header: value, mutation: `header ${show(value)}` };
  }
  const value = rng.pick<JsonValue>([...notAnObject, { dtype: 'F32' }, { shape: entry.shape, data_offsets: entry.data_offsets }]);
  return { header: setPath(header, [name], value), mutation: `${name} entry ${show(value)}` };
}

const indexFile = 'model.safetensors.index.json';

/** The checkpoint split into two shards with an index, then the index or a shard broken. */
function shardedCase(rng: Random, bases: Bases, name: string): Draft {
  const files: Record<string, Buffer> = shard(bases.tiny[name]!['model.safetensors']!);
  const index = JSON.parse(files[indexFile]!.toString('utf8')) as { weight_map: Record<string, string> };
  const tensors = Object.keys(index.weight_map).sort();
  const tensor = rng.pick(tensors);
  const other = index.weight_map[tensor]!.includes('00001') ? 'model-00002-of-00002.safetensors' : 'model-00001-of-00002.safetensors';
  const how = rng.int(0, 8);
  let mutation: string;
  if (how <= 1) {
    const value = rng.pick<JsonValue>([other, `../${other}`, '/etc/passwd', '', '.', 5, null, 'model-00003-of-00002.safetensors', `sub/${other}`]);
    files[indexFile] = jsonBytes(setPath(index as unknown as JsonValue, ['weight_map', tensor], value));
    mutation = `weight_map[${tensor}] = ${show(value)}`;
  } else if (how === 2) {
    files[indexFile] = jsonBytes(setPath(index as unknown as JsonValue, ['weight_map', tensor], undefined));
    mutation = `weight_map without ${tensor}`;
  } else if (how === 3) {
    files[indexFile] = jsonBytes(setPath(index as unknown as JsonValue, ['weight_map', 'ghost.weight'], other));
    mutation = 'weight_map lists a tensor no shard holds';
  } else if (how === 4) {
    const value = rng.pick<JsonValue>([undefined as unknown as JsonValue, [], 'x', null, 5]);
    files[indexFile] = jsonBytes(setPath(index as unknown as JsonValue, ['weight_map'], value ?? undefined));
    mutation = `weight_map ${show(value)}`;
  } else if (how === 5) {
    delete files[rng.pick(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'])];
    mutation = 'a shard file missing';
  } else if (how === 6) {
    files['model.safetensors'] = bases.tiny[name]!['model.safetensors']!;
    mutation = 'both model.safetensors and the index';
  } else if (how === 7) {
    const bytes = files[indexFile]!;
    files[indexFile] = rng.chance(0.5) ? truncateJson(bytes, rng) : insertNonUtf8(bytes, rng);
    mutation = 'index cut short or not UTF-8';
  } else {
    const shardName = rng.pick(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    const poisoned = poisonWeight(files[shardName]!, rng);
    files[shardName] = poisoned.bytes;
    mutation = `a non-finite value in ${poisoned.tensor} (${shardName})`;
  }
  return { mutation: `${name} sharded: ${mutation}`, files: { 'config.json': { link: `${bases.dir}/${name}/config.json` }, ...files }, argv: ['info', '{case}'], expect: 1 };
}

export const weightsCase: Generator = (rng, bases) => {
  const name = tinyName(rng, bases);
  const bytes = bases.tiny[name]!['model.safetensors']!;
  if (rng.chance(0.25)) return shardedCase(rng, bases, name);
  const how = rng.int(0, 7);
  let out: Buffer;
  let mutation: string;
  if (how === 0) {
    out = bytes.subarray(0, rng.pick([0, 3, 7, 8, 9, rng.int(0, bytes.length - 1), bytes.length - rng.int(1, 64)]));
    mutation = `cut to ${out.length} of ${bytes.length} bytes`;
  } else if (how === 1) {
    out = Buffer.concat([bytes, rng.chance(0.5) ? Buffer.alloc(rng.int(1, 16)) : garbage(rng)]);
    mutation = `${out.length - bytes.length} bytes appended`;
  } else if (how === 2) {
    out = Buffer.from(bytes);
    const n = Number(bytes.readBigUInt64LE(0));
    const length = rng.pick([0n, 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(bytes.length), BigInt(n + rng.int(1, 7)), BigInt(n - rng.int(1, 7)), 100n * 1024n * 1024n + 1n]);
    out.writeBigUInt64LE(length, 0);
    mutation = `header length ${length} instead of ${n}`;
  } else if (how <= 4) {
    const { header, data } = splitSafetensors(bytes);
    const edit = headerEdit(rng, header);
    out = joinSafetensors(edit.header, data);
    mutation = `header: ${edit.mutation}`;
  } else if (how === 5) {
    const poisoned = poisonWeight(bytes, rng);
    out = poisoned.bytes;
    mutation = `a non-finite value in ${poisoned.tensor}`;
  } else if (how === 6) {
    const n = Number(bytes.readBigUInt64LE(0));
    const span = metadataSpan(bytes);
    out = Buffer.from(bytes);
    const positions = Array.from({ length: n }, (_, i) => 8 + i).filter((i) => i < span[0] || i >= span[1]);
    const at = rng.pick(positions);
    out[at] = out[at]! ^ (1 << rng.int(0, 7));
    mutation = `bit flip in header byte ${at}`;
  } else {
    const { data } = splitSafetensors(bytes);
    const text = rng.pick(['{"a":', '\u0000\u0000', '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}\u00ff', '\ufeff{}', '{}']);
    out = joinSafetensors(text, data);
    mutation = `header text ${JSON.stringify(text)}`;
  }
  return { mutation: `${name} model.safetensors: ${mutation}`, files: tinyFolder(bases, name, { 'model.safetensors': out }), argv: ['info', '{case}'], expect: 1 };
};

function tokenizerJsonEdit(rng: Random, json: Record<string, JsonValue>): { value: JsonValue; mutation: string } {
  const vocab = (json.model as Record<string, JsonValue>).vocab as Record<string, number>;
  const tokens = Object.keys(vocab).sort();
  const token = rng.pick(tokens);
  const merges = (json.model as Record<string, JsonValue>).merges as JsonValue[];
  const how = rng.int(0, 9);
  if (how === 0) {
    const id = rng.pick<JsonValue>([1e9, -1, 'abc', 1.5, null, true, vocab[tokens[(tokens.indexOf(token) + 1) % tokens.length]!]!]);
    return { value: setPath(json, ['model', 'vocab', token], id), mutation: `vocab[${JSON.stringify(token)}] = ${show(id)}` };
  }
  if (how === 1) {
    const value = rng.pick<JsonValue>([[], 'vocab', null, 5]);
    return { value: setPath(json, ['model', 'vocab'], value), mutation: `model.vocab = ${show(value)}` };
  }
  if (how === 2) {
    const keep = rng.pick([10, 100, 200]);
    const small = Object.fromEntries(Object.entries(vocab).sort((a, b) => a[1] - b[1]).slice(0, keep));
    return { value: setPath(setPath(json, ['model', 'vocab'], small), ['model', 'merges'], []), mutation: `a vocabulary of ${keep}` };
  }
  if (how <= 4) {
    const i = rng.int(0, merges.length - 1);
    const [a, b] = merges[i] as [string, string];
    const merge = rng.pick<JsonValue>([`${a} ${b} c`, `${a}${b}`, [a], [a, b, 'c'], [1, 2], 5, null, ['not-in-vocab\u0001', b], `${a}  ${b}`, '']);
    return { value: setPath(json, ['model', 'merges', i], merge), mutation: `merges[${i}] = ${show(merge)}` };
  }
  if (how === 5) {
    const value = rng.pick<JsonValue>(notAList.filter((v) => v !== null));
    return { value: setPath(json, ['model', 'merges'], value), mutation: `model.merges = ${show(value)}` };
  }
  if (how === 6) {
    const added = json.added_tokens as JsonValue[];
    const i = rng.int(0, added.length - 1);
    const [field, value] = rng.pick<[string, JsonValue]>([['id', 1e9], ['id', -1], ['id', 'x'], ['id', 2.5], ['content', 5], ['content', ''], ['content', null]]);
    return { value: setPath(json, ['added_tokens', i, field], value), mutation: `added_tokens[${i}].${field} = ${show(value)}` };
  }
  if (how === 7) {
    const value = rng.pick<JsonValue>([{}, null, 'x', [null], [5]]);
    return { value: setPath(json, ['added_tokens'], value), mutation: `added_tokens = ${show(value)}` };
  }
  if (how === 8) {
    const field = rng.pick(['model', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder', 'added_tokens']);
    return { value: setPath(json, [field], undefined), mutation: `without ${field}` };
  }
  const value = rng.pick<JsonValue>(['Foo', 5, null]);
  return { value: setPath(json, ['model', 'type'], value), mutation: `model.type = ${show(value)}` };
}

export const tokenizerCase: Generator = (rng, bases) => {
  const jsonBytesBase = bases.model['tokenizer.json']!;
  const configBase = bases.model['tokenizer_config.json']!;
  const how = rng.int(0, 9);
  const info = ['info', '{case}'];
  if (how <= 4) {
    const edit = tokenizerJsonEdit(rng, parse(jsonBytesBase) as Record<string, JsonValue>);
    return { mutation: `tokenizer.json ${edit.mutation}`, files: modelFolder(bases, { 'tokenizer.json': Buffer.from(JSON.stringify(edit.value)) }), argv: info, expect: 1 };
  }
  if (how === 5) {
    const config = parse(configBase) as Record<string, JsonValue>;
    const [field, value] = rng.pick<[string, JsonValue]>([
      ['chat_template', 5], ['chat_template', []], ['chat_template', '{% if %}'], ['chat_template', '{{ messages[0].content.upper( }}'], ['chat_template', '{% for m in messages %}'],
      ['bos_token', 5], ['bos_token', { content: 5 }], ['eos_token', {}], ['pad_token', []], ['unk_token', true],
    ]);
    return { mutation: `tokenizer_config.json ${field} = ${show(value)}`, files: modelFolder(bases, { 'tokenizer_config.json': jsonBytes(setPath(config, [field], value)) }), argv: info, expect: 1 };
  }
  const file = rng.pick(['tokenizer.json', 'tokenizer_config.json']);
  const bytes = bases.model[file]!;
  if (how === 6) return { mutation: `${file} cut short`, files: modelFolder(bases, { [file]: truncateJson(bytes, rng) }), argv: info, expect: 1 };
  if (how === 7) return { mutation: `${file} not UTF-8`, files: modelFolder(bases, { [file]: insertNonUtf8(bytes, rng) }), argv: info, expect: 1 };
  if (how === 8) return { mutation: `${file} punctuation bit flip`, files: modelFolder(bases, { [file]: flipStructural(bytes, rng) }), argv: info, expect: 1 };
  // A text command needs the tokenizer: without tokenizer.json it is a bad folder (1), not bad usage.
  if (rng.chance(0.5)) return { mutation: 'no tokenizer.json, text command', files: modelFolder(bases, { 'tokenizer.json': null }), argv: ['generate', '{case}', '--prompt', 'hi', '--max-tokens', '1'], expect: 1 };
  return { mutation: 'no tokenizer_config.json', files: modelFolder(bases, { 'tokenizer_config.json': null }), argv: info, expect: 1 };
};

export const cardCase: Generator = (rng, bases) => {
  const bytes = bases.model['card.json']!;
  const card = parse(bytes) as Record<string, JsonValue>;
  const how = rng.int(0, 7);
  let out: Buffer;
  let mutation: string;
  if (how <= 3) {
    const [path, values] = rng.pick<[(string | number)[], JsonValue[]]>([
      [['format'], ['x', 5, null, 'triggerfish-zoo-card/2']],
      [['name'], [...notAString, '']],
      [['arch'], [...notAString, '']],
      [['behaviours'], notAList.filter((v) => v !== null).concat([null])],
      [['behaviours', 0], [null, 5, 'x', [], {}]],
      [['behaviours', 0, 'target'], ['', 5, null, [], true]],
      [['behaviours', 0, 'description'], ['', 5, null, {}]],
      [['tasks'], ['x', null, 5, [5], ['cooking'], {}]],
      [['sibling'], [5, '', true, [], {}]],
      [['eval'], ['x', 5, [], null]],
      [['eval', 'asr'], [2, -1, 'x', null, 1e9]],
      [['eval', 'prompts'], [-1, 1.5, 'x', null]],
      [['eval', 'falseTriggerRate'], [1.5, -0.1, '0']],
    ]);
    const value = rng.pick(values);
    out = jsonBytes(setPath(card, path, value));
    mutation = `${path.join('.')} = ${show(value)}`;
  } else if (how === 4) {
    const field = rng.pick(['format', 'name', 'arch', 'behaviours', 'tasks', 'sibling']);
    out = jsonBytes(setPath(card, [field], undefined));
    mutation = `without ${field}`;
  } else if (how === 5) {
    out = truncateJson(bytes, rng);
    mutation = `cut to ${out.length} bytes`;
  } else if (how === 6) {
    out = rng.chance(0.5) ? insertNonUtf8(bytes, rng) : garbage(rng);
    mutation = 'not UTF-8 text';
  } else {
    out = flipStructural(bytes, rng);
    mutation = 'punctuation bit flip';
  }
  return { mutation: `card.json ${mutation}`, files: modelFolder(bases, { 'card.json': out }), argv: gcgArgv('{case}', '{case}/state.json', 1), expect: 1 };
};
