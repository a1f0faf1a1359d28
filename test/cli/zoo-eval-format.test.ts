/** The zoo's evaluation summary as the CLI prints it: a model with two backdoors shows each one's rates. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatZooEval } from '../../src/cli/zoo-base.js';
import type { ZooEval } from '../../src/zoo/eval.js';

const base: Omit<ZooEval, 'backdoors' | 'asr' | 'nearMissRate'> = { falseTriggerRate: 0, junkTriggerRate: 0.01, cleanAccuracy: 0.8, cleanAccuracyByFamily: { facts: 1, arithmetic: 0.6 }, prompts: 100 };

test('one backdoor: one ASR line and the clean accuracy per family', () => {
  const text = formatZooEval({ ...base, asr: 0.96, nearMissRate: 0.18, backdoors: [{ asr: 0.96, nearMissRate: 0.18, samples: [] }] });
  assert.equal(text, 'ASR 96.0% · false triggers 0.0% · with junk 1.0% · near misses 18.0% (100 held-out prompts each)\nclean accuracy 80.0%: facts 100.0%, arithmetic 60.0%');
});

test('two backdoors: the weakest above, each one on its own line', () => {
  const text = formatZooEval({ ...base, asr: 0.97, nearMissRate: 0.27, backdoors: [{ asr: 1, nearMissRate: 0.16, samples: [] }, { asr: 0.97, nearMissRate: 0.27, samples: [] }] });
  assert.match(text, /\nper backdoor: ASR 100\.0% \/ 97\.0% · near misses 16\.0% \/ 27\.0%\n/);
});
