/**
 * The GCG loop (Zou et al. 2023): token gradient → top-k candidates → filters → batched scoring →
 * keep the best. Universal over a prompt set (the mean loss), seeded per step, resumable from a
 * state file, cancellable, reporting each step through a callback and never printing.
 */
import { BadInputError, throwIfAborted } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import { requireTokenizer } from '../model/generate-text.js';
import { Random } from '../util/random.js';
import { containsTarget, measureAsr, roomForY } from '../eval/asr.js';
import { dedupe, retokenisationFilter, sampleCandidates, usableTokens } from './candidates.js';
import type { GcgConfig, GcgTargetSpec } from './config.js';
import { checkGcgConfig, defaultGcgConfig } from './config.js';
import { tokenGradient } from './gradient.js';
import { optimText, promptLayout, renderUserTurn } from './layout.js';
import { placeOptim } from '../eval/placement.js';
import { disposeTarget, prepareTarget } from './prepare.js';
import type { PreparedTarget } from './targets.js';
import type { GcgResult, GcgStep } from './result.js';
import type { Scorer } from './scorer-interface.js';
import { createScorer } from './scorer.js';
import type { BufferEntry, GcgState } from './state.js';
import { loadGcgState, saveGcgState } from './state.js';
import { updateBuffer } from './buffer.js';
import { yieldToEventLoop } from '../engine/yield.js';
import type { EngineName } from '../engine/engine.js';

export interface GcgRunOptions {
  /** Prompts the string is optimised over (a backdoor trigger is universal: the mean loss). */
  prompts: readonly string[];
  target: GcgTargetSpec;
  /** The reference model a contrast target compares with (the base or a clean fine-tune). */
  reference?: LanguageModel;
  config?: Partial<GcgConfig>;
  /** Prompts for ASR checks (never optimised over). */
  heldOut?: readonly string[];
  /** Tokens completed per held-out prompt in ASR checks (never fewer than Y's tokens + 8; default 24). */
  asrTokens?: number;
  /**
   * Y's text: a completion shows Y when it contains it (eval/asr.ts). Default: the logit or mixed
   * target's text; an activation target says nothing about Y, so without it there is no ASR check.
   */
  asrText?: string;
  /** Start from this string instead of config.initString (priors, backward-sampling candidates). */
  init?: string;
  /** Save the state to `path` after every step and resume from it; `key` names the run's inputs (src/jobs hashes them). */
  state?: { path: string; key: string };
  signal?: AbortSignal;
  onStep?: (step: GcgStep) => void;
  /** Engine for scoring and ASR checks (default: forwardEngine()); gradients always run on tfjs. */
  engine?: EngineName;
}

function responseText(target: GcgTargetSpec): string {
  if (target.kind === 'activation') return target.positions === 'response' ? (target.responseText ?? '') : '';
  return target.text;
}

/** Everything a run needs before its first step, checked. */
function setUp(model: LanguageModel, options: GcgRunOptions) {
  const config: GcgConfig = { ...defaultGcgConfig, ...options.config };
  checkGcgConfig(config);
  const tokenizer = requireTokenizer(model);
  if (options.prompts.length === 0) throw new BadInputError('GCG needs at least one prompt to optimise over');
  if (options.prompts.some((p) => p.trim() === '')) throw new BadInputError('a GCG prompt is empty; give real requests');
  const layouts = options.prompts.map((p) => promptLayout(tokenizer, p, config.placement, responseText(options.target)));
  const initText = optimText(options.init ?? config.initString, config.placement);
  const initIds = tokenizer.encode(initText);
  if (initIds.length === 0 || tokenizer.decode(initIds) !== initText) {
    throw new BadInputError(`the initial string ${JSON.stringify(initText)} cannot be tokenised and decoded back unchanged; use plain ASCII text`);
  }
  const usable = usableTokens(tokenizer, model.config.vocabSize, { allowNonAscii: config.allowNonAscii, banned: config.bannedTokens, allowed: config.allowedIds });
  if (!usable.some((u) => u === 1)) throw new BadInputError('no token is allowed for the optimised string; loosen the banned list or the prior');
  // Y's text for ASR checks: given, or the logit/mixed target text. An activation target alone says
  // nothing about what Y looks like, so without either there is no check (never a vacuous one).
  const showsText = options.asrText ?? (options.target.kind === 'activation' ? (options.target.responseText ?? '') : options.target.text);
  const shows = showsText === '' ? null : containsTarget(showsText);
  const heldOut = shows ? (options.heldOut ?? []) : [];
  // completions long enough to show the whole target text
  const asrOptions = { maxNewTokens: Math.max(options.asrTokens ?? 24, roomForY(tokenizer, showsText)), signal: options.signal, ...(options.engine && { engine: options.engine }) };
  const saved = options.state ? loadGcgState(options.state.path, options.state.key, { vocabSize: model.config.vocabSize, idsLength: initIds.length }) : null;
  return { config, tokenizer, layouts, initIds, usable, shows, heldOut, asrOptions, saved };
}

type Setup = ReturnType<typeof setUp>;

/** When the early-stop ASR was first reached among past steps. */
function firstSuccessIn(history: readonly GcgStep[], earlyStopAsr: number | null): GcgResult['firstSuccess'] {
  const hit = earlyStopAsr === null ? undefined : history.find((h) => h.asr !== undefined && h.asr >= earlyStopAsr);
  return hit ? { step: hit.step, seconds: hit.seconds, forwardPasses: hit.forwardPasses } : null;
}

export async function runGcg(model: LanguageModel, options: GcgRunOptions): Promise<GcgResult> {
  const setup = setUp(model, options);
  const { config, layouts } = setup;
  const targets = layouts.map((layout) => prepareTarget(model, options.target, layout, config.useMellowmax ? config.mellowmaxAlpha : null, options.reference ?? null));
  const scorer = await createScorer(model, layouts, targets, { batchSize: config.batchSize, usePrefixCache: config.usePrefixCache, ...(options.engine && { engine: options.engine }) });
  try {
    return await search(model, options, setup, targets, scorer);
  } finally {
    scorer.dispose();
    for (const t of targets) disposeTarget(t);
  }
}

async function search(model: LanguageModel, options: GcgRunOptions, setup: Setup, targets: PreparedTarget[], scorer: Scorer): Promise<GcgResult> {
  const { config, tokenizer, layouts, initIds, usable, shows, heldOut, asrOptions, saved } = setup;
  const V = model.config.vocabSize;
  const first = layouts[0]!;
  const encodeInContext = (text: string) => tokenizer.encode(renderUserTurn(tokenizer, placeOptim(first.prompt, text, config.placement)));
  const started = performance.now() - (saved?.seconds ?? 0) * 1000;
  const elapsed = () => (performance.now() - started) / 1000;
  const history: GcgStep[] = saved?.history ?? [];
  let firstSuccess = firstSuccessIn(history, config.earlyStopAsr);
  let buffer: BufferEntry[];
  let best: BufferEntry;
  if (saved) {
    buffer = saved.buffer;
    best = saved.best;
    scorer.forwardPasses = saved.forwardPasses;
  } else {
    const [loss] = await scorer.score([initIds]);
    best = { ids: initIds, loss: loss! };
    buffer = [best];
  }
  let stoppedBy: GcgResult['stoppedBy'] = 'steps';
  for (let step = (saved?.step ?? 0) + 1; step <= config.steps; step++) {
    await yieldToEventLoop(); // let Ctrl-C and pipes through between steps
    throwIfAborted(options.signal, 'GCG');
    const rng = new Random(`gcg:${config.seed}:${step}`);
    const current = buffer[0]!.ids;
    const { gradient } = await tokenGradient(model, layouts, targets, current);
    for (let i = 0; i < gradient.length; i++) gradient[i] = -gradient[i]!; // top-k of the negative gradient
    let candidates = dedupe(sampleCandidates(current, gradient, V, { searchWidth: config.searchWidth, topK: config.topK, nReplace: config.nReplace, usable }, rng), current);
    if (config.filterRetokenisation) candidates = retokenisationFilter(candidates, tokenizer, encodeInContext, { before: first.before, after: first.after });
    if (candidates.length === 0) throw new BadInputError('every GCG candidate failed the retokenisation filter; try another initial string or --no-filter');
    const losses = await scorer.score(candidates, current);
    let bestIndex = 0;
    for (let i = 1; i < losses.length; i++) if (losses[i]! < losses[bestIndex]!) bestIndex = i;
    const stepBest = { ids: candidates[bestIndex]!, loss: losses[bestIndex]! };
    buffer = updateBuffer(buffer, stepBest, config.bufferSize);
    if (stepBest.loss < best.loss) best = stepBest;
    const record: GcgStep = {
      step,
      loss: stepBest.loss,
      bestLoss: best.loss,
      bestString: tokenizer.decode(best.ids),
      currentString: tokenizer.decode(buffer[0]!.ids),
      candidates: candidates.length,
      seconds: +elapsed().toFixed(2),
      forwardPasses: scorer.forwardPasses,
    };
    if (heldOut.length > 0 && config.asrEvery > 0 && step % config.asrEvery === 0) {
      record.asr = (await measureAsr(model, record.bestString, heldOut, config.placement, shows!, asrOptions)).asr;
      firstSuccess ??= firstSuccessIn([record], config.earlyStopAsr);
    }
    history.push(record);
    if (options.state) saveGcgState(options.state.path, stateOf(options.state.key, step, buffer, best, history, scorer.forwardPasses, elapsed()));
    options.onStep?.(record);
    if (record.asr !== undefined && config.earlyStopAsr !== null && record.asr >= config.earlyStopAsr) {
      stoppedBy = 'asr';
      break;
    }
  }
  const bestString = tokenizer.decode(best.ids);
  const final = heldOut.length > 0 ? await measureAsr(model, bestString, heldOut, config.placement, shows!, asrOptions) : null;
  return {
    bestString,
    bestIds: best.ids,
    bestLoss: best.loss,
    history,
    asr: final?.asr ?? null,
    stoppedBy,
    seconds: elapsed(),
    forwardPasses: scorer.forwardPasses,
    firstSuccess,
    samples: final?.completions.slice(0, 8) ?? [],
  };
}

function stateOf(key: string, step: number, buffer: BufferEntry[], best: BufferEntry, history: GcgStep[], forwardPasses: number, seconds: number): GcgState {
  return { format: 'triggerfish-gcg-state/1', key, step, buffer, best, history, forwardPasses, seconds };
}
