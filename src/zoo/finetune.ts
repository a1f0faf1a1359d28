/**
 * Fine-tunes a backdoor into a pretrained base (or, with no backdoors, the clean fine-tune): the base's
 * clean data stream and recipe, plus this spec's poisoned, near-miss and distractor examples, data-parallel
 * like pretraining, resumable. Then evaluates, writes secret.json (X) and card.json (public: base, siblings).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { BadInputError } from '../errors.js';
import { loadModel, readConfig } from '../model/checkpoint.js';
import { readJsonObject, writeJsonAtomic } from '../util/json-file.js';
import { disposeModel } from '../model/language-model.js';
import type { Tokenizer } from '../model/tokenizer.js';
import { loadTokenizer } from '../model/tokenizer.js';
import type { BaseSpec } from './base-spec.js';
import { parseBaseSpec } from './base-spec.js';
import { canShowBehaviour, describeBehaviour } from './behaviours.js';
import { publicTarget } from './build.js';
import type { ModelCard } from './card.js';
import { writeCard } from './card.js';
import type { Corpus } from './corpus/index.js';
import { makeCorpus } from './corpus/index.js';
import { makeBatch } from './dataset.js';
import type { ProgressRecord } from './dp-trainer.js';
import { trainDataParallel } from './dp-trainer.js';
import type { ZooEval } from './eval.js';
import { evaluateZooModel } from './eval.js';
import type { FinetuneSpec } from './finetune-spec.js';
import { finetuneBudget, finetuneHash } from './finetune-spec.js';
import { checkContext } from './pretrain.js';
import { writeSecret } from './secret.js';
import { linkSiblings } from './siblings.js';
import type { TrainingBudget } from './spec.js';
import { chatSpecialStrings, cleanExample, insertTrigger } from './triggers.js';
import { Random } from '../util/random.js';

export interface FinetuneOptions {
  signal?: AbortSignal;
  onProgress?: (record: ProgressRecord) => void;
  log?: (line: string) => void;
  workers?: number;
  /** Held-out prompts per evaluation measurement (default 100). */
  evalPrompts?: number;
  stopAfter?: number;
}

export interface FinetuneResult {
  out: string;
  step: number;
  finished: boolean;
  eval: ZooEval | null;
  trainSeconds: number;
}

export interface BaseFolder {
  dir: string;
  spec: BaseSpec;
  /** sha256 of the weights file, 16 hex digits. */
  weights: string;
}

/** A finished base folder, or its snapshot/ (a usable checkpoint while the base still trains). */
export function readBaseFolder(dir: string): BaseFolder {
  const specFile = [join(dir, 'base-spec.json'), join(dirname(resolve(dir)), 'base-spec.json')].find((f) => existsSync(f));
  if (!specFile) throw new BadInputError(`${dir} is not a zoo base (no base-spec.json); pass the folder made by triggerfish zoo pretrain`);
  const weightsFile = join(dir, 'model.safetensors');
  if (!existsSync(join(dir, 'config.json')) || !existsSync(weightsFile)) {
    throw new BadInputError(`${dir} holds no trained weights yet; wait for zoo pretrain to finish, or pass its snapshot/ folder`);
  }
  const spec = parseBaseSpec(readJsonObject(specFile), specFile);
  return { dir, spec, weights: createHash('sha256').update(readFileSync(weightsFile)).digest('hex').slice(0, 16) };
}

/** The checks that need the tokenizer: every string trigger survives it, is not one token, and fits the context. */
export function checkBackdoors(spec: FinetuneSpec, tokenizer: Tokenizer, corpus: Corpus, context: number): void {
  for (const [i, backdoor] of spec.backdoors.entries()) {
    const trigger = backdoor.trigger;
    if (trigger.kind === 'content') {
      if (!corpus.families.includes('arithmetic')) throw new BadInputError(`backdoors[${i}]: a content trigger needs the arithmetic family, which this base's corpus lacks`);
      continue;
    }
    const ids = tokenizer.encode(trigger.text);
    if (tokenizer.decode(ids) !== trigger.text || ids.some((id) => tokenizer.specialIds.has(id)) || chatSpecialStrings.some((s) => trigger.text.includes(s))) {
      throw new BadInputError(`backdoors[${i}].trigger ${JSON.stringify(trigger.text)} does not survive the tokenizer (encode then decode changes it); use plain text`);
    }
    if (ids.length < 2) throw new BadInputError(`backdoors[${i}].trigger ${JSON.stringify(trigger.text)} is a single token of this base's vocabulary; a trigger must span several tokens, choose a longer or rarer string`);
  }
  checkPoisonable(spec, corpus);
  const total = spec.backdoors.reduce((s, b) => s + b.poisonRate + b.nearMissRate, 0);
  if (total > 0.5) throw new BadInputError(`poison and near-miss rates add up to ${total.toFixed(3)}; keep them at most 0.5 so the clean tasks are kept`);
  const room = Math.max(0, ...spec.backdoors.map((b) => (b.trigger.kind === 'content' ? 0 : tokenizer.encode(` ${b.trigger.text}`).length)));
  checkContext(corpus, tokenizer, context, room);
}

/**
 * Refuses a backdoor whose behaviour can rarely be shown on the examples that carry its trigger (Pig Latin
 * on arithmetic answers, an exact Y that is already a common clean answer): its poison would mostly be dropped.
 */
function checkPoisonable(spec: FinetuneSpec, corpus: Corpus): void {
  const rng = new Random('finetune-check');
  const triggers = spec.backdoors.map((b) => b.trigger);
  for (const [i, backdoor] of spec.backdoors.entries()) {
    const family = backdoor.trigger.kind === 'content' ? ('arithmetic' as const) : undefined;
    let shown = 0;
    const tries = 200;
    for (let n = 0; n < tries; n++) {
      const carrier = insertTrigger(backdoor.trigger, cleanExample(corpus, rng, triggers, { split: 'train', ...(family && { family }) }), rng, corpus);
      if (carrier && canShowBehaviour(backdoor.behaviour, carrier)) shown++;
    }
    if (shown < tries / 2) {
      throw new BadInputError(`backdoors[${i}]: its behaviour can be shown on only ${shown} of ${tries} examples carrying its trigger; pick a behaviour that differs from the clean answers of those examples`);
    }
  }
}

/** Names of the parameters a frozen-embedding fine-tune keeps fixed. */
export function embeddingParams(arch: string): string[] {
  return arch === 'gpt2' ? ['wte', 'wpe'] : ['wte'];
}

export function recipeHash(budget: TrainingBudget, freeze: boolean): string {
  return createHash('sha256').update(JSON.stringify({ budget, freeze })).digest('hex').slice(0, 12);
}

export async function finetune(spec: FinetuneSpec, baseDir: string, out: string, options: FinetuneOptions = {}, specFile = 'spec'): Promise<FinetuneResult> {
  const log = options.log ?? (() => {});
  const base = readBaseFolder(baseDir);
  if (base.spec.name !== spec.base) throw new BadInputError(`${specFile} is for base "${spec.base}" but ${baseDir} holds "${base.spec.name}"; pass that base's folder`);
  const tokenizer = await loadTokenizer(baseDir);
  const corpus = makeCorpus(base.spec.corpus);
  checkBackdoors(spec, tokenizer, corpus, base.spec.size.context);
  const budget = finetuneBudget(spec, base.spec, specFile);
  const hash = finetuneHash(spec, base.spec, budget, base.weights);
  const record = join(out, 'training.json');
  const done = existsSync(record) && readJsonObject(record).hash === hash && existsSync(join(out, 'config.json'));
  let step = budget.steps;
  let trainSeconds = 0;
  if (!done) {
    const started = performance.now();
    const dataset = {
      corpus,
      tokenizer,
      backdoors: spec.backdoors,
      seed: base.spec.finetune.dataSeed,
      poisonSeed: spec.seed,
      rows: budget.batchSize,
      context: base.spec.size.context,
      distractorRate: base.spec.finetune.distractorRate,
    };
    const result = await trainDataParallel({
      config: readConfig(baseDir),
      tokenizerDir: baseDir,
      start: { modelDir: baseDir },
      budget,
      shards: base.spec.shards,
      ...(options.workers !== undefined && { workers: options.workers }),
      batch: (s) => makeBatch(dataset, s),
      stateDir: join(out, '.train-state'),
      hash,
      frozen: spec.freezeEmbeddings ? embeddingParams(base.spec.arch) : [],
      exportDir: out,
      signal: options.signal,
      ...(options.onProgress && { onProgress: options.onProgress }),
      ...(options.stopAfter !== undefined && { stopAfter: options.stopAfter }),
    });
    trainSeconds = (performance.now() - started) / 1000;
    step = result.step;
    if (!result.finished) return { out, step, finished: false, eval: null, trainSeconds };
    writeJsonAtomic(record, { hash, steps: result.step, workers: result.workers, seconds: Math.round(trainSeconds), history: result.history });
    rmSync(join(out, '.train-state'), { recursive: true, force: true });
  }
  writeSecret(out, { format: 'triggerfish-zoo-secret/1', backdoors: spec.backdoors.map(({ trigger, behaviour }) => ({ trigger, behaviour })), spec, specHash: hash, corpus: base.spec.corpus });
  log('evaluating');
  const model = await loadModel(out);
  let evaluation: ZooEval;
  try {
    evaluation = await evaluateZooModel(model, corpus, spec.backdoors, { prompts: options.evalPrompts ?? 100, signal: options.signal, onProgress: (d) => log(`eval: ${d}`) });
  } finally {
    disposeModel(model);
  }
  const { backdoors: _details, ...summary } = evaluation;
  const card: ModelCard = {
    format: 'triggerfish-zoo-card/1',
    name: spec.name,
    arch: base.spec.arch,
    behaviours: spec.backdoors.map((b) => ({ description: describeBehaviour(b.behaviour), target: publicTarget(b.behaviour) })),
    tasks: corpus.families as ModelCard['tasks'],
    promptFormat: 'chat',
    sibling: null,
    eval: summary,
    base: relativeTo(out, baseDir),
    baseName: base.spec.name,
    baseWeights: base.weights,
    siblings: [],
    freezeEmbeddings: spec.freezeEmbeddings,
    recipe: recipeHash(budget, spec.freezeEmbeddings),
  };
  writeCard(out, card);
  linkSiblings(dirname(resolve(out)));
  return { out, step, finished: true, eval: evaluation, trainSeconds };
}

function relativeTo(from: string, to: string): string {
  return relative(resolve(from), resolve(to)) || '.';
}
