/**
 * Byte-level BPE training in exactly GPT-2's scheme, written as a Hugging Face tokenizer folder that
 * transformers.js (and Python's tokenizers) load: the zoo's small models need a vocabulary of their own,
 * small enough that the embedding does not dwarf the transformer.
 *
 * IDs: the special tokens first, then the 256 byte tokens in the order of their printable characters (which
 * is GPT-2's order and the order Hugging Face's trainer gives them), then one per merge.
 */
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-file.js';
import { join } from 'node:path';
import { BadInputError } from '../errors.js';

export interface BpeTrainOptions {
  /** Total vocabulary: special tokens + 256 byte tokens + merges (default 2048). An upper bound: training
   * stops early when no pair occurs minFrequency times. */
  vocabSize: number;
  /** Fewest occurrences, counted over the whole corpus, for a pair to be merged (default 2). */
  minFrequency?: number;
  /** Added tokens that take the first ids; training text is split at them, never merged across them
   * (default defaultSpecialTokens). */
  specialTokens?: string[];
}

export interface TrainedBpe {
  /** Token string (byte-level alphabet) → id, in id order. */
  vocab: Map<string, number>;
  /** In rank order: the first pair is merged first. */
  merges: [string, string][];
}

export const defaultSpecialTokens = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

/** ChatML as Qwen2 writes it, without Qwen2's default system prompt and with no BOS token. */
export const chatTemplate =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** GPT-2's bytes_to_unicode: byte b → the printable character that stands for it in token strings. */
export const byteEncoder: readonly string[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) table.push(String.fromCharCode(printable(b) ? b : 256 + shifted++));
  return table;
})();

/** GPT-2's pre-tokenisation regex (also what transformers.js's ByteLevel pre-tokenizer uses). */
export const gpt2Pattern = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

function resolveOptions(options: Partial<BpeTrainOptions>): Required<BpeTrainOptions> {
  const specialTokens = options.specialTokens ?? defaultSpecialTokens;
  const vocabSize = options.vocabSize ?? 2048;
  const minFrequency = options.minFrequency ?? 2;
  if (specialTokens.some((t) => t.length === 0 || byteEncoder.includes(t)) || new Set(specialTokens).size !== specialTokens.length) {
    throw new BadInputError(`special tokens must be distinct strings longer than one byte token, got ${JSON.stringify(specialTokens)}`);
  }
  const least = 256 + specialTokens.length;
  if (!Number.isInteger(vocabSize) || vocabSize < least || vocabSize > 1 << 20) {
    throw new BadInputError(`vocabSize ${vocabSize} must be an integer from ${least} (256 bytes + ${specialTokens.length} special tokens) to ${1 << 20}`);
  }
  if (!Number.isInteger(minFrequency) || minFrequency < 1) {
    throw new BadInputError(`minFrequency ${minFrequency} must be a positive integer`);
  }
  return { vocabSize, minFrequency, specialTokens };
}

/** Pre-token → how often it occurs; text is cut at special tokens first, as the tokenizer will cut it. */
function countPreTokens(texts: Iterable<string>, specialTokens: readonly string[]): Map<string, number> {
  // Longest first, as the tokenizer matches them.
  const longestFirst = [...specialTokens].sort((a, b) => b.length - a.length);
  const escaped = longestFirst.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const splitter = escaped.length > 0 ? new RegExp(escaped.join('|'), 'u') : null;
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const piece of splitter ? text.split(splitter) : [text]) {
      for (const match of piece.matchAll(gpt2Pattern)) counts.set(match[0], (counts.get(match[0]) ?? 0) + 1);
    }
  }
  return counts;
}

interface Candidate {
  count: number;
  left: number;
  right: number;
}

/** Max-heap of candidate merges: highest count, then the lexicographically smallest (left, right) strings. */
class CandidateHeap {
  private readonly items: Candidate[] = [];
  private readonly tokens: readonly string[];
  constructor(tokens: readonly string[]) {
    this.tokens = tokens;
  }

  private before(x: Candidate, y: Candidate): boolean {
    if (x.count !== y.count) return x.count > y.count;
    const [xl, yl] = [this.tokens[x.left]!, this.tokens[y.left]!];
    if (xl !== yl) return xl < yl;
    return this.tokens[x.right]! < this.tokens[y.right]!;
  }

  push(item: Candidate): void {
    const items = this.items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): Candidate | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ; ) {
      const [l, r] = [2 * i + 1, 2 * i + 2];
      let best = i;
      if (l < items.length && this.before(items[l]!, items[best]!)) best = l;
      if (r < items.length && this.before(items[r]!, items[best]!)) best = r;
      if (best === i) break;
      [items[i], items[best]] = [items[best]!, items[i]!];
      i = best;
    }
    return top;
  }
}

// Pair keys pack two ids below 2^20 into one exact double.
const pairKey = (left: number, right: number) => left * 1048576 + right;

/** `word` with every (left, right) pair, left to right without overlaps, replaced by `id`. */
function mergeInWord(word: readonly number[], left: number, right: number, id: number): number[] {
  const next: number[] = [];
  for (let i = 0; i < word.length; i++) {
    if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
      next.push(id);
      i++;
    } else next.push(word[i]!);
  }
  return next;
}

/**
 * Learns merges over pre-token frequencies. Pair counts are kept incrementally, with an index from each pair
 * to the words that contain it, so a merge only revisits the words it changes. Candidates sit in a heap whose
 * entries may be stale: an entry is checked against the live count when it comes out, and pushed back if it
 * has fallen. Deterministic: the same texts and options give the same vocabulary and merges.
 */
export function trainBpe(texts: Iterable<string>, options: Partial<BpeTrainOptions> = {}): TrainedBpe {
  const { vocabSize, minFrequency, specialTokens } = resolveOptions(options);
  const tokens: string[] = [...specialTokens];
  const byteOrder = [...byteEncoder.keys()].sort((a, b) => byteEncoder[a]!.charCodeAt(0) - byteEncoder[b]!.charCodeAt(0));
  const byteId = new Array<number>(256);
  for (const b of byteOrder) byteId[b] = tokens.push(byteEncoder[b]!) - 1;
  const idOf = new Map(tokens.map((t, i) => [t, i]));

  const words: number[][] = [];
  const freq: number[] = [];
  const encoder = new TextEncoder();
  for (const [word, count] of countPreTokens(texts, specialTokens)) {
    words.push(Array.from(encoder.encode(word), (b) => byteId[b]!));
    freq.push(count);
  }

  const pairCount = new Map<number, number>();
  const wordsWith = new Map<number, Set<number>>();
  const add = (left: number, right: number, w: number, by: number) => {
    const key = pairKey(left, right);
    const count = (pairCount.get(key) ?? 0) + by;
    if (count === 0) pairCount.delete(key);
    else pairCount.set(key, count);
    if (by > 0) {
      const set = wordsWith.get(key);
      if (set) set.add(w);
      else wordsWith.set(key, new Set([w]));
    }
  };
  words.forEach((word, w) => {
    for (let i = 0; i + 1 < word.length; i++) add(word[i]!, word[i + 1]!, w, freq[w]!);
  });

  const heap = new CandidateHeap(tokens);
  for (const [key, count] of pairCount) heap.push({ count, left: Math.floor(key / 1048576), right: key % 1048576 });

  const merges: [string, string][] = [];
  while (tokens.length < vocabSize) {
    const top = heap.pop();
    if (!top) break;
    const key = pairKey(top.left, top.right);
    const live = pairCount.get(key) ?? 0;
    if (live !== top.count) {
      if (live > 0) heap.push({ ...top, count: live });
      continue;
    }
    if (live < minFrequency) break;

    const merged = tokens[top.left]! + tokens[top.right]!;
    merges.push([tokens[top.left]!, tokens[top.right]!]);
    // Should two merges ever spell the same string, it keeps its first id, as in Hugging Face's trainer;
    // counts of pairs with that id can then rise, which is why every touched pair is pushed afresh.
    let id = idOf.get(merged);
    if (id === undefined) {
      id = tokens.push(merged) - 1;
      idOf.set(merged, id);
    }
    const touched = new Set<number>();
    for (const w of wordsWith.get(key) ?? []) {
      const word = words[w]!;
      const next = mergeInWord(word, top.left, top.right, id);
      if (next.length === word.length) continue; // a stale index entry: the pair left this word earlier
      const f = freq[w]!;
      for (let i = 0; i + 1 < word.length; i++) add(word[i]!, word[i + 1]!, w, -f);
      for (let i = 0; i + 1 < next.length; i++) {
        add(next[i]!, next[i + 1]!, w, f);
        if (next[i] === id || next[i + 1] === id) touched.add(pairKey(next[i]!, next[i + 1]!));
      }
      words[w] = next;
    }
    wordsWith.delete(key);
    for (const k of touched) {
      const count = pairCount.get(k);
      if (count !== undefined) heap.push({ count, left: Math.floor(k / 1048576), right: k % 1048576 });
    }
  }
  return { vocab: new Map(tokens.map((t, i) => [t, i])), merges };
}

export interface TokenizerFilesOptions {
  /** The added tokens, which must be in the vocabulary (default defaultSpecialTokens); the first is BOS, EOS
   * and padding, and the chat template is included when `<|im_start|>` and `<|im_end|>` are among them. */
  specialTokens: string[];
  /** tokenizer_config.json's model_max_length (default 2048). */
  modelMaxLength: number;
}

/** tokenizer.json and tokenizer_config.json in the layout Hugging Face's tokenizers (>= 0.20) writes. */
export function tokenizerFiles(trained: TrainedBpe, options: Partial<TokenizerFilesOptions> = {}): { tokenizerJson: object; tokenizerConfigJson: object } {
  const specialTokens = options.specialTokens ?? defaultSpecialTokens;
  const special = specialTokens.map((content) => {
    const id = trained.vocab.get(content);
    if (id === undefined) throw new BadInputError(`special token ${JSON.stringify(content)} is not in the trained vocabulary; train with the same specialTokens`);
    return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      // fromEntries defines own properties, so a token spelled "__proto__" stays an ordinary key.
      vocab: Object.fromEntries(trained.vocab),
      merges: trained.merges,
    },
  };
  const first = specialTokens[0] ?? null;
  const chat = specialTokens.includes('<|im_start|>') && specialTokens.includes('<|im_end|>');
  const tokenizerConfigJson = {
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(special.map(({ id, ...token }) => [String(id), token])),
    additional_special_tokens: specialTokens.slice(1),
    bos_token: first,
    ...(chat && { chat_template: chatTemplate }),
    clean_up_tokenization_spaces: false,
    eos_token: first,
    model_max_length: options.modelMaxLength ?? 2048,
    pad_token: first,
    split_special_tokens: false,
    tokenizer_class: 'PreTrainedTokenizerFast',
    unk_token: null,
  };
  return { tokenizerJson, tokenizerConfigJson };
}

/** Trains and writes dir/tokenizer.json and dir/tokenizer_config.json, each through a temporary file and a
 * rename, so a reader never sees half a file. */
export function writeTokenizer(dir: string, texts: Iterable<string>, options: Partial<BpeTrainOptions & { modelMaxLength: number }> = {}): void {
  const trained = trainBpe(texts, options);
  const files = tokenizerFiles(trained, {
    ...(options.specialTokens && { specialTokens: options.specialTokens }),
    ...(options.modelMaxLength !== undefined && { modelMaxLength: options.modelMaxLength }),
  });
  mkdirSync(dir, { recursive: true });
  const write = (name: string, value: object) => writeFileAtomic(join(dir, name), JSON.stringify(value, null, 2) + '\n');
  write('tokenizer.json', files.tokenizerJson);
  write('tokenizer_config.json', files.tokenizerConfigJson);
}
