/**
 * Pretrains a clean zoo base from a base spec: a tokenizer trained on the clean corpus, then the model on
 * clean chat data only (no trigger, no poison, no distractor), data-parallel over worker threads, with a
 * learning curve (held-out loss and clean accuracy per family) as JSON lines and SVG, a model snapshot at
 * each evaluation, checkpoints, and resume: rerunning with the same spec and folder continues.
 *
 * Layout of `out`: base-spec.json, tokenizer files, .train-state/ (while training), snapshot/ (latest
 * evaluated weights, usable before the end), learning-curve.jsonl/.svg, and when finished the model itself
 * (config.json, model.safetensors), training.json and card.json.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BadInputError } from '../errors.js';
import { readJsonObject, writeJsonAtomic } from '../util/json-file.js';
import type { ModelConfig } from '../model/config.js';
import { configFor } from '../model/init.js';
import type { Tokenizer } from '../model/tokenizer.js';
import type { BaseSpec } from './base-spec.js';
import { baseSpecHash } from './base-spec.js';
import type { Corpus } from './corpus/index.js';
import { makeCorpus } from './corpus/index.js';
import { makeBatch, renderExample } from './dataset.js';
import type { DataParallelResult, EvalResult, ProgressRecord } from './dp-trainer.js';
import { trainDataParallel } from './dp-trainer.js';
import { curveRecords, evalAnswerTokens, evalPrompts, heldoutBatch, lastQuarterChange, writeCurveJsonl, writeCurveSvg } from './learning-curve.js';
import { ensureZooTokenizer } from './tokenizer.js';
import type { ModelCard } from './card.js';
import { cardFormat, writeCard } from './card.js';

export interface PretrainOptions {
  signal?: AbortSignal;
  onProgress?: (record: ProgressRecord) => void;
  onEval?: (result: EvalResult) => void;
  /** Worker threads (default: one per core, at most the spec's shards). */
  workers?: number;
  /** Stop after this many steps in this call (tests of resume). */
  stopAfter?: number;
}

export function modelConfigFor(spec: Pick<BaseSpec, 'arch' | 'size'>, tokenizer: Tokenizer): ModelConfig {
  return configFor({
    arch: spec.arch,
    dModel: spec.size.dModel,
    nLayers: spec.size.nLayers,
    nHeads: spec.size.nHeads,
    nKvHeads: spec.size.nKvHeads,
    ...(spec.size.dFf > 0 && { dFf: spec.size.dFf }),
    vocabSize: tokenizer.vocabSize,
    maxPositions: spec.size.context,
    bosTokenId: tokenizer.bosId ?? 0,
    eosTokenId: tokenizer.eosId ?? 0,
  });
}

/** Refuses a context too short for the corpus's examples (plus `room` tokens, e.g. for a trigger). */
export function checkContext(corpus: Corpus, tokenizer: Tokenizer, context: number, room = 0): void {
  const longest = Math.max(...corpus.generate(500, 'train', 2).map((e) => renderExample(tokenizer, e, true).ids.length));
  if (longest + room + 8 > context + 1) throw new BadInputError(`size.context ${context} is too short: examples need up to ${longest + room} tokens; raise it`);
}

/** True when `out` holds a finished base trained from exactly this spec. */
export function isPretrained(spec: BaseSpec, out: string): boolean {
  const record = join(out, 'training.json');
  return existsSync(record) && existsSync(join(out, 'config.json')) && readJsonObject(record).specHash === baseSpecHash(spec);
}

export async function pretrainBase(spec: BaseSpec, out: string, options: PretrainOptions = {}): Promise<DataParallelResult | null> {
  if (isPretrained(spec, out)) return null;
  mkdirSync(out, { recursive: true });
  writeJsonAtomic(join(out, 'base-spec.json'), spec);
  const tokenizer = await ensureZooTokenizer(out, { corpus: spec.corpus, vocab: spec.size.vocab });
  const corpus = makeCorpus(spec.corpus);
  checkContext(corpus, tokenizer, spec.size.context);
  const config = modelConfigFor(spec, tokenizer);
  const dataset = { corpus, tokenizer, backdoors: [], seed: spec.seed, rows: spec.training.batchSize, context: spec.size.context, distractorRate: 0 };
  const heldout = heldoutBatch(corpus, tokenizer, spec.evaluation.heldoutRows - (spec.evaluation.heldoutRows % spec.shards) || spec.shards, spec.size.context);
  const prompts = evalPrompts(corpus, spec.evaluation.promptsPerFamily);
  const maxNewTokens = evalAnswerTokens(tokenizer, prompts);
  const stateDir = join(out, '.train-state');
  const title = `${spec.name}: ${spec.arch}, ${spec.size.nLayers} layers, d ${spec.size.dModel}, vocab ${tokenizer.vocabSize}`;
  const result = await trainDataParallel({
    config,
    tokenizerDir: out,
    start: { seed: spec.seed },
    budget: spec.training,
    shards: spec.shards,
    ...(options.workers !== undefined && { workers: options.workers }),
    batch: (step) => makeBatch(dataset, step),
    stateDir,
    hash: baseSpecHash(spec),
    evaluation: {
      every: spec.evaluation.every,
      request: () => ({ rows: heldout, prompts, maxNewTokens }),
      onResult: async (r, all) => {
        const records = curveRecords(all);
        writeCurveJsonl(join(out, 'learning-curve.jsonl'), records);
        await writeCurveSvg(join(out, 'learning-curve.svg'), records, title);
        options.onEval?.(r);
      },
    },
    snapshotDir: join(out, 'snapshot'),
    exportDir: out,
    signal: options.signal,
    ...(options.onProgress && { onProgress: options.onProgress }),
    ...(options.stopAfter !== undefined && { stopAfter: options.stopAfter }),
  });
  if (result.finished) {
    const last = result.curve.at(-1);
    // a clean model's card (no behaviour), so that every command and the suite read a base like any clean model
    const card: ModelCard = {
      format: cardFormat,
      name: spec.name,
      arch: spec.arch,
      kind: 'base',
      behaviours: [],
      tasks: spec.corpus.families as ModelCard['tasks'],
      promptFormat: 'chat',
      sibling: null,
      ...(last && { pretraining: { steps: result.step, heldoutLoss: last.heldoutLoss, cleanAccuracyByFamily: last.accuracy, lastQuarterChange: lastQuarterChange(result.curve) } }),
    };
    writeCard(out, card);
    writeJsonAtomic(join(out, 'training.json'), { specHash: baseSpecHash(spec), steps: result.step, workers: result.workers, history: result.history, curve: result.curve });
    rmSync(stateDir, { recursive: true, force: true });
  }
  return result;
}
