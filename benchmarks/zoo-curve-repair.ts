/**
 * Repairs a base's learning curve whose clean-accuracy points were measured with stale weights (before
 * 2026-11-28's fix, the trainer's ORT sessions kept the weights of a process's first evaluation, so every
 * later accuracy point of that process repeated it; held-out loss ran on tfjs and is right). It drops the
 * accuracy rows of the given steps, measures the finished base again on the curve's own evaluation prompts
 * (base-spec.json's evaluation settings: same prompts, same answer length) in a fresh process, puts that
 * in as the last step's accuracy, and writes the curve as JSON lines and SVG.
 *
 *   npx tsx benchmarks/zoo-curve-repair.ts --base /work/zoo-v2/llama-base --stale 2100-3600 --out docs/zoo/llama-base-learning-curve
 *   (--stale takes several ranges: 100-200,400-1700)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import { loadModel } from '../src/model/checkpoint.js';
import { readJsonObject } from '../src/util/json-file.js';
import { parseBaseSpec } from '../src/zoo/base-spec.js';
import { makeCorpus } from '../src/zoo/corpus/index.js';
import { complete } from '../src/zoo/eval.js';
import type { CurveRecord } from '../src/zoo/learning-curve.js';
import { countCorrect, evalAnswerTokens, evalPrompts, writeCurveJsonl, writeCurveSvg } from '../src/zoo/learning-curve.js';

const { values } = parseArgs({ options: { base: { type: 'string' }, stale: { type: 'string' }, out: { type: 'string' } } });
if (!values.base || !values.stale || !values.out) throw new Error('usage: --base <finished base dir> --stale <from>-<to> --out <path without extension>');
// stale ranges, e.g. 100-200,400-1700 (one per process that evaluated more than once)
const ranges = values.stale.split(',').map((r) => r.split('-').map(Number) as [number, number]);
const stale = (step: number) => ranges.some(([from, to]) => step >= from && step <= to);
await initBackend();
const spec = parseBaseSpec(readJsonObject(join(values.base, 'base-spec.json')), 'base-spec.json');
const records = readFileSync(join(values.base, 'learning-curve.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as CurveRecord);
const last = Math.max(...records.map((r) => r.step));
const kept = records.filter((r) => !(r.metric === 'accuracy' && stale(r.step)));

const model = await loadModel(values.base);
const tokenizer = model.tokenizer!;
const prompts = evalPrompts(makeCorpus(spec.corpus), spec.evaluation.promptsPerFamily);
const answers = await complete(model, prompts.map((p) => p.user), { maxNewTokens: evalAnswerTokens(tokenizer, prompts) });
const { correct, total } = countCorrect(prompts, answers);
const families = Object.keys(total);
const accuracy = Object.fromEntries(families.map((f) => [f, correct[f]! / total[f]!]));
const mean = families.reduce((s, f) => s + accuracy[f]!, 0) / families.length;
const measured: CurveRecord[] = [...families.map((f) => ({ step: last, family: f, metric: 'accuracy' as const, value: +accuracy[f]!.toFixed(4) })), { step: last, family: 'all', metric: 'accuracy', value: +mean.toFixed(4) }];
const repaired = [...kept.filter((r) => !(r.metric === 'accuracy' && r.step === last)), ...measured].sort((a, b) => a.step - b.step || (a.metric === b.metric ? 0 : a.metric === 'heldoutLoss' ? -1 : 1));
writeCurveJsonl(`${values.out}.jsonl`, repaired);
await writeCurveSvg(`${values.out}.svg`, repaired, `${spec.name}: held-out loss and clean accuracy (accuracy at ${values.stale} dropped: stale; ${last} measured afterwards)`);
console.log(JSON.stringify({ bench: 'zoo_curve_repair', base: spec.name, dropped: values.stale, step: last, accuracy, mean: +mean.toFixed(4) }));
