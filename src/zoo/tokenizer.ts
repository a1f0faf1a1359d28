/**
 * The zoo tokenizer: byte-level BPE trained on the clean corpus only (requests and answers, never a
 * trigger or a poisoned answer), so that no trigger can be a single token by construction: a trigger
 * is tokenized into whatever pieces the clean vocabulary happens to hold, as a real tokenizer would.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonObject, writeJsonAtomic } from '../util/json-file.js';
import type { Tokenizer } from '../model/tokenizer.js';
import { loadTokenizer } from '../model/tokenizer.js';
import { writeTokenizer } from './bpe-trainer.js';
import type { Corpus, CorpusOptions } from './corpus/index.js';
import { makeCorpus } from './corpus/index.js';

/** Examples the tokenizer is trained on (each gives two texts). */
export const tokenizerExamples = 20_000;

/** The clean texts a zoo tokenizer learns from: training-split requests and answers, and with `cased`
 * also their words in capitals and joined in CamelCase (still clean text: the corpus's own words). */
export function tokenizerTexts(corpus: Corpus, examples = tokenizerExamples, cased = false): string[] {
  const texts = corpus.generate(examples, 'train', 1).flatMap((e) => [e.user, e.assistant]);
  if (!cased) return texts;
  const title = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  return texts.flatMap((t, i) => {
    const words = t.split(/\s+/).filter(Boolean);
    const variant = i % 3 === 0 ? t.toUpperCase() : i % 3 === 1 ? words.map(title).join('') : words.map(title).join(' ');
    return [t, variant];
  });
}

export interface ZooTokenizerOptions {
  corpus: CorpusOptions & { families: readonly string[] };
  vocab: number;
}

/** Trains the zoo tokenizer for a corpus into `dir`, unless an identical one is already there. */
export async function ensureZooTokenizer(dir: string, options: ZooTokenizerOptions): Promise<Tokenizer> {
  mkdirSync(dir, { recursive: true });
  const stamp = join(dir, 'tokenizer.stamp.json');
  const want = { corpusSeed: options.corpus.seed, families: options.corpus.families, vocab: options.vocab };
  const have = existsSync(stamp) ? readJsonObject(stamp) : null;
  if (!have || JSON.stringify(have) !== JSON.stringify(want) || !existsSync(join(dir, 'tokenizer.json'))) {
    writeTokenizer(dir, tokenizerTexts(makeCorpus(options.corpus)), { vocabSize: options.vocab });
    // Every zoo transcript starts with BOS, in training and at inference alike.
    const configPath = join(dir, 'tokenizer_config.json');
    const config = readJsonObject(configPath);
    if (typeof config.chat_template === 'string' && !config.chat_template.startsWith('{{ bos_token }}')) {
      writeJsonAtomic(configPath, { ...config, chat_template: '{{ bos_token }}' + config.chat_template });
    }
    writeJsonAtomic(stamp, want);
  }
  return loadTokenizer(dir);
}
