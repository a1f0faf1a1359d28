/**
 * One job of the suite, a model and a seed: load the model (and its reference: the clean sibling, else
 * the base, as recover's card rule has it), run every method not yet in the results file for that
 * seed, score each attempt after it has finished, and append one JSON line per run. A failed run is
 * recorded with its error and the suite goes on.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LanguageModel } from '../../src/model/language-model.js';
import { disposeModel } from '../../src/model/language-model.js';
import { loadModel } from '../../src/model/checkpoint.js';
import type { ModelCard } from '../../src/zoo/card.js';
import { referenceDir } from '../../src/zoo/card.js';
import type { SuiteBudget } from './budget.js';
import { methods } from './methods.js';
import type { RunRecord } from './report.js';
import { scoreAttempt } from './score.js';

/** A model and the runs (methods, all of one seed) still to do on it. */
export interface ModelJob {
  dir: string;
  card: ModelCard;
  todo: { method: string; seed: number }[];
}

export interface RunContext {
  budget: SuiteBudget;
  backend: string;
  results: string;
  optimise: string[];
  heldOut: string[];
  signal: AbortSignal;
  log: (line: string) => void;
}

export async function runModel(job: ModelJob, ctx: RunContext): Promise<void> {
  const name = job.dir.split('/').pop()!;
  const append = (record: object) => appendFileSync(ctx.results, JSON.stringify(record) + '\n');
  let model: LanguageModel | null = null;
  let reference: LanguageModel | null = null;
  try {
    model = await loadModel(job.dir);
    const referenceFolder = referenceDir(job.dir, job.card);
    reference = referenceFolder && existsSync(join(referenceFolder, 'config.json')) ? await loadModel(referenceFolder, { tokenizer: false }) : null;
    for (const { method, seed } of job.todo) {
      if (ctx.signal.aborted) break;
      const base = { bench: 'suite_run' as const, model: name, method, seed, budget: ctx.budget.name, backend: ctx.backend };
      try {
        const attempt = await methods[method]!({ model, reference, card: job.card, text: job.card.behaviours[0]!.target, seed, budget: ctx.budget, optimise: ctx.optimise, heldOut: ctx.heldOut, signal: ctx.signal });
        const score = await scoreAttempt(job.dir, model, attempt); // the secret is read only here, after the attack
        // methods that rank candidates: is X first, and does the reference fire on the top one too? (then it is no trigger)
        const ranks = method.startsWith('recover');
        const referenceAsr = ranks && reference ? (await scoreAttempt(job.dir, { ...reference, tokenizer: model.tokenizer! }, { ...attempt, predictions: attempt.predictions.slice(0, 1) })).reasr : null;
        const record: RunRecord = {
          ...base, exact: score.exact, recall: +score.recall.toFixed(4), reasr: score.reasr, junkRate: score.junkRate, attackerAsr: attempt.attackerAsr,
          seconds: +attempt.seconds.toFixed(1), steps: attempt.steps, forwardPasses: attempt.forwardPasses, firstSuccess: attempt.firstSuccess, best: score.best,
          losses: attempt.history.map((h) => +h.bestLoss.toFixed(5)),
          ...(attempt.vector && { vectorKind: attempt.vector.kind, vectorRate: score.vectorRate }),
          ...(attempt.notes && { notes: attempt.notes }),
          ...(ranks && { exactTop1: score.exactTop1, strictTop1: score.strictTop1, referenceAsr }),
          ...(attempt.candidates && { candidates: attempt.candidates }),
        };
        append(record);
        console.log(JSON.stringify(record));
        ctx.log(`${name} · ${method} · seed ${seed}: REASR ${record.reasr.toFixed(2)} · exact ${record.exact} · ${record.seconds} s · best ${JSON.stringify(record.best)}`);
      } catch (err) {
        if (ctx.signal.aborted) break;
        const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
        ctx.log(`${name} · ${method} · seed ${seed} failed: ${message}`);
        append({ ...base, error: message });
      }
    }
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    ctx.log(`skipping ${name}: ${message}`);
    append({ bench: 'suite_run', model: name, method: '*', seed: -1, budget: ctx.budget.name, error: message });
  } finally {
    if (model) disposeModel(model);
    if (reference) disposeModel(reference);
  }
}
