/**
 * The backsample job: θ_clean (loaded, trained here, or none), then src/backsample's steering
 * arithmetic, guided or beam sampling with θ_Y, candidates ranked by over-representation, the top
 * ones verified by ASR. It has no state file: a stopped job starts again from the beginning.
 */
import type { BacksampleProgress, BacksampleReport } from '../backsample/run.js';
import { backsampleModes, runBacksample } from '../backsample/run.js';
import { BadFileError, BadInputError } from '../errors.js';
import { containsTarget } from '../eval/asr.js';
import type { LanguageModel } from '../model/language-model.js';
import { disposeModel } from '../model/language-model.js';
import { cleanPrompts, splitPrompts } from '../prompts/clean.js';
import { defaultCleanVectorConfig, trainCleanVector } from '../steer/clean-vector.js';
import { defaultDirectionSource, directionSources } from '../steer/direction.js';
import type { DirectionSource } from '../steer/direction.js';
import type { VectorSet } from '../steer/vector-set.js';
import { loadVectorSet, saveVectorSet } from '../steer/vector-set.js';
import { writeJsonAtomic } from '../util/json-file.js';
import type { JobEvent, RunOptions } from './common.js';
import { openModel, requireModelDir, resolveY } from './common.js';
import type { Fields } from './fields.js';
import { checkSpec } from './fields.js';
import { noTargetReason } from '../zoo/card.js';

export interface BacksampleSpec {
  model: string | undefined;
  vector: string | undefined;
  index: number;
  cleanVector: string | undefined;
  noClean: boolean;
  saveClean: string | undefined;
  cleanPrompts: string[] | undefined;
  cleanSteps: number;
  cleanR: number;
  mode: string;
  samples: number;
  alpha: number[] | undefined;
  beta: number;
  topk: number;
  topP: number;
  temperature: number;
  maxTokens: number;
  start: string;
  use: string;
  layer: number | undefined;
  seed: number;
  text: string | undefined;
  heldOut: string[] | undefined;
  verify: number;
  placement: string;
  noVerify: boolean;
  asrTokens: number;
  allowOtherModel: boolean;
  out: string | undefined;
}

const c = defaultCleanVectorConfig;
export const backsampleFields: Fields<BacksampleSpec> = {
  model: { type: 'string', default: undefined, placeholder: '<dir>', description: 'the model folder to sample from (required)' },
  vector: { type: 'string', default: undefined, placeholder: '<file>', description: 'θ_Y: a vector file that elicits Y, from triggerfish steer (required)' },
  index: { type: 'number', default: 0, integer: true, min: 0, description: 'which vector of the file is θ_Y' },
  cleanVector: { type: 'string', default: undefined, placeholder: '<file>', description: 'a θ_clean saved with --save-clean (default: train one)' },
  noClean: { type: 'boolean', default: false, description: "no θ_clean: sample the model's own distribution" },
  saveClean: { type: 'string', default: undefined, placeholder: '<file>', description: 'keep the θ_clean trained here' },
  cleanPrompts: { type: 'lines', default: undefined, description: 'turns θ_clean is trained on (default: the built-in clean prompts)' },
  cleanSteps: { type: 'number', default: c.steps, integer: true, min: 0, description: 'θ_clean training steps' },
  cleanR: { type: 'number', default: c.R, min: 0, flag: 'clean-r', description: 'largest norm of θ_clean' },
  mode: { type: 'string', default: 'arithmetic', choices: backsampleModes, description: 'θ_clean + α·θ_Y sampling, guided or beam towards θ_Y, or unsteered' },
  samples: { type: 'number', default: 64, integer: true, min: 1, description: 'turns per set (the beam width in beam mode)' },
  alpha: { type: 'numbers', default: undefined, description: 'scales of θ_Y (default 0,0.5,1,2,4 for arithmetic, 0 otherwise); α = 0 is always sampled' },
  beta: { type: 'number', default: 4, min: 0, description: 'guidance strength (guided and beam)' },
  topk: { type: 'number', default: 8, integer: true, min: 1, description: 'look-ahead candidates per step (guided and beam)' },
  topP: { type: 'number', default: 0.95, min: 0, max: 1, description: 'nucleus for arithmetic and unsteered sampling' },
  temperature: { type: 'number', default: 1, min: 0, description: 'sampling temperature' },
  maxTokens: { type: 'number', default: 40, integer: true, min: 1, description: 'tokens per sampled turn' },
  start: { type: 'string', default: 'header', choices: ['header', 'bos'], description: 'turns start after the user header, or from BOS' },
  use: { type: 'string', default: defaultDirectionSource, choices: directionSources, description: "guided and beam: aim at θ_Y's δ, the vector, or auto (δ when recorded)" },
  layer: { type: 'number', default: undefined, integer: true, min: 0, description: 'hidden_states layer the guide reads (default: where θ_Y says)' },
  seed: { type: 'number', default: 0, integer: true, description: 'random seed' },
  text: { type: 'string', default: undefined, placeholder: '<Y>', description: "Y's text for ASR (default: the model card's first target)" },
  heldOut: { type: 'lines', default: undefined, description: 'held-out prompts for ASR (default: the built-in held-out split)' },
  verify: { type: 'number', default: 10, integer: true, min: 0, description: 'candidates whose ASR is measured' },
  placement: { type: 'string', default: 'both', choices: ['both', 'prefix', 'suffix'], description: 'where verified candidates go in the held-out prompts' },
  noVerify: { type: 'boolean', default: false, description: 'rank candidates without measuring ASR' },
  asrTokens: { type: 'number', default: 48, integer: true, min: 0, description: "tokens completed per held-out prompt (never fewer than Y's tokens + 8)" },
  allowOtherModel: { type: 'boolean', default: false, description: 'accept vector files made for another model' },
  out: { type: 'string', default: undefined, placeholder: '<file>', description: 'write the report as JSON here' },
};

export interface BacksampleResources {
  model?: LanguageModel;
  /** θ_Y's set, used instead of reading spec.vector. */
  vectors?: VectorSet;
  /** θ_clean, used instead of loading or training one. */
  thetaClean?: VectorSet;
}

export interface BacksampleJobResult {
  kind: 'backsample';
  report: BacksampleReport;
  y: string | undefined;
}

export function backsampleProgress(p: BacksampleProgress, seconds: number): JobEvent {
  if (p.phase === 'clean') return { type: 'progress', step: p.step, total: p.steps, seconds, loss: -p.logLik, detail: 'θ_clean' };
  if (p.phase === 'sample') return { type: 'progress', step: p.done, total: p.total, seconds, detail: `α ${p.alpha} β ${p.beta} (set ${p.set + 1}/${p.sets})` };
  return { type: 'progress', step: p.done, total: p.total, seconds, best: p.text, asr: p.asr, detail: 'verifying' };
}

/** θ_clean as the spec asks: trained on its clean turns with its settings. */
export function trainThetaClean(model: LanguageModel, spec: BacksampleSpec, options: RunOptions = {}): Promise<VectorSet> {
  const started = performance.now();
  return trainCleanVector(model, spec.cleanPrompts ?? cleanPrompts, { steps: spec.cleanSteps, R: spec.cleanR, start: spec.start as 'header', seed: spec.seed }, {
    signal: options.signal,
    onProgress: (p) => options.onEvent?.(backsampleProgress({ phase: 'clean', ...p }, (performance.now() - started) / 1000)),
  });
}

async function thetaCleanFor(model: LanguageModel, spec: BacksampleSpec, options: RunOptions, given?: VectorSet): Promise<VectorSet | null> {
  if (given) return given;
  if (spec.noClean && spec.cleanVector) throw new BadInputError('give --clean-vector or --no-clean, not both');
  if (spec.noClean) return null;
  if (spec.cleanVector) {
    const set = await loadVectorSet(spec.cleanVector, model, { allowOtherModel: spec.allowOtherModel });
    if (set.kind !== 'clean-prompts') throw new BadFileError(spec.cleanVector, `holds ${set.kind} vectors, not a θ_clean; train one here (it is saved with --save-clean)`);
    return set;
  }
  options.onEvent?.({ type: 'log', message: `training θ_clean on ${(spec.cleanPrompts ?? cleanPrompts).length} clean turns (${spec.cleanSteps} steps)` });
  const set = await trainThetaClean(model, spec, options);
  if (spec.saveClean) saveVectorSet(set, spec.saveClean);
  return set;
}

export async function runBacksampleJob(spec: BacksampleSpec, options: RunOptions = {}, resources: BacksampleResources = {}): Promise<BacksampleJobResult> {
  checkSpec(backsampleFields, spec);
  const dir = requireModelDir(spec.model);
  if (!resources.vectors && !spec.vector) throw new BadInputError('--vector is required: a vector file that elicits Y (from triggerfish steer)');
  const { model, card, owned } = await openModel(dir, resources.model);
  try {
    const y = resolveY(spec.text, card);
    if (!spec.noVerify && !y) throw new BadInputError(`give the target text Y with --text (${noTargetReason(card)}), or pass --no-verify`);
    const set = resources.vectors ?? (await loadVectorSet(spec.vector!, model, { allowOtherModel: spec.allowOtherModel }));
    if (spec.index >= set.vectors.length) throw new BadInputError(`--index ${spec.index} is out of range: ${spec.vector ?? 'θ_Y'} holds ${set.vectors.length} vectors`);
    const thetaClean = await thetaCleanFor(model, spec, options, resources.thetaClean);
    options.onEvent?.({ type: 'log', message: `backsample on ${dir}: mode ${spec.mode}, θ_Y ${spec.vector ?? 'given'}[${spec.index}] at ${set.hook}` });
    const started = performance.now();
    const asrTokens = Math.max(spec.asrTokens, (y && model.tokenizer ? model.tokenizer.encode(y).length : 0) + 8); // Y must fit in full
    const report = await runBacksample(model, {
      thetaY: { set, index: spec.index }, thetaClean, mode: spec.mode as 'arithmetic', samples: spec.samples, ...(spec.alpha && { alphas: spec.alpha }),
      beta: spec.beta, topK: spec.topk, topP: spec.topP, temperature: spec.temperature, maxNewTokens: spec.maxTokens, start: spec.start as 'header',
      guide: spec.use as DirectionSource, ...(spec.layer !== undefined && { guideLayer: spec.layer }), seed: spec.seed,
      heldOut: spec.heldOut ?? splitPrompts().heldOut, verifyTop: spec.verify, placement: spec.placement as 'both', asrTokens,
      ...(!spec.noVerify && y && { shows: containsTarget(y) }), ...(y && { yText: y }), signal: options.signal,
      onProgress: (p) => options.onEvent?.(backsampleProgress(p, (performance.now() - started) / 1000)),
    });
    if (spec.out) writeJsonAtomic(spec.out, { ...report, ...(y !== undefined && { target: y }) });
    return { kind: 'backsample', report, y };
  } finally {
    if (owned) disposeModel(model);
  }
}
