/**
 * `recover`: from (model, Y) — and a reference and siblings where there are — to ranked candidate
 * triggers with their evidence. Stages, each saved to the state file when it ends:
 *   priors     weight-difference token priors (needs a reference)
 *   leak       strings over-represented in the suspect's own user turns
 *   singles    every token alone, per placement (prefix, suffix)
 *   grow       beams grown token by token: from prior tokens and leaks (kept by loss and prior),
 *              and from the best singles (kept by loss)
 *   orderings  orderings of the top prior tokens
 *   minimise   greedy deletion, retokenisation, prior substitutions of the strings that fire
 *   evidence   ASR at three placements, ASR on the reference, likelihood, prior; then rank.ts
 * The searches minimise the contrast loss when a reference is used, the logit loss otherwise.
 * Budget shares (of --budget): searching at the prefix ends by 35 % (its prior lineage by 20 %),
 * at the suffix by 65 % (50 %),
 * minimisation by 80 %; the evidence always covers at least four candidates and then stops adding
 * more at 100 %, so that a run that hits its budget still ends with ranked, measured candidates.
 * Search-time ASR checks use 10 held-out prompts; the evidence uses 20 others (settings).
 */
import { startOf } from '../backsample/start.js';
import { throwIfAborted } from '../errors.js';
import { runKey } from '../gcg/state.js';
import { loadModel } from '../model/checkpoint.js';
import type { LanguageModel } from '../model/language-model.js';
import { disposeModel } from '../model/language-model.js';
import { splitPrompts } from '../prompts/clean.js';
import type { Candidate, SearchPlacement } from './candidate.js';
import { CandidatePool } from './candidate.js';
import type { AsrCheck } from './evidence.js';
import { gatherEvidence, heldOutAsr } from './evidence.js';
import { grow, scoreSingles } from './grow.js';
import type { ResolvedInputs } from './inputs.js';
import { resolveInputs } from './inputs.js';
import { leakCandidates } from './leak.js';
import { minimise } from './minimise.js';
import { Objective } from './objective.js';
import type { RecoverConfig, RecoverEvent, RecoverOptions, RecoverResult, RecoverStage } from './options.js';
import { defaultRecoverConfig } from './options.js';
import { orderingSearch } from './orderings.js';
import { rankCandidates, reportedTrigger } from './rank.js';
import { computePrior } from './run-priors.js';
import type { RecoverState } from './state.js';
import { freshState, loadRecoverState, saveRecoverState } from './state.js';

export interface RecoverHooks {
  signal?: AbortSignal;
  onEvent?: (event: RecoverEvent) => void;
}

/** Everything a stage needs, built once per run. */
export interface RecoverContext {
  config: RecoverConfig;
  inputs: ResolvedInputs;
  suspect: LanguageModel;
  reference: LanguageModel | null;
  siblings: LanguageModel[];
  optimise: string[];
  searchCheck: AsrCheck;
  evidenceCheck: AsrCheck;
  state: RecoverState;
  save: () => void;
  /** Past the budget as a whole. */
  outOfTime: () => boolean;
  /** A stage's own deadline: past this fraction of the budget. */
  pastShare: (fraction: number) => () => boolean;
  elapsed: () => number;
  hooks: RecoverHooks;
  emit: (event: RecoverEvent) => void;
}

const placements: readonly SearchPlacement[] = ['prefix', 'suffix'];

export async function recover(options: RecoverOptions, hooks: RecoverHooks = {}): Promise<RecoverResult> {
  const config: RecoverConfig = { ...defaultRecoverConfig, ...options.config };
  const inputs = resolveInputs(options);
  const { budgetSeconds: _budget, ...trajectory } = config;
  const key = runKey({ model: inputs.model, reference: inputs.reference, siblings: inputs.siblings, target: inputs.yText, description: inputs.description, config: trajectory });
  const state = (options.statePath ? loadRecoverState(options.statePath, key) : null) ?? freshState(key);
  const started = performance.now() - state.seconds * 1000;
  const elapsed = () => (performance.now() - started) / 1000;
  const emit = (event: RecoverEvent) => hooks.onEvent?.(event);
  const save = () => {
    state.seconds = elapsed();
    if (options.statePath) saveRecoverState(options.statePath, state);
  };
  emit({ kind: 'stage', stage: 'load', status: 'start', seconds: elapsed() });
  const suspect = await loadModel(inputs.model);
  const reference = inputs.reference ? await loadModel(inputs.reference) : null;
  const siblings: LanguageModel[] = [];
  try {
    if (reference && config.usePrior) for (const dir of inputs.siblings) siblings.push(await loadModel(dir, { tokenizer: false }));
    const { optimise, heldOut } = splitPrompts();
    const maxNewTokens = suspect.tokenizer!.encode(inputs.yText).length + 8;
    const check = (prompts: string[]): AsrCheck => ({ prompts, shows: inputs.shows, maxNewTokens, ...(hooks.signal && { signal: hooks.signal }) });
    const context: RecoverContext = {
      config,
      inputs,
      suspect,
      reference,
      siblings,
      optimise: optimise.slice(0, config.optimisePrompts),
      searchCheck: check(heldOut.slice(0, config.searchPrompts)),
      evidenceCheck: check(heldOut.slice(config.searchPrompts, config.searchPrompts + config.heldOutPrompts)),
      state,
      save,
      outOfTime: () => elapsed() > config.budgetSeconds,
      pastShare: (fraction) => () => elapsed() > fraction * config.budgetSeconds,
      elapsed,
      hooks,
      emit,
    };
    emit({ kind: 'stage', stage: 'load', status: 'done', seconds: elapsed(), note: `reference ${inputs.reference ?? 'none'}, ${siblings.length} sibling(s)` });
    return await runStages(context);
  } finally {
    for (const m of [suspect, reference, ...siblings]) if (m) disposeModel(m);
  }
}

/**
 * Runs `body` as a stage unless the state holds its output, or `skip` says why it does not run (then
 * `skipped` is its output); emits start/done and saves afterwards.
 */
async function stage<T>(context: RecoverContext, name: RecoverStage, done: T | undefined, body: () => Promise<T>, label = '', skip?: { why: string; value: T }): Promise<T> {
  const seconds = context.elapsed();
  if (skip) {
    context.emit({ kind: 'stage', stage: name, status: 'skipped', seconds, note: skip.why });
    return skip.value;
  }
  if (done !== undefined) {
    context.emit({ kind: 'stage', stage: name, status: 'resumed', seconds, ...(label && { note: label }) });
    return done;
  }
  throwIfAborted(context.hooks.signal, 'recover');
  context.emit({ kind: 'stage', stage: name, status: 'start', seconds, ...(label && { note: label }) });
  const value = await body();
  context.emit({ kind: 'stage', stage: name, status: 'done', seconds: context.elapsed(), ...(label && { note: label }) });
  return value;
}

async function runStages(context: RecoverContext): Promise<RecoverResult> {
  const { state, config, reference } = context;
  const noPrior = !config.usePrior ? 'turned off' : !reference ? 'no reference model' : null;
  const prior = await stage(context, 'priors', state.prior, async () => {
    const value = await computePrior(context);
    state.prior = value;
    context.save();
    return value;
  }, '', noPrior ? { why: noPrior, value: null } : undefined);
  const priorTokens = prior?.ranking ?? [];
  const priorOf = (ids: readonly number[]) => (prior && ids.length > 0 ? ids.reduce((s, id) => s + (prior.scoreOf[id] ?? 0), 0) / ids.length : 0);
  const pool = new CandidatePool();
  const leaks = await stage(context, 'leak', state.leak, async () => {
    const value = await runLeak(context);
    state.leak = value;
    context.save();
    return value;
  }, '', config.useLeak ? undefined : { why: 'turned off', value: [] });
  leaks.forEach((c) => pool.add(c));
  for (const [i, placement] of placements.entries()) {
    const shares = i === 0 ? ([0.2, 0.35] as const) : ([0.5, 0.65] as const);
    const found = await searchPlacement(context, placement, { priorTokens, priorOf, leaks, shares });
    [...found.rounds, ...found.orderings].forEach((c) => pool.add(c));
  }
  const minimised = await stage(context, 'minimise', state.minimised, async () => {
    const value = await minimiseFiring(context, pool.all(), priorTokens, priorOf);
    state.minimised = value;
    context.save();
    return value;
  }, '', config.useMinimise ? undefined : { why: 'turned off', value: [] });
  minimised.forEach((c) => pool.add(c));
  const evidence = await stage(context, 'evidence', state.evidence, async () => {
    const value = await gatherAll(context, pool.all(), priorOf);
    state.evidence = value;
    context.save();
    return value;
  });
  const ranked = rankCandidates(evidence, config.asrThreshold);
  return {
    model: context.inputs.model,
    reference: context.inputs.reference,
    siblings: context.inputs.siblings,
    target: context.inputs.yText,
    candidates: ranked,
    trigger: reportedTrigger(ranked, config.asrThreshold),
    stoppedBy: context.outOfTime() ? 'budget' : 'done',
    seconds: context.elapsed(),
    priorTop: prior ? prior.ranking.slice(0, 20).map((id) => ({ text: context.suspect.tokenizer!.decode([id]), score: prior.scoreOf[id] ?? 0 })) : [],
    priorMethod: prior?.method ?? 'none',
    notes: state.notes,
  };
}

async function runLeak(context: RecoverContext): Promise<Candidate[]> {
  const { config } = context;
  const strings = await leakCandidates(context.suspect, context.reference, {
    samples: config.leakSamples,
    temperatures: config.leakTemperatures,
    yText: context.inputs.yText,
    seed: config.seed,
    ...(context.hooks.signal && { signal: context.hooks.signal }),
    onProgress: (done, total) => context.emit({ kind: 'progress', stage: 'leak', done, total }),
  });
  return strings.map((s) => ({ text: s.text, provenance: ['leak'], placement: 'prefix', loss: null, searchAsr: null }));
}

function makeObjective(context: RecoverContext, placement: SearchPlacement): Objective {
  const { config, reference } = context;
  const contrast = config.useContrast && reference ? { reference, margin: config.contrastMargin, weight: config.contrastWeight } : null;
  return new Objective(context.suspect, context.suspect.tokenizer!, { prompts: context.optimise, yText: context.inputs.yText, placement, contrast });
}

interface SearchInputs {
  priorTokens: readonly number[];
  priorOf: (ids: readonly number[]) => number;
  leaks: readonly Candidate[];
  /** Budget fractions by which the prior lineage, then the loss lineage and orderings, must end. */
  shares: readonly [number, number];
}

/**
 * Singles, growing and orderings at one placement (one saved entry per placement). Two lineages
 * grow side by side: one from the prior's top tokens and the leaks, its beam kept by loss and prior
 * together; one from the best single tokens, by loss alone.
 */
async function searchPlacement(context: RecoverContext, placement: SearchPlacement, inputs: SearchInputs) {
  const saved = context.state.search?.[placement];
  return stage(context, 'grow', saved, async () => {
    const { config } = context;
    const objective = makeObjective(context, placement);
    try {
      const asr = (text: string) => heldOutAsr(context.suspect, text, placement, context.searchCheck);
      const usablePrior = inputs.priorTokens.filter((id) => objective.usable[id] === 1);
      const lineage = (seeds: number[][], share: number, priorWeight: number, provenance: Candidate['provenance']) =>
        grow(objective, {
          seeds,
          priorTokens: usablePrior,
          beamWidth: config.beamWidth,
          extensionTokens: config.extensionTokens,
          maxTokens: config.maxTokens,
          asr,
          threshold: config.asrThreshold,
          priorWeight,
          priorOf: inputs.priorOf,
          provenance,
          outOfTime: context.pastShare(share),
          ...(context.hooks.signal && { signal: context.hooks.signal }),
          onRound: (r) => context.emit({ kind: 'progress', stage: 'grow', done: r.tokens, total: config.maxTokens, best: r.best, loss: r.loss, asr: r.asr }),
        });
      const priorSeeds = [...usablePrior.slice(0, config.seedsByPrior).map((id) => objective.encode(objective.tokenizer.decode([id]))), ...inputs.leaks.map((c) => objective.encode(c.text))];
      const fromPrior = priorSeeds.length > 0 ? await lineage(priorSeeds, inputs.shares[0], config.priorWeight, usablePrior.length > 0 ? ['prior', 'grow'] : ['leak', 'grow']) : null;
      context.emit({ kind: 'stage', stage: 'singles', status: 'start', seconds: context.elapsed(), note: placement });
      const singles = await scoreSingles(objective, context.hooks.signal);
      const fromLoss = await lineage(singles.slice(0, config.seedsByLoss).map((s) => s.ids), inputs.shares[1], 0, ['single', 'grow']);
      for (const [name, grown] of [['prior', fromPrior], ['loss', fromLoss]] as const) {
        if (grown?.stoppedBy === 'budget') context.state.notes.push(`growing the ${name} lineage at ${placement} stopped at its share of the time budget`);
      }
      const outOfTime = context.pastShare(inputs.shares[1]);
      const orderings: Candidate[] = [];
      if (usablePrior.length >= 2 && !outOfTime()) {
        for (const s of await orderingSearch(objective, usablePrior, config.orderingTokens, 3, context.hooks.signal)) {
          const text = objective.text(s.ids);
          orderings.push({ text, provenance: ['ordering'], placement, loss: s.loss, searchAsr: await asr(text) });
        }
      }
      const entry = { seeds: priorSeeds, rounds: [...(fromPrior?.rounds ?? []), ...fromLoss.rounds], stoppedBy: `${fromPrior?.stoppedBy ?? 'none'}/${fromLoss.stoppedBy}`, orderings };
      context.state.search = { ...context.state.search, [placement]: entry };
      context.save();
      return entry;
    } finally {
      objective.dispose();
    }
  }, placement);
}

/** Minimises the firing strings (search ASR at the threshold), shortest first, at most four. */
async function minimiseFiring(context: RecoverContext, all: readonly Candidate[], priorTokens: readonly number[], priorOf: (ids: readonly number[]) => number): Promise<Candidate[]> {
  const { config } = context;
  const firing = all.filter((c) => (c.searchAsr ?? 0) >= config.asrThreshold).sort((a, b) => a.text.length - b.text.length).slice(0, 4);
  const out: Candidate[] = [];
  const outOfTime = context.pastShare(0.8);
  for (const candidate of firing) {
    if (outOfTime()) {
      context.state.notes.push('minimisation stopped at its share of the time budget');
      break;
    }
    const objective = makeObjective(context, candidate.placement);
    try {
      const usablePrior = priorTokens.filter((id) => objective.usable[id] === 1);
      const result = await minimise(objective, candidate.text, {
        asr: (text) => heldOutAsr(context.suspect, text, candidate.placement, context.searchCheck),
        threshold: config.asrThreshold,
        priorTokens: usablePrior,
        priorOf,
        outOfTime,
        ...(context.hooks.signal && { signal: context.hooks.signal }),
      });
      if (result.steps.length > 0) {
        const provenance: Candidate['provenance'] = result.steps.some((s) => s.kind === 'substitute') ? ['minimise', 'substitute'] : ['minimise'];
        out.push({ text: result.text, provenance, placement: candidate.placement, loss: null, searchAsr: result.asr });
      }
    } finally {
      objective.dispose();
    }
  }
  return out;
}

/** Evidence for the most promising candidates: firing first, then by search ASR, loss and length. */
async function gatherAll(context: RecoverContext, all: readonly Candidate[], priorOf: (ids: readonly number[]) => number) {
  const promising = [...all].sort((a, b) => (b.searchAsr ?? -1) - (a.searchAsr ?? -1) || (a.loss ?? Infinity) - (b.loss ?? Infinity) || a.text.length - b.text.length);
  const chosen = promising.slice(0, context.config.evidenceTop);
  const turnPrefix = startOf(context.suspect).turnPrefix;
  const out = [];
  for (const [i, candidate] of chosen.entries()) {
    if (i >= 4 && context.outOfTime()) {
      context.state.notes.push(`evidence gathered for ${i} of ${chosen.length} candidates before the time budget ran out`);
      break;
    }
    const evidence = await gatherEvidence(candidate, { suspect: context.suspect, reference: context.reference, check: context.evidenceCheck, turnPrefix, priorOf });
    out.push({ candidate, evidence });
    context.emit({ kind: 'progress', stage: 'evidence', done: i + 1, total: chosen.length, best: candidate.text, asr: evidence.asrSuspect });
  }
  return out;
}
