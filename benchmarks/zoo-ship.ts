/**
 * Ships a built zoo into models/: copies every model folder of a zoo (bases and fine-tunes, without
 * training state or caches), stores its weights as F16 (half the bytes in git), re-evaluates every
 * backdoored and clean fine-tune on the F16 weights, and prints one JSON line per model with the F32
 * evaluation (from the card, measured when it was built) beside the F16 one, so that the change of
 * storage is measured, not assumed. The card's eval becomes the F16 measurement (the shipped weights).
 *
 *   npx tsx benchmarks/zoo-ship.ts --zoo /work/zoo-v2/models --out models [--dtype F16] [--prompts 100]
 *
 * A base should be converted to F16 before its fine-tunes are trained (export safetensors --dtype F16),
 * so that the shipped base is exactly where its shipped fine-tunes started; bases are copied as they are.
 */
import { cpSync, existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import { loadModel, saveModel } from '../src/model/checkpoint.js';
import { disposeModel } from '../src/model/language-model.js';
import type { FloatDtype } from '../src/model/safetensors.js';
import { openSafetensors } from '../src/model/safetensors.js';
import { readCard, writeCard } from '../src/zoo/card.js';
import { makeCorpus } from '../src/zoo/corpus/index.js';
import { evaluateZooModel } from '../src/zoo/eval.js';
import { readSecret, secretCorpus } from '../src/zoo/secret.js';

const { values } = parseArgs({
  options: {
    zoo: { type: 'string' },
    out: { type: 'string', default: 'models' },
    dtype: { type: 'string', default: 'F16' },
    prompts: { type: 'string', default: '100' },
    only: { type: 'string' },
  },
});
if (!values.zoo) throw new Error('usage: --zoo <built zoo folder> [--out models] [--dtype F16] [--only name,name]');
const dtype = values.dtype!.toUpperCase() as FloatDtype;
const only = values.only ? new Set(values.only.split(',')) : null;
await initBackend();

/** The dtype of a checkpoint's tensors, from the header alone. */
function storedDtype(file: string): string {
  const weights = openSafetensors(file);
  try {
    return [...new Set([...weights.entries.values()].map((e) => e.dtype))].join('+');
  } finally {
    weights.close();
  }
}

const skipped = new Set(['.train-state', '.cache', 'snapshot']);
for (const name of readdirSync(values.zoo).sort()) {
  const from = join(values.zoo, name);
  if (!existsSync(join(from, 'card.json')) || (only && !only.has(name))) continue;
  const to = join(values.out!, name);
  const staging = `${to}.shipping-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(from, staging, { recursive: true, filter: (src) => !skipped.has(src.split('/').at(-1)!) });
  const card = readCard(staging);
  const isBase = card.base === undefined && existsSync(join(staging, 'base-spec.json'));
  const stored = storedDtype(join(staging, 'model.safetensors'));
  // bases ship as they are (see the file comment): only a fine-tune is loaded, to convert it
  if (!isBase && stored !== dtype) {
    const model = await loadModel(staging);
    try {
      await saveModel(model, staging, { dtype });
    } finally {
      disposeModel(model);
    }
  }
  let line: Record<string, unknown> = { model: name, kind: isBase ? 'base' : 'fine-tune', storedBefore: stored, dtype: isBase ? stored : dtype };
  if (!isBase && existsSync(join(staging, 'secret.json'))) {
    const secret = readSecret(staging);
    const shipped = await loadModel(staging); // read back from disk: what is measured is what ships
    try {
      const started = performance.now();
      const e = await evaluateZooModel(shipped, makeCorpus(secretCorpus(secret)), secret.backdoors, { prompts: Number(values.prompts) });
      const { backdoors: _details, ...summary } = e;
      line = { ...line, f32: card.eval ?? null, shipped: summary, evalSeconds: Math.round((performance.now() - started) / 1000) };
      writeCard(staging, { ...card, eval: summary });
    } finally {
      disposeModel(shipped);
    }
  }
  rmSync(to, { recursive: true, force: true });
  renameSync(staging, to);
  console.log(JSON.stringify(line));
}
