/**
 * Does any clean fine-tune of a backdoored model's base show Y on prompts carrying X? `zoo eval`
 * checks the clean sibling the card names, which is the clean fine-tune of the same recipe; a fine-tune
 * trained longer than its family's clean one (600 steps against 400) has none, so there it checks the
 * base alone. This measures every clean fine-tune among the card's siblings against such models'
 * backdoors (evaluation side: reads secret.json), one JSON line per pair.
 *
 *   npx tsx benchmarks/zoo-clean-sibling-y.ts [--models models] [--prompts 100]
 */
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import { listModelDirs, readCard } from '../src/zoo/card.js';
import { evaluateReference } from '../src/zoo/finetune-eval.js';
import { readSecret } from '../src/zoo/secret.js';

const { values } = parseArgs({ options: { models: { type: 'string', default: 'models' }, prompts: { type: 'string', default: '100' } } });
await initBackend();
for (const dir of listModelDirs(values.models!)) {
  const name = basename(dir);
  const card = readCard(dir);
  if (card.behaviours.length === 0 || card.sibling) continue;
  const secret = readSecret(dir);
  const siblings = (card.siblings ?? []).map((s) => resolve(dir, s));
  for (const cleanDir of siblings.filter((s) => readCard(s).behaviours.length === 0)) {
    const e = (await evaluateReference(cleanDir, secret, { prompts: Number(values.prompts) }))!;
    console.log(JSON.stringify({ bench: 'zoo_clean_sibling_y', model: name, clean: cleanDir.split('/').pop(), asr: e.asr, falseTriggerRate: e.falseTriggerRate, prompts: Number(values.prompts) }));
  }
}
