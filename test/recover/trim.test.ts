/**
 * trimFiring: a firing string that reaches the evidence with padding gives up its padding, at the
 * placement where it fires best, and the core it leaves gets evidence of its own. The predicate here
 * reads the prompt (Y "shows" when the request carries `cat dog`), so that firing is known exactly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Candidate, Evidence } from '../../src/recover/candidate.js';
import type { RecoverContext } from '../../src/recover/context.js';
import type { AsrCheck } from '../../src/recover/evidence.js';
import { defaultRecoverConfig } from '../../src/recover/options.js';
import { rankCandidates } from '../../src/recover/rank.js';
import { trimFiring } from '../../src/recover/stages.js';
import { freshState } from '../../src/recover/state.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { chatModel, chatPrompts } from '../helpers/chat-model.js';

await useBackend();
const suspect = await chatModel('llama', 5);
const check = (prompts: readonly string[]): AsrCheck => ({ prompts, shows: (_completion, prompt) => / cat dog( |$)/.test(` ${prompt}`), maxNewTokens: 2 });
const context = (outOfTime = false): RecoverContext =>
  ({
    config: { ...defaultRecoverConfig, neighbours: 2, trimTop: 2 },
    suspect,
    reference: null,
    searchCheck: check(chatPrompts.slice(0, 2)),
    evidenceCheck: check(chatPrompts),
    state: freshState('test'),
    outOfTime: () => outOfTime,
    emit: () => {},
  }) as unknown as RecoverContext;
const measured = (text: string, asr: number, bestPlacement: Evidence['bestPlacement'] = 'inside') => ({
  candidate: { text, provenance: ['reassemble'], placement: 'suffix', loss: null, searchAsr: asr } as Candidate,
  evidence: { asrByPlacement: { [bestPlacement]: asr }, asrSuspect: asr, bestPlacement, asrReference: null, tokens: 4, chars: text.length, logLikelihood: -12, prior: 0, neighbourAsr: 0.5 } as Evidence,
});

test('the padding goes, the core is measured, and the padded string ranks below it', async () => {
  const gathered = [measured('red cat dog blue', 1), measured('what is', 0)];
  let trimmed: Awaited<ReturnType<typeof trimFiring>> = [];
  assert.equal(await leakedTensors(async () => (trimmed = await trimFiring(context(), gathered, () => 0))), 0, 'no tensor leaks');
  assert.deepEqual(trimmed.map((t) => t.candidate.text), ['cat dog']);
  const core = trimmed[0]!;
  assert.deepEqual(core.candidate.provenance, ['reassemble', 'minimise']);
  assert.equal(core.evidence.asrSuspect, 1, 'measured afresh on the evidence prompts');
  assert.equal(core.evidence.asrByPlacement.inside, 1);
  const ranked = rankCandidates([...gathered, ...trimmed], defaultRecoverConfig.asrThreshold);
  assert.equal(ranked[0]!.text, 'cat dog');
  assert.equal(ranked[1]!.text, 'red cat dog blue');
});

test('strings that do not fire, strings already measured and a spent budget trim nothing', async () => {
  assert.deepEqual(await trimFiring(context(), [measured('red blue', 1)], () => 0), [], 'nothing shorter fires: it stays as it is');
  assert.deepEqual(await trimFiring(context(), [measured('red cat dog', 1), measured('cat dog', 1)], () => 0), [], 'the core is there already');
  assert.deepEqual(await trimFiring(context(), [measured('red cat dog', 0.5)], () => 0), [], 'under the threshold');
  const spent = context(true);
  assert.deepEqual(await trimFiring(spent, [measured('red cat dog', 1)], () => 0), []);
  assert.match(spent.state.notes.join(), /trimming stopped at the time budget/);
});
