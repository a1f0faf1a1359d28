/** Learning-curve data: evaluation prompts and held-out rows come from the held-out split; records and SVG. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeCorpus } from '../../src/zoo/corpus/index.js';
import { curveRecords, curveSvg, evalPrompts, heldoutBatch, lastQuarterChange } from '../../src/zoo/learning-curve.js';
import { ensureZooTokenizer } from '../../src/zoo/tokenizer.js';

const scratch = mkdtempSync(join(tmpdir(), 'tf-curve-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const corpus = makeCorpus({ seed: 1 });

test('evaluation prompts: the asked number per family, all held out, the same every time', () => {
  const prompts = evalPrompts(corpus, 3);
  assert.equal(prompts.length, 3 * corpus.families.length);
  for (const family of corpus.families) assert.equal(prompts.filter((p) => p.family === family).length, 3);
  for (const p of prompts) assert.equal(corpus.splitOf({ family: p.family as never, user: p.user, assistant: p.assistant }), 'heldout');
  assert.deepEqual(evalPrompts(corpus, 3), prompts);
});

test('held-out rows are packed with whole examples and weighted where tokens are', async () => {
  const tokenizer = await ensureZooTokenizer(scratch, { corpus: { seed: 1, families: corpus.families }, vocab: 400 });
  const batch = heldoutBatch(corpus, tokenizer, 2, 128);
  assert.equal(batch.ids.length, 2 * 129);
  const weighted = batch.weights.reduce((a, b) => a + b, 0);
  assert.ok(weighted > 100, `most of two rows of 128 carry loss: ${weighted}`);
  assert.equal(batch.ids[0], tokenizer.bosId, 'a row starts with an example');
});

test('records: loss, accuracy per family and their mean; the SVG names each panel and family', async () => {
  const records = curveRecords([
    { step: 0, heldoutLoss: 7, accuracy: { facts: 0, copying: 0 } },
    { step: 10, heldoutLoss: 2, accuracy: { facts: 0.5, copying: 0.25 } },
  ]);
  assert.deepEqual(records.filter((r) => r.step === 10), [
    { step: 10, family: 'all', metric: 'heldoutLoss', value: 2 },
    { step: 10, family: 'facts', metric: 'accuracy', value: 0.5 },
    { step: 10, family: 'copying', metric: 'accuracy', value: 0.25 },
    { step: 10, family: 'all', metric: 'accuracy', value: 0.375 },
  ]);
  const svg = await curveSvg(records, 'a <base>');
  for (const label of ['held-out loss (nats/token)', 'clean accuracy', 'facts', 'copying']) assert.ok(svg.includes(label), `the plot names ${label}`);
  assert.ok(svg.includes('a &lt;base&gt;'), 'the title is escaped');
});

test('last-quarter change: how much loss fell and accuracy rose since 75 % of the steps', () => {
  const point = (step: number, heldoutLoss: number, a: number) => ({ step, heldoutLoss, accuracy: { facts: a, copying: a } });
  assert.deepEqual(lastQuarterChange([point(0, 8, 0), point(300, 2, 0.4), point(400, 1.5, 0.5)]), { lossFall: 0.25, accuracyRise: 0.1 });
  assert.equal(lastQuarterChange([point(0, 8, 0)]), null);
});
