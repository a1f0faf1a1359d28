/**
 * The GCG job: one spec (its fields below are the only list of GCG settings the CLI, the UI and the
 * suite know), one runner that loads the model and card, resolves Y, the prompts, the target
 * direction and an optional prior, keeps the state file under one key, enforces the wall-time cap,
 * and reports each step.
 */
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BadInputError, CancelledError } from '../errors.js';
import type { GcgConfig, GcgTargetSpec } from '../gcg/config.js';
import { defaultGcgConfig, defaultInitLength, initStringOf } from '../gcg/config.js';
import { embeddingDifference, priorInitString } from '../gcg/priors.js';
import type { GcgResult, GcgStep } from '../gcg/result.js';
import { runGcg } from '../gcg/run.js';
import { loadModel } from '../model/checkpoint.js';
import type { LanguageModel } from '../model/language-model.js';
import { disposeModel } from '../model/language-model.js';
import type { Direction, DirectionSource } from '../steer/direction.js';
import { directionSources, defaultDirectionSource, vectorDirection } from '../steer/direction.js';
import type { VectorSet } from '../steer/vector-set.js';
import { loadVectorSet } from '../steer/vector-set.js';
import { hashKey } from '../util/hash.js';
import type { ModelCard } from '../zoo/card.js';
import { siblingDir } from '../zoo/card.js';
import type { JobEvent, RunOptions } from './common.js';
import { openModel, promptSets, requireModelDir, resolveY } from './common.js';
import type { Fields } from './fields.js';
import { checkSpec, keyedValues } from './fields.js';

export interface GcgSpec {
  model: string | undefined;
  target: string;
  text: string | undefined;
  vector: string | undefined;
  index: number;
  use: string;
  layer: number | undefined;
  positions: string;
  weight: number;
  reference: string | undefined;
  margin: number;
  prompts: string[] | undefined;
  heldOut: string[] | undefined;
  placement: string;
  init: string | undefined;
  prior: string;
  restrictPrior: number;
  steps: number;
  searchWidth: number;
  topK: number;
  batchSize: number;
  length: number;
  bufferSize: number;
  asrEvery: number;
  earlyStopAsr: number;
  noEarlyStop: boolean;
  asrTokens: number;
  mellowmax: boolean;
  noFilter: boolean;
  allowOtherModel: boolean;
  seed: number;
  maxSeconds: number;
  state: string | undefined;
}

const d = defaultGcgConfig;
export const gcgFields: Fields<GcgSpec> = {
  model: { type: 'string', default: undefined, placeholder: '<dir>', description: 'the model folder to attack (required)' },
  target: { type: 'string', default: 'logit', choices: ['logit', 'activation', 'mixed', 'contrast'], description: 'aim at the logits of Y, at a steering direction, at both, or at Y on the model but not on a reference' },
  text: { type: 'string', default: undefined, placeholder: '<Y>', description: "Y's text (default: the first behaviour target of the model card)" },
  vector: { type: 'string', default: undefined, placeholder: '<file>', description: 'vector file from triggerfish steer (activation and mixed targets aim at it)' },
  index: { type: 'number', default: 0, integer: true, min: 0, description: 'which vector of the file' },
  use: { type: 'string', default: defaultDirectionSource, choices: directionSources, description: "aim at the vector's δ, the vector itself, or auto (δ when recorded)" },
  layer: { type: 'number', default: undefined, integer: true, min: 0, description: 'hidden_states layer to read the direction at (default: where the vector says)' },
  positions: { type: 'string', default: 'last', choices: ['last', 'response'], description: 'activation positions: the last prompt token, or the response to Y' },
  weight: { type: 'number', default: 0.5, min: 0, max: 1, description: 'mixed target: weight of the logit loss (the rest is the activation loss)' },
  reference: { type: 'string', default: undefined, placeholder: '<dir>', description: "contrast target: the reference model (default: the card's clean sibling)" },
  margin: { type: 'number', default: 1, description: "contrast target: the hinge charges while the reference's loss on Y (nats per token) is below this" },
  prompts: { type: 'lines', default: undefined, placeholder: '<file>', description: 'prompts optimised over, one per line (default: 8 built-in clean prompts)' },
  heldOut: { type: 'lines', default: undefined, placeholder: '<file>', resumable: true, description: 'held-out prompts for ASR checks (default: 40 built-in clean prompts)' },
  placement: { type: 'string', default: 'suffix', description: 'where the string goes: prefix, suffix, or a template with {optim} (and {prompt})' },
  init: { type: 'string', default: undefined, placeholder: '<text>', description: 'the initial string (default: "x x ... x" of --length tokens, or the prior)' },
  prior: { type: 'string', default: 'none', choices: ['none', 'embedding-diff'], description: 'start from the tokens that moved most against the clean sibling' },
  restrictPrior: { type: 'number', default: 0, integer: true, min: 0, description: 'with --prior: search only the top N prior tokens (0 = all tokens)' },
  steps: { type: 'number', default: d.steps, integer: true, min: 1, resumable: true, description: 'GCG steps (a resumed run may be given more)' },
  searchWidth: { type: 'number', default: d.searchWidth, integer: true, min: 1, flag: 'width', description: 'candidates per step' },
  topK: { type: 'number', default: d.topK, integer: true, min: 1, flag: 'topk', description: 'top tokens of the negative gradient per position' },
  batchSize: { type: 'number', default: d.batchSize, integer: true, min: 1, flag: 'batch', description: 'candidates per forward pass' },
  length: { type: 'number', default: defaultInitLength, integer: true, min: 1, max: 200, description: 'tokens in the optimised string' },
  bufferSize: { type: 'number', default: d.bufferSize, integer: true, min: 0, flag: 'buffer', description: 'best strings kept and mutated (0 = only the current best)' },
  asrEvery: { type: 'number', default: d.asrEvery, integer: true, min: 0, resumable: true, description: 'check ASR on held-out prompts every N steps (0 = only at the end)' },
  earlyStopAsr: { type: 'number', default: d.earlyStopAsr!, min: 0, max: 1, resumable: true, description: 'stop when a check reaches this ASR' },
  noEarlyStop: { type: 'boolean', default: false, resumable: true, description: 'run every step whatever the ASR' },
  asrTokens: { type: 'number', default: 24, integer: true, min: 0, resumable: true, description: "tokens completed per held-out prompt (never fewer than Y's tokens + 8)" },
  mellowmax: { type: 'boolean', default: d.useMellowmax, description: 'mellowmax instead of the mean for the logit loss' },
  noFilter: { type: 'boolean', default: !d.filterRetokenisation, description: 'keep candidates that do not re-encode to the same tokens' },
  allowOtherModel: { type: 'boolean', default: false, description: 'accept a vector file made for another model' },
  seed: { type: 'number', default: d.seed, integer: true, description: 'random seed' },
  maxSeconds: { type: 'number', default: 0, min: 0, resumable: true, description: 'stop after this many seconds, keeping the best so far (0 = no limit)' },
  state: { type: 'string', default: undefined, placeholder: '<file>', resumable: true, description: 'state file to resume from and keep (default: runs/gcg/<key>.json, removed when done)' },
};

/** Things a caller already holds (the suite shares one loaded model and its vectors across runs). */
export interface GcgResources {
  model?: LanguageModel;
  /** The clean sibling for the prior (null: there is none). */
  sibling?: LanguageModel | null;
  /** Used instead of reading spec.vector. */
  vectors?: VectorSet;
}

export interface GcgJobResult {
  kind: 'gcg';
  result: GcgResult;
  /** How it stopped: all steps, the early-stop ASR, or the wall-time cap (cancellation throws). */
  stoppedBy: GcgResult['stoppedBy'];
  y: string | undefined;
  prompts: number;
  heldOut: number;
  stateFile: string;
}

function targetOf(spec: GcgSpec, y: string | undefined, direction: Direction | null): GcgTargetSpec {
  const kind = spec.target;
  if ((kind !== 'activation' || spec.positions === 'response') && !y) throw new BadInputError('give the target text Y with --text (the model has no card.json to take it from)');
  if (kind === 'logit') return { kind, text: y! };
  if (kind === 'contrast') return { kind, text: y!, margin: spec.margin, weight: 1 };
  const positions = spec.positions as 'last' | 'response';
  const base = { direction: direction!.direction, layer: direction!.layer, positions };
  return kind === 'activation' ? { kind, ...base, ...(positions === 'response' && { responseText: y! }) } : { kind: 'mixed', text: y!, ...base, weight: spec.weight };
}

async function directionFor(spec: GcgSpec, model: LanguageModel, given?: VectorSet): Promise<Direction | null> {
  if (spec.target === 'logit' || spec.target === 'contrast') return null;
  if (!given && !spec.vector) throw new BadInputError('--vector is required: a vector file from triggerfish steer (activation and mixed targets aim at it)');
  const set = given ?? (await loadVectorSet(spec.vector!, model, { allowOtherModel: spec.allowOtherModel }));
  return vectorDirection(set, spec.index, spec.use as DirectionSource, spec.layer);
}

/** The prior's initial string and allowed tokens, from the embedding difference to the clean sibling. */
async function priorOf(spec: GcgSpec, dir: string, card: ModelCard | null, model: LanguageModel, given: LanguageModel | null | undefined, emit: (e: JobEvent) => void): Promise<{ init?: string; allowedIds?: number[] }> {
  if (spec.prior !== 'embedding-diff') return {};
  let sibling = given;
  const owned = sibling === undefined;
  if (owned) {
    const folder = card ? siblingDir(dir, card) : null;
    sibling = folder ? await loadModel(folder, { tokenizer: false }) : null;
  }
  if (!sibling) throw new BadInputError('the embedding-difference prior needs a clean sibling (card.json "sibling")');
  const ranking = await embeddingDifference(model, sibling);
  if (owned) disposeModel(sibling);
  emit({ type: 'log', message: `embedding-difference prior: top tokens ${ranking.slice(0, 8).map((t) => JSON.stringify(t.text)).join(' ')}` });
  return { init: priorInitString(ranking, spec.length), ...(spec.restrictPrior > 0 && { allowedIds: ranking.slice(0, spec.restrictPrior).map((t) => t.id) }) };
}

export function gcgConfigOf(spec: GcgSpec): Partial<GcgConfig> {
  const placement = spec.placement === 'prefix' || spec.placement === 'suffix' ? spec.placement : { template: spec.placement };
  return {
    steps: spec.steps, searchWidth: spec.searchWidth, topK: spec.topK, batchSize: spec.batchSize, bufferSize: spec.bufferSize,
    asrEvery: spec.asrEvery, earlyStopAsr: spec.noEarlyStop ? null : spec.earlyStopAsr, useMellowmax: spec.mellowmax,
    filterRetokenisation: !spec.noFilter, initString: initStringOf(spec.length), placement, seed: spec.seed,
  };
}

/** The progress event of one GCG step. */
export function gcgProgress(step: GcgStep, total: number): JobEvent {
  return { type: 'progress', step: step.step, total, seconds: step.seconds, loss: step.loss, bestLoss: step.bestLoss, best: step.bestString, ...(step.asr !== undefined && { asr: step.asr }) };
}

export async function runGcgJob(spec: GcgSpec, options: RunOptions = {}, resources: GcgResources = {}): Promise<GcgJobResult> {
  checkSpec(gcgFields, spec);
  const dir = requireModelDir(spec.model);
  const emit = options.onEvent ?? (() => {});
  const { model, card, owned } = await openModel(dir, resources.model);
  let reference: LanguageModel | null = null;
  try {
    const y = resolveY(spec.text, card);
    const { optimise, heldOut } = promptSets(spec.prompts, spec.heldOut);
    const target = targetOf(spec, y, await directionFor(spec, model, resources.vectors));
    const prior = await priorOf(spec, dir, card, model, resources.sibling, emit);
    const init = spec.init ?? prior.init;
    reference = spec.target === 'contrast' ? await referenceFor(spec, dir, card) : null;
    const config = { ...gcgConfigOf(spec), ...(prior.allowedIds && { allowedIds: prior.allowedIds }) };
    // one key: the model, the settings that shape the run, and what they resolved to
    const key = hashKey([resolve(dir), keyedValues(gcgFields, spec), optimise, target, init ?? null, config.allowedIds ?? null, reference?.dir ?? null]);
    const stateFile = spec.state ?? join('runs', 'gcg', `${key}.json`);
    if (existsSync(stateFile)) emit({ type: 'log', message: `resuming from ${stateFile}` });
    else mkdirSync(dirname(resolve(stateFile)), { recursive: true });
    const run = await withTimeLimit(spec.maxSeconds, options.signal, (signal, seen) =>
      runGcg(model, {
        prompts: optimise, target, config, heldOut, asrTokens: spec.asrTokens, ...(y && { asrText: y }), ...(init !== undefined && { init }),
        state: { path: stateFile, key }, signal, ...(reference && { reference }),
        onStep: (step) => {
          seen.push(step);
          emit(gcgProgress(step, spec.steps));
        },
      }),
    );
    const result = run.result ?? cappedResult(run.seen, spec);
    if (spec.state === undefined) rmSync(stateFile, { force: true }); // finished: nothing left to resume
    return { kind: 'gcg', result, stoppedBy: result.stoppedBy, y, prompts: optimise.length, heldOut: heldOut.length, stateFile };
  } finally {
    if (owned) disposeModel(model);
    if (reference) disposeModel(reference);
  }
}

/** The contrast target's reference: given, or the card's clean sibling. */
async function referenceFor(spec: GcgSpec, dir: string, card: ModelCard | null): Promise<LanguageModel> {
  const folder = spec.reference ?? (card ? siblingDir(dir, card) : null);
  if (!folder) throw new BadInputError('the contrast target needs a reference model: give --reference <dir> (the base or a clean fine-tune)');
  return loadModel(folder, { tokenizer: false });
}

/**
 * Runs `work` with a signal that also fires after `seconds` (0: never); a run stopped by the cap
 * gives back null and the steps it finished. An explicit timer, not AbortSignal.timeout:
 * AbortSignal.any holds its sources weakly, and a collected timeout signal never fires.
 */
async function withTimeLimit<T>(seconds: number, outer: AbortSignal | undefined, work: (signal: AbortSignal, seen: GcgStep[]) => Promise<T>): Promise<{ result: T | null; seen: GcgStep[] }> {
  const cap = new AbortController();
  const timer = seconds > 0 ? setTimeout(() => cap.abort(), seconds * 1000) : undefined;
  const signal = outer ? AbortSignal.any([outer, cap.signal]) : cap.signal;
  const seen: GcgStep[] = [];
  try {
    return { result: await work(signal, seen), seen };
  } catch (err) {
    if (err instanceof CancelledError && cap.signal.aborted && !outer?.aborted) return { result: null, seen };
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The result of a run the wall-time cap stopped: the best string of the last finished step stands. */
function cappedResult(seen: GcgStep[], spec: GcgSpec): GcgResult {
  const last = seen.at(-1);
  const threshold = spec.noEarlyStop ? null : spec.earlyStopAsr;
  const first = threshold === null ? undefined : seen.find((h) => h.asr !== undefined && h.asr >= threshold);
  return {
    bestString: last?.bestString ?? '',
    bestIds: [],
    bestLoss: last?.bestLoss ?? Number.POSITIVE_INFINITY,
    history: seen,
    asr: null,
    stoppedBy: 'time',
    seconds: spec.maxSeconds,
    forwardPasses: last?.forwardPasses ?? 0,
    firstSuccess: first ? { step: first.step, seconds: first.seconds, forwardPasses: first.forwardPasses } : null,
    samples: [],
  };
}
