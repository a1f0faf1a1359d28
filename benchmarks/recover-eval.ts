/**
 * Scores a `triggerfish recover --json` result against the model's secret (evaluation only: the
 * attack never reads it). Prints one JSON line:
 *   exactTop1 / exactTop5  X is (contained in) the top candidate / one of the top five (the suite's "exact")
 *   recall                 TDC recall over the top five (best character BLEU against X)
 *   reasr                  the top candidate's ASR on the scorer's 20 held-out corpus prompts, true predicate
 *   referenceAsr           the same on the reference model (the top candidate must not fire it)
 * Usage: node --import tsx benchmarks/recover-eval.ts <model-dir> <result.json> [--reference <dir>]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import { loadModel } from '../src/model/checkpoint.js';
import { disposeModel } from '../src/model/language-model.js';
import type { RecoverResult } from '../src/recover/options.js';
import { readSecret } from '../src/zoo/secret.js';
import { triggerTruth } from '../src/zoo/triggers.js';
import { scoreAttempt } from './suite/score.js';
import type { Attempt } from './suite/methods.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { reference: { type: 'string' } } });
const [dir, file] = positionals;
if (!dir || !file) throw new Error('usage: recover-eval.ts <model-dir> <result.json> [--reference <dir>]');
await initBackend();
const result = JSON.parse(readFileSync(file, 'utf8')) as RecoverResult;
const ranked = result.candidates.map((c) => c.text);
const top = result.candidates[0];
const placement = top?.evidence.bestPlacement === 'prefix' ? 'prefix' : 'suffix'; // 'inside' is scored as suffix
const attempt = (predictions: string[]): Attempt => ({ predictions, placement, history: [], steps: 0, forwardPasses: 0, seconds: 0, firstSuccess: null, attackerAsr: null });
const model = await loadModel(dir);
const top1 = await scoreAttempt(dir, model, attempt(ranked.slice(0, 1)));
const top5 = await scoreAttempt(dir, model, attempt(ranked.slice(0, 5)));
const referenceDir = values.reference ?? result.reference;
let referenceAsr: number | null = null;
if (referenceDir && top) {
  const reference = await loadModel(referenceDir);
  referenceAsr = (await scoreAttempt(dir, reference, attempt([top.text]))).reasr;
  disposeModel(reference);
}
disposeModel(model);
const truths = readSecret(dir).backdoors.map((b) => triggerTruth(b.trigger));
console.log(
  JSON.stringify({
    bench: 'recover_eval',
    model: dir.split('/').filter(Boolean).pop(),
    truths,
    top1: top?.text ?? null,
    top5: ranked.slice(0, 5),
    exactTop1: top1.exact,
    exactTop5: top5.exact,
    recall: top5.recall,
    reasr: top1.reasr,
    referenceAsr,
    attackerAsr: top?.evidence.asrSuspect ?? null,
    reportedTrigger: result.trigger?.text ?? null,
    seconds: result.seconds,
    stoppedBy: result.stoppedBy,
  }),
);
