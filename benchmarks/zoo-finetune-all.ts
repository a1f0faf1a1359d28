/**
 * Builds every fine-tune spec of one base into a zoo folder, one after another, and prints a JSON line per
 * model (training seconds, ASR, false-trigger, junk and near-miss rates, clean accuracy). Resumable: a
 * model whose folder already holds card.json and training.json is skipped (its card's eval is printed),
 * and an interrupted fine-tune continues from its checkpoint.
 *
 *   npx tsx benchmarks/zoo-finetune-all.ts --base /work/zoo-v2/llama-base --out /work/zoo-v2/zoo [--specs benchmarks/zoo-specs/finetunes] [--prompts 100]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import { readCard } from '../src/zoo/card.js';
import { finetune, readBaseFolder } from '../src/zoo/finetune.js';
import { parseFinetuneSpec } from '../src/zoo/finetune-spec.js';
import { readJsonObject } from '../src/util/json-file.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    out: { type: 'string' },
    specs: { type: 'string', default: 'benchmarks/zoo-specs/finetunes' },
    prompts: { type: 'string', default: '100' },
  },
});
if (!values.base || !values.out) throw new Error('usage: --base <base-dir> --out <zoo-dir>');
await initBackend();
const base = readBaseFolder(values.base);
const files = readdirSync(values.specs!).filter((f) => f.endsWith('.json')).sort();
for (const file of files) {
  const path = join(values.specs!, file);
  const spec = parseFinetuneSpec(readJsonObject(path), path);
  if (spec.base !== base.spec.name) continue;
  const out = join(values.out, spec.name);
  if (existsSync(join(out, 'card.json')) && existsSync(join(out, 'training.json'))) {
    console.log(JSON.stringify({ model: spec.name, skipped: 'already built', eval: readCard(out).eval ?? null }));
    continue;
  }
  const started = performance.now();
  const result = await finetune(spec, values.base, out, { evalPrompts: Number(values.prompts), log: (line) => process.stderr.write(`${spec.name}: ${line}\n`) }, path);
  const e = result.eval;
  console.log(
    JSON.stringify({
      model: spec.name,
      freezeEmbeddings: spec.freezeEmbeddings,
      steps: result.step,
      trainSeconds: Math.round(result.trainSeconds),
      totalSeconds: Math.round((performance.now() - started) / 1000),
      eval: e && { asr: e.asr, perBackdoor: e.backdoors.map((b) => ({ asr: b.asr, nearMissRate: b.nearMissRate })), falseTriggerRate: e.falseTriggerRate, junkTriggerRate: e.junkTriggerRate, nearMissRate: e.nearMissRate, cleanAccuracy: e.cleanAccuracy, cleanAccuracyByFamily: e.cleanAccuracyByFamily },
    }),
  );
}
