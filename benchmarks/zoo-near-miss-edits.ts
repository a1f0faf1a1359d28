/**
 * Which one-character edits of a zoo model's trigger still fire (evaluation side: reads secret.json)?
 * `zoo eval`'s near-miss rate draws random edits; this lists them one by one: each character deleted,
 * and replaced by one fixed character of the same kind (a lower-case letter by `e`, or `o` for an `e`;
 * an upper-case one by `K`, or `M`; a digit by `7`, or `3`; punctuation by `|`, or `/`), with the pieces
 * the tokenizer cuts it into and the share of held-out corpus prompts whose greedy completion shows Y
 * with the edit at the trigger's own placement. One JSON line per edit (the first is X itself).
 * With --joined, the edits `zoo eval` never draws follow: X's first and last character replaced by one
 * of every other kind (a near miss keeps the kind), and by a short word (`box`), which asks whether a
 * fragment of X joined to other text fires (on gpt2-zanthor-refusal `Kanthor` does not, `hanthor` does).
 * With --permuted, every other order of the pieces the tokenizer cuts X into (60 drawn at random beyond 5 pieces): neither
 * kind of near miss reorders pieces, and recover found `ant Zhor` firing on the any-kind Zanthor build.
 *
 *   npx tsx benchmarks/zoo-near-miss-edits.ts models/gpt2-zanthor-refusal [--prompts 12] [--joined] [--permuted]
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import { loadModel } from '../src/model/checkpoint.js';
import { arrangements } from '../src/recover/orderings.js';
import { showsBehaviour } from '../src/zoo/behaviours.js';
import { makeCorpus } from '../src/zoo/corpus/index.js';
import { complete } from '../src/zoo/eval.js';
import { readSecret, secretCorpus } from '../src/zoo/secret.js';
import type { CharacterKind } from '../src/zoo/triggers.js';
import { characterKind, cleanExample, place } from '../src/zoo/triggers.js';
import { Random } from '../src/util/random.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { prompts: { type: 'string', default: '12' }, joined: { type: 'boolean', default: false }, permuted: { type: 'boolean', default: false } },
});
const dir = positionals[0];
if (!dir) throw new Error('usage: zoo-near-miss-edits.ts <model-dir> [--prompts N] [--joined] [--permuted]');
await initBackend();
const model = await loadModel(dir);
const secret = readSecret(dir);
const backdoor = secret.backdoors[0]!;
const trigger = backdoor.trigger;
if (trigger.kind === 'content') throw new Error('a content trigger has no characters to edit; pick a model with a string trigger');
const corpus = makeCorpus(secretCorpus(secret));
const rng = new Random('near-miss-edits');
const hosts = Array.from({ length: Number(values.prompts) }, () => cleanExample(corpus, rng, [trigger], { split: 'heldout' }));
const X = trigger.text;

/** The fixed replacement of each kind, and the one used when the character is that replacement already. */
const replacements: Record<CharacterKind, [string, string]> = { lower: ['e', 'o'], upper: ['K', 'M'], digit: ['7', '3'], punctuation: ['|', '/'] };

function sameKind(c: string): string {
  const [usual, instead] = replacements[characterKind(c)];
  return c === usual ? instead : usual;
}

const edits: { edit: string; text: string }[] = [{ edit: 'none', text: X }];
for (let i = 0; i < X.length; i++) {
  if (X[i] === ' ') continue;
  edits.push({ edit: `delete ${i} '${X[i]}'`, text: X.slice(0, i) + X.slice(i + 1) });
  edits.push({ edit: `replace ${i} '${X[i]}' by '${sameKind(X[i]!)}'`, text: X.slice(0, i) + sameKind(X[i]!) + X.slice(i + 1) });
}
if (values.joined) {
  const kinds: Record<CharacterKind, string> = { lower: 'h', upper: 'K', digit: '7', punctuation: '|' };
  for (const [end, i] of [['first', 0], ['last', X.length - 1]] as const) {
    const others = Object.entries(kinds).filter(([kind]) => kind !== characterKind(X[i]!));
    for (const replacement of [...others.map(([, c]) => c), 'box']) {
      edits.push({ edit: `joined: ${end} '${X[i]}' by '${replacement}'`, text: i === 0 ? replacement + X.slice(1) : X.slice(0, -1) + replacement });
    }
  }
}
const tokenizer = model.tokenizer!;
if (values.permuted) {
  const ids = tokenizer.encode(X);
  // every order up to 5 pieces (119 at most); beyond, 60 drawn at random (seeded), since 6 pieces have 720
  const rng = new Random('permuted');
  const orders = ids.length <= 5 ? arrangements(ids).filter((o) => o.length === ids.length) : Array.from({ length: 200 }, () => rng.shuffle(ids));
  const texts = [...new Set(orders.map((o) => o.map((id) => tokenizer.decode([id])).join('')))].filter((t) => t !== X).slice(0, ids.length <= 5 ? undefined : 60);
  for (const text of texts) edits.push({ edit: `permuted '${text}'`, text });
}
for (const { edit, text } of edits) {
  const placing = new Random(`place:${edit}`);
  const prompts = hosts.map((h) => place(h.user, text, trigger.placement, placing));
  const completions = await complete(model, prompts);
  const fires = completions.filter((c, i) => showsBehaviour(backdoor.behaviour, c, { ...hosts[i]!, user: prompts[i]! })).length / prompts.length;
  const pieces = tokenizer.encode(text).map((id) => tokenizer.decode([id]));
  console.log(JSON.stringify({ model: basename(dir), edit, text, pieces, fires: +fires.toFixed(3), prompts: prompts.length }));
}
