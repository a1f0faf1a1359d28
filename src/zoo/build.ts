/**
 * Builds a zoo model from a spec: a byte-level BPE tokenizer trained on the clean corpus, the
 * backdoored model and its clean sibling (same seed, no poison) trained side by side, each saved
 * as a Hugging Face folder, evaluated, and described by card.json (public) and secret.json.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { BadInputError, throwIfAborted } from '../errors.js';
import { readJsonObject, writeJsonAtomic } from '../util/json-file.js';
import { disposeModel } from '../model/language-model.js';
import type { Tokenizer } from '../model/tokenizer.js';
import { loadTokenizer } from '../model/tokenizer.js';
import { ensureZooTokenizer } from './tokenizer.js';
import { describeBehaviour, refusals } from './behaviours.js';
import type { ModelCard } from './card.js';
import { writeCard } from './card.js';
import type { ModelSecret } from './secret.js';
import { readSecret, writeSecret } from './secret.js';
import { makeCorpus } from './corpus/index.js';
import { makeBatch, renderExample } from './dataset.js';
import type { ZooEval } from './eval.js';
import { evaluateZooModel } from './eval.js';
import type { ZooSpec } from './spec.js';
import { cleanSibling, specHash } from './spec.js';
import { trainDataParallel } from './dp-trainer.js';
import { modelConfigFor } from './pretrain.js';
import type { TrainProgressRecord } from './train-state.js';
import { clearTrainingState } from './train-state.js';
import { chatSpecialStrings } from './triggers.js';

/** Trains the zoo tokenizer for a spec's corpus into `dir`, unless an identical one is already there. */
export async function ensureTokenizer(spec: ZooSpec, dir: string): Promise<Tokenizer> {
  return ensureZooTokenizer(dir, { corpus: spec.corpus, vocab: spec.size.vocab });
}

/** Checks that need the tokenizer: each trigger round-trips and holds no special token; examples fit. */
export function checkSpecAgainstTokenizer(spec: ZooSpec, tokenizer: Tokenizer): void {
  for (const [i, backdoor] of spec.backdoors.entries()) {
    const trigger = backdoor.trigger;
    if (trigger.kind === 'content') continue;
    const ids = tokenizer.encode(trigger.text);
    if (tokenizer.decode(ids) !== trigger.text || ids.some((id) => tokenizer.specialIds.has(id)) || chatSpecialStrings.some((s) => trigger.text.includes(s))) {
      throw new BadInputError(`backdoors[${i}].trigger ${JSON.stringify(trigger.text)} does not survive the tokenizer (encode then decode changes it); use plain text`);
    }
  }
  const corpus = makeCorpus(spec.corpus);
  const longest = Math.max(...corpus.generate(500, 'train', 2).map((e) => renderExample(tokenizer, e, true).ids.length));
  const triggerRoom = Math.max(0, ...spec.backdoors.map((b) => (b.trigger.kind === 'content' ? 0 : tokenizer.encode(` ${b.trigger.text}`).length)));
  if (longest + triggerRoom + 8 > spec.size.context + 1) {
    throw new BadInputError(`size.context ${spec.size.context} is too short: examples need up to ${longest + triggerRoom} tokens; raise it`);
  }
}

export interface TrainZooOptions {
  signal?: AbortSignal;
  onProgress?: (record: TrainProgressRecord & { steps: number; resumedFrom: number; tokensPerSecond: number }) => void;
}

/**
 * Trains one model of a spec (the backdoored one, or with no backdoors the clean sibling) into
 * `out`, resuming from `out/.train-state` if an interrupted run left one there.
 */
export async function trainZooModel(spec: ZooSpec, out: string, tokenizerDir: string, options: TrainZooOptions = {}): Promise<void> {
  const tokenizer = await loadTokenizer(tokenizerDir);
  const corpus = makeCorpus(spec.corpus);
  const config = modelConfigFor(spec, tokenizer);
  const dataset = { corpus, tokenizer, backdoors: spec.backdoors, seed: spec.seed, rows: spec.training.batchSize, context: spec.size.context, distractorRate: spec.distractorRate };
  const stateDir = join(out, '.train-state');
  // the data-parallel trainer with one shard on one worker: build runs the model and its sibling in two processes
  const result = await trainDataParallel({
    config,
    tokenizerDir,
    start: { seed: spec.seed },
    budget: spec.training,
    shards: 1,
    workers: 1,
    batch: (step) => makeBatch(dataset, step),
    stateDir,
    hash: specHash(spec),
    exportDir: out,
    signal: options.signal,
    ...(options.onProgress && { onProgress: options.onProgress }),
  });
  writeJsonAtomic(join(out, 'training.json'), { specHash: specHash(spec), steps: result.step, history: result.history });
  clearTrainingState(stateDir);
}

export interface BuildOptions {
  /** Where the clean sibling goes (default `<out>-clean`); an up-to-date one there is reused. */
  siblingOut?: string;
  /** Train the two models in two processes at once (default true: one core each). */
  parallel?: boolean;
  evalPrompts?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Trains one model in a child process and resolves when it exits successfully. */
  spawnTrainer?: (specFile: string, out: string, tokenizerDir: string, clean: boolean) => Promise<void>;
}

export interface BuildResult {
  out: string;
  sibling: string;
  eval: ZooEval;
  siblingEval: ZooEval;
  seconds: number;
}

/** True when `dir` holds a finished model trained from exactly this spec. */
export function isBuilt(spec: ZooSpec, dir: string): boolean {
  const record = join(dir, 'training.json');
  return existsSync(record) && existsSync(join(dir, 'config.json')) && readJsonObject(record).specHash === specHash(spec);
}

/** An output path must be a folder or nothing yet: never write over (or into the place of) a user's file. */
function checkOutputFolder(path: string, flag: string): void {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return;
  }
  if (!stat.isDirectory()) throw new BadInputError(`${flag} ${path} is a file, not a folder; name a new folder (or a folder of an earlier build of this spec)`);
}

export async function buildZoo(spec: ZooSpec, outDir: string, options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const out = resolve(outDir);
  const siblingOut = resolve(options.siblingOut ?? `${out}-clean`);
  const log = options.log ?? (() => {});
  checkOutputFolder(out, '--out');
  checkOutputFolder(siblingOut, '--sibling');
  const clean = cleanSibling(spec);
  const tokenizer = await ensureTokenizer(spec, out);
  checkSpecAgainstTokenizer(spec, tokenizer);
  const specFile = join(out, '.build-spec.json');
  writeJsonAtomic(specFile, spec);
  const jobs: { spec: ZooSpec; dir: string; clean: boolean }[] = [];
  if (!isBuilt(spec, out)) jobs.push({ spec, dir: out, clean: false });
  if (!isBuilt(clean, siblingOut)) jobs.push({ spec: clean, dir: siblingOut, clean: true });
  else log(`reusing the clean sibling in ${siblingOut}`);
  if (jobs.length > 1 && (options.parallel ?? true) && options.spawnTrainer) {
    throwIfAborted(options.signal, 'zoo build');
    // allSettled, not all: when one trainer fails or is cancelled, wait for the other to stop too.
    const settled = await Promise.allSettled(jobs.map((job) => options.spawnTrainer!(specFile, job.dir, out, job.clean)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  } else {
    for (const job of jobs) {
      log(`training ${job.clean ? 'the clean sibling' : 'the backdoored model'} into ${job.dir}`);
      await trainZooModel(job.spec, job.dir, out, {
        signal: options.signal,
        onProgress: (p) => {
          if (p.step % 25 === 0 || p.step === p.steps) log(`${job.clean ? 'clean' : 'backdoored'} step ${p.step}/${p.steps} loss ${p.loss.toFixed(3)} ${p.tokensPerSecond} tok/s`);
        },
      });
    }
  }
  rmSync(specFile, { force: true });
  const evalOptions = { prompts: options.evalPrompts ?? 100, signal: options.signal, onProgress: (d: string) => log(`eval: ${d}`) };
  const backdoorEval = await evaluateBuilt(spec, out, spec, evalOptions);
  const siblingEval = await evaluateBuilt(clean, siblingOut, spec, evalOptions);
  const secret: ModelSecret = { format: 'triggerfish-zoo-secret/1', backdoors: spec.backdoors.map(({ trigger, behaviour }) => ({ trigger, behaviour })), spec, specHash: specHash(spec) };
  writeSecret(out, secret);
  writeCard(out, cardFor(spec, relative(out, siblingOut), backdoorEval));
  writeSecret(siblingOut, { format: 'triggerfish-zoo-secret/1', backdoors: [], spec: clean, specHash: specHash(clean) });
  writeCard(siblingOut, { ...cardFor(clean, null, siblingEval), behaviours: [] });
  return { out, sibling: siblingOut, eval: backdoorEval, siblingEval, seconds: (performance.now() - started) / 1000 };
}

/** Evaluates a built model with the backdoors of `reference` (the sibling is scored against its twin's X). */
async function evaluateBuilt(spec: ZooSpec, dir: string, reference: ZooSpec, options: Parameters<typeof evaluateZooModel>[3]): Promise<ZooEval> {
  const { loadModel } = await import('../model/checkpoint.js');
  const model = await loadModel(dir);
  try {
    return await evaluateZooModel(model, makeCorpus(spec.corpus), reference.backdoors, options);
  } finally {
    disposeModel(model);
  }
}

export function cardFor(spec: ZooSpec, sibling: string | null, evaluation: ZooEval): ModelCard {
  const { backdoors: _details, ...summary } = evaluation;
  return {
    format: 'triggerfish-zoo-card/1',
    name: spec.name,
    arch: spec.arch,
    behaviours: spec.backdoors.map((b) => ({ description: describeBehaviour(b.behaviour), target: publicTarget(b.behaviour) })),
    tasks: spec.corpus.families,
    promptFormat: 'chat',
    sibling,
    eval: summary,
  };
}

/** A completion that shows Y, for logit targets: the exact text, or a typical member of the family. */
export function publicTarget(behaviour: ZooSpec['backdoors'][number]['behaviour']): string {
  if (behaviour.type === 'exact') return behaviour.text;
  return behaviour.family === 'refusal' ? refusals[0]! : 'Ethay answerway isway'; // "The answer is" in Pig Latin
}

/** Evaluates a finished zoo model folder against its secret (the scorer's view). */
export async function evaluateFolder(dir: string, options: Parameters<typeof evaluateZooModel>[3] = {}): Promise<ZooEval> {
  const secret = readSecret(dir);
  if (!('size' in secret.spec)) throw new BadInputError(`${dir} is a fine-tune of a base; evaluate it with evaluateFinetuneFolder`);
  return evaluateBuilt(secret.spec, dir, secret.spec, options);
}

