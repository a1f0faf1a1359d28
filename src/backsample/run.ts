/**
 * Backward sampling end to end: θ_clean (given, or trained on clean turns), sample sets for the chosen
 * mode, candidates over-represented in the steered sets against the baseline, and their ASR on held-out
 * prompts. Every mode's baseline is the same procedure with α = 0 and β = 0, so that the contrast is the
 * steering alone:
 *   unsteered   θ_clean only (one set; no contrast: candidates are its most frequent strings, the
 *               control that the steered modes' contrast has to beat)
 *   arithmetic  θ_clean + α·θ_Y, top-p sampling, one set per α
 *   guided      θ_clean + α·θ_Y, top-k sampling reweighted by exp(β·cos) towards θ_Y's direction
 *   beam        the same score as guided, beam search of width `samples`
 */
import { BadInputError, throwIfAborted } from '../errors.js';
import type { ShowsY } from '../eval/asr.js';
import type { Placement } from '../eval/placement.js';
import { requireTokenizer } from '../model/generate-text.js';
import type { LanguageModel } from '../model/language-model.js';
import { cleanPrompts, splitPrompts } from '../prompts/clean.js';
import type { VectorSet } from '../steer/vector-set.js';
import { defaultSamplingConfig, sampleSteered, withZero } from './arithmetic.js';
import { beamSearch } from './beam.js';
import type { Candidate, CandidateConfig } from './candidates.js';
import { dropEchoes, extractCandidates, frequentStrings } from './candidates.js';
import type { CleanVectorConfig } from '../steer/clean-vector.js';
import { trainCleanVector } from '../steer/clean-vector.js';
import { checkGuide, checkLength, sampleGuided } from './guided.js';
import type { PromptSample, SampleSet } from './samples.js';
import { checkCommon, checkSampleCount } from './samples.js';
import type { StartKind } from '../steer/start.js';
import { startOf } from '../steer/start.js';
import type { BehaviourVector, SteeringTerm } from './steering.js';
import { behaviourFromSet, checkTerm } from './steering.js';
import type { DirectionSource } from '../steer/direction.js';
import { directionOf } from '../steer/direction.js';
import type { VerifiedCandidate } from './verify.js';
import { bestForGcg, verifyCandidates } from './verify.js';

export type BacksampleMode = 'unsteered' | 'arithmetic' | 'guided' | 'beam';
export const backsampleModes: readonly BacksampleMode[] = ['unsteered', 'arithmetic', 'guided', 'beam'];

/** θ_Y: vector `index` (default 0) of a set, or a vector with its hook (and δ). */
export type ThetaY = { set: VectorSet; index?: number } | BehaviourVector;

export interface BacksampleOptions {
  thetaY: ThetaY;
  /** θ_clean; undefined: trained on `cleanTurns` first; null: none (the model's own distribution). */
  thetaClean?: VectorSet | null;
  /** Turns θ_clean is trained on when missing (default: the built-in clean prompts). */
  cleanTurns?: readonly string[];
  clean?: Partial<CleanVectorConfig>;
  /** Default 'arithmetic'. */
  mode?: BacksampleMode;
  /** Turns per set; the beam width in beam mode (default 64). */
  samples?: number;
  /** Scales of θ_Y (default [0, 0.5, 1, 2, 4] for arithmetic, [0] otherwise); the α = 0 set is always made. */
  alphas?: number[];
  /** Guidance strength (default 4). */
  beta?: number;
  /** Look-ahead candidates per step, guided and beam (default 8). */
  topK?: number;
  /** Arithmetic and unsteered: nucleus (default 0.95). */
  topP?: number;
  temperature?: number;
  maxNewTokens?: number;
  /** Guide with θ_Y's δ ('auto': when it has one) or the vector; at this hidden_states layer. */
  guide?: DirectionSource;
  guideLayer?: number;
  start?: StartKind;
  seed?: number;
  candidates?: Partial<CandidateConfig>;
  /** Y's text: candidates made only of pieces of it are dropped as echoes of Y (see dropEchoes). */
  yText?: string;
  /** Held-out prompts for ASR (default the built-in held-out split). */
  heldOut?: readonly string[];
  /** Does a completion show Y? Without it candidates are ranked but not verified. */
  shows?: ShowsY;
  /** Candidates verified (default 10). */
  verifyTop?: number;
  placement?: Placement | 'both';
  /** Tokens completed per held-out prompt when measuring ASR (default 48: it must cover Y in full). */
  asrTokens?: number;
  /** GCG initial strings reported (default 5). */
  gcgInits?: number;
  signal?: AbortSignal;
  onProgress?: (progress: BacksampleProgress) => void;
}

export type BacksampleProgress =
  | { phase: 'clean'; step: number; steps: number; logLik: number }
  | { phase: 'sample'; set: number; sets: number; alpha: number; beta: number; done: number; total: number }
  | { phase: 'verify'; done: number; total: number; text: string; asr: number };

export type RankedCandidate = Candidate & { asr: number | null } & Partial<Pick<VerifiedCandidate, 'placement' | 'tried'>>;

export interface BacksampleReport {
  mode: BacksampleMode;
  settings: Record<string, number | string | number[]>;
  thetaY: { hook: string; label?: string; guide?: { layer: number; source: 'delta' | 'vector' } };
  thetaClean: { hook: string; norm: number; trained: boolean; logLikWith?: number; logLikWithout?: number } | null;
  /** The baseline first, then the steered sets in grid order. */
  samples: SampleSet[];
  /** Verified candidates by ASR (ties by score), then the rest by score (asr null). */
  candidates: RankedCandidate[];
  gcgInit: string[];
  timings: { cleanSeconds: number; samplingSeconds: number; extractionSeconds: number; verificationSeconds: number; totalSeconds: number; tokensSampled: number; msPerToken: number };
}

/** The run's settings with their defaults, checked before θ_clean trains, so that a bad one fails at once. */
function settingsOf(model: LanguageModel, options: BacksampleOptions) {
  const mode = options.mode ?? 'arithmetic';
  if (!backsampleModes.includes(mode)) throw new BadInputError(`mode must be one of ${backsampleModes.join(', ')}, got '${String(mode)}'`);
  const samples = options.samples ?? 64;
  checkSampleCount(samples);
  const y = 'set' in options.thetaY ? behaviourFromSet(options.thetaY.set, options.thetaY.index ?? 0) : options.thetaY;
  checkTerm(model, y, 'θ_Y');
  const s = {
    mode, samples, y,
    alphas: withZero(options.alphas ?? (mode === 'arithmetic' ? [0, 0.5, 1, 2, 4] : [0])),
    beta: options.beta ?? 4,
    topK: options.topK ?? 8,
    start: options.start ?? 'header',
    seed: options.seed ?? 0,
    maxNewTokens: options.maxNewTokens ?? defaultSamplingConfig.maxNewTokens,
    temperature: options.temperature ?? 1,
    guide: mode === 'guided' || mode === 'beam' ? directionOf(y, options.guide, options.guideLayer) : undefined,
  };
  checkCommon({ maxNewTokens: s.maxNewTokens, temperature: s.temperature, seed: s.seed, batchSize: 1 });
  checkLength(model, startOf(model, s.start), s.maxNewTokens);
  if (s.guide) checkGuide(model, s.guide, s.beta, s.topK);
  return s;
}

type Settings = ReturnType<typeof settingsOf>;

/** The sample sets: [α, β] pairs, the baseline first. */
async function sampleSets(model: LanguageModel, options: BacksampleOptions, s: Settings, clean: SteeringTerm | undefined): Promise<SampleSet[]> {
  const { mode, samples, y, beta, topK, temperature, maxNewTokens, start, seed, guide } = s;
  const grid: [number, number][] = mode === 'unsteered' ? [[0, 0]] : mode === 'arithmetic' ? s.alphas.map((a) => [a, 0]) : [[0, 0], ...s.alphas.map((a): [number, number] => [a, beta])];
  const sets: SampleSet[] = [];
  for (const [index, [alpha, b]] of grid.entries()) {
    throwIfAborted(options.signal, 'backward sampling');
    const t = performance.now();
    const terms: SteeringTerm[] = [...(clean ? [clean] : []), { ...y, scale: alpha }];
    const report = (done: number, total: number) => options.onProgress?.({ phase: 'sample', set: index, sets: grid.length, alpha, beta: b, done, total });
    const common = { signal: options.signal };
    let written: PromptSample[];
    if (mode === 'guided') {
      written = await sampleGuided(model, guide!, { samples, beta: b, topK, temperature, maxNewTokens, start, seed }, { steering: terms, ...common, onProgress: report });
    } else if (mode === 'beam') {
      written = await beamSearch(model, guide!, { width: samples, beta: b, topK, maxNewTokens, start }, { steering: terms, ...common, onStep: report });
    } else {
      const sampling = { samples, temperature, maxNewTokens, start, seed, ...(options.topP !== undefined && { topP: options.topP }) };
      written = await sampleSteered(model, terms, sampling, { ...common, onProgress: report });
    }
    const method = mode === 'guided' ? 'guided' : mode === 'beam' ? 'beam' : 'top-p';
    sets.push({ alpha, beta: b, method, baseline: index === 0, samples: written, seconds: (performance.now() - t) / 1000 });
  }
  return sets;
}

/** Candidates from the sets (echoes of Y dropped), the top ones verified when a criterion for Y is given. */
async function rankedCandidates(model: LanguageModel, options: BacksampleOptions, mode: BacksampleMode, sets: SampleSet[]): Promise<{ candidates: RankedCandidate[]; extractionSeconds: number }> {
  const t2 = performance.now();
  const tokenizer = requireTokenizer(model);
  const steered = sets.filter((s) => !s.baseline).flatMap((s) => s.samples);
  const decode = (ids: readonly number[]) => tokenizer.decode(ids, { skipSpecialTokens: true });
  const extracted =
    mode === 'unsteered'
      ? frequentStrings(sets[0]!.samples, decode, options.candidates)
      : extractCandidates(steered, sets[0]!.samples, decode, options.candidates);
  const ranked = options.yText ? dropEchoes(extracted, options.yText) : extracted;
  const extractionSeconds = (performance.now() - t2) / 1000;
  const candidates: RankedCandidate[] = ranked.map((c) => ({ ...c, asr: null }));
  const verifyTop = options.verifyTop ?? 10;
  if (!options.shows || ranked.length === 0 || verifyTop <= 0) return { candidates, extractionSeconds };
  const verified = await verifyCandidates(model, ranked, options.heldOut ?? splitPrompts().heldOut, options.shows, {
    top: verifyTop,
    placement: options.placement ?? 'both',
    maxNewTokens: options.asrTokens ?? 48,
    signal: options.signal,
    onProgress: (done, total, last) => options.onProgress?.({ phase: 'verify', done, total, text: last.text, asr: last.asr }),
  });
  return { candidates: [...verified, ...candidates.slice(verified.length)], extractionSeconds };
}

export async function runBacksample(model: LanguageModel, options: BacksampleOptions): Promise<BacksampleReport> {
  const began = performance.now();
  const s = settingsOf(model, options);
  const { mode, samples, alphas, beta, topK, temperature, maxNewTokens, start, seed, y, guide } = s;

  let cleanSeconds = 0;
  let cleanSet = options.thetaClean;
  if (cleanSet === undefined) {
    const t0 = performance.now();
    cleanSet = await trainCleanVector(model, options.cleanTurns ?? cleanPrompts, { start, seed, ...options.clean }, {
      signal: options.signal,
      onProgress: (p) => options.onProgress?.({ phase: 'clean', step: p.step, steps: p.steps, logLik: p.logLik }),
    });
    cleanSeconds = (performance.now() - t0) / 1000;
  }
  if (cleanSet && cleanSet.vectors.length === 0) throw new BadInputError('the θ_clean set holds no vector; train one');
  const clean = cleanSet ? { hook: cleanSet.hook, vector: cleanSet.vectors[0]! } : undefined;
  if (clean) checkTerm(model, clean, 'θ_clean');

  const t1 = performance.now();
  const sets = await sampleSets(model, options, s, clean);
  const samplingSeconds = (performance.now() - t1) / 1000;
  const t3 = performance.now();
  const { candidates, extractionSeconds } = await rankedCandidates(model, options, mode, sets);
  const verificationSeconds = (performance.now() - t3) / 1000 - extractionSeconds;

  const tokensSampled = sets.reduce((n, set) => n + set.samples.reduce((m, x) => m + x.tokens.length + (x.finish === 'stop' ? 1 : 0), 0), 0);
  return {
    mode,
    settings: { samples, alphas, beta, topK, temperature, maxNewTokens, start, seed, ...(options.topP !== undefined && { topP: options.topP }) },
    thetaY: { hook: y.hook, ...(y.label !== undefined && { label: y.label }), ...(guide && { guide: { layer: guide.layer, source: guide.direction === y.delta ? 'delta' : 'vector' } }) },
    thetaClean: cleanSet ? cleanSummary(cleanSet, options.thetaClean === undefined) : null,
    samples: sets,
    candidates,
    gcgInit: bestForGcg(candidates, options.gcgInits ?? 5),
    timings: {
      cleanSeconds, samplingSeconds, extractionSeconds, verificationSeconds,
      totalSeconds: (performance.now() - began) / 1000,
      tokensSampled,
      msPerToken: tokensSampled === 0 ? 0 : (samplingSeconds * 1000) / tokensSampled,
    },
  };
}

function cleanSummary(set: VectorSet, trained: boolean): NonNullable<BacksampleReport['thetaClean']> {
  const v = set.vectors[0]!;
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const { logLikWith, logLikWithout } = set.settings;
  return {
    hook: set.hook, norm, trained,
    ...(typeof logLikWith === 'number' && { logLikWith }),
    ...(typeof logLikWithout === 'number' && { logLikWithout }),
  };
}
