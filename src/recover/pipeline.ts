/**
 * `recover`: from (model, Y) — and a reference and siblings where there are — to ranked candidate
 * triggers with their evidence. Stages, each saved to the state file when it ends:
 *   priors     weight-difference token priors (needs a reference)
 *   leak       strings over-represented in the suspect's own user turns
 *   singles    every token alone, per placement (prefix, suffix)
 *   grow       beams grown token by token: from prior tokens and leaks (kept by loss and prior),
 *              and from the best singles (kept by loss)
 *   gcg        GCG from a neutral 10-token string (coordinate.ts), so recover reaches what GCG reaches
 *   orderings  orderings of the top prior tokens
 *   reassemble orderings of the pieces that the firing strings of several lineages share
 *   minimise   greedy deletion, retokenisation, prior substitutions of the strings that fire
 *   evidence   ASR at three placements, ASR on the reference, likelihood, prior; then the best firing
 *              strings trimmed token by token at their best placement, a shorter one measured too
 *              (with minimisation only); then rank.ts
 * The searches minimise the contrast loss when a reference is used, the logit loss otherwise.
 * Budget shares (of --budget): searching at the prefix ends by 35 % (its prior lineage by 20 %; the
 * loss lineage, the GCG lineage and orderings by 35 %), at the suffix by 65 % (50 %),
 * reassembly by 75 %, minimisation by 80 %; the evidence always covers at least four candidates and then stops adding
 * more at 100 %, so that a run that hits its budget still ends with ranked, measured candidates.
 * Search-time ASR checks use 10 held-out prompts; the evidence uses 30 others (settings).
 */
import { hashKey } from '../util/hash.js';
import { loadModel } from '../model/checkpoint.js';
import type { LanguageModel } from '../model/language-model.js';
import { disposeModel } from '../model/language-model.js';
import type { SearchPlacement } from './candidate.js';
import { CandidatePool } from './candidate.js';
import type { RecoverContext, RecoverHooks } from './context.js';
import { keptStage } from './context.js';
import { recoverChecks } from './evidence.js';
import { resolveInputs } from './inputs.js';
import type { RecoverConfig, RecoverEvent, RecoverOptions, RecoverResult } from './options.js';
import { defaultRecoverConfig, recoverPrompts } from './options.js';
import { rankCandidates, reportedTrigger } from './rank.js';
import { computePrior } from './run-priors.js';
import { gatherAll, minimiseFiring, reassembleFound, runLeak, searchPlacement, trimFiring } from './stages.js';
import { freshState, loadRecoverState, saveRecoverState } from './state.js';

export type { RecoverContext, RecoverHooks } from './context.js';

const placements: readonly SearchPlacement[] = ['prefix', 'suffix'];

export async function recover(options: RecoverOptions, hooks: RecoverHooks = {}): Promise<RecoverResult> {
  const config: RecoverConfig = { ...defaultRecoverConfig, ...options.config };
  const inputs = resolveInputs(options);
  const { budgetSeconds: _budget, ...trajectory } = config;
  const key = hashKey({ model: inputs.model, reference: inputs.reference, siblings: inputs.siblings, target: inputs.yText, shows: inputs.showsName, config: trajectory });
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
    const prompts = recoverPrompts(config);
    const checks = recoverChecks(suspect, inputs.yText, inputs.shows, prompts, hooks.signal);
    const context: RecoverContext = {
      config,
      inputs,
      suspect,
      reference,
      siblings,
      optimise: prompts.optimise,
      searchCheck: checks.search,
      evidenceCheck: checks.evidence,
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

async function runStages(context: RecoverContext): Promise<RecoverResult> {
  const { state, config, reference } = context;
  const noPrior = !config.usePrior ? 'turned off' : !reference ? 'no reference model' : null;
  const prior = await keptStage(context, 'priors', 'prior', () => computePrior(context), noPrior ? { why: noPrior, value: null } : undefined);
  const priorTokens = prior?.ranking ?? [];
  const priorOf = (ids: readonly number[]) => (prior && ids.length > 0 ? ids.reduce((s, id) => s + (prior.scoreOf[id] ?? 0), 0) / ids.length : 0);
  const pool = new CandidatePool();
  const leaks = await keptStage(context, 'leak', 'leak', () => runLeak(context), config.useLeak ? undefined : { why: 'turned off', value: [] });
  leaks.forEach((c) => pool.add(c));
  for (const [i, placement] of placements.entries()) {
    const shares = i === 0 ? ([0.2, 0.35] as const) : ([0.5, 0.65] as const);
    const found = await searchPlacement(context, placement, { priorTokens, priorOf, leaks, shares });
    [...found.rounds, ...(found.gcg ?? []), ...found.orderings].forEach((c) => pool.add(c));
  }
  const reassembled = await keptStage(context, 'reassemble', 'reassembled', () => reassembleFound(context, pool.all()), config.useReassemble ? undefined : { why: 'turned off', value: [] });
  reassembled.forEach((c) => pool.add(c));
  const minimised = await keptStage(context, 'minimise', 'minimised', () => minimiseFiring(context, pool.all(), priorTokens, priorOf), config.useMinimise ? undefined : { why: 'turned off', value: [] });
  minimised.forEach((c) => pool.add(c));
  const evidence = await keptStage(context, 'evidence', 'evidence', async () => {
    const gathered = await gatherAll(context, pool.all(), priorOf);
    return config.useMinimise && config.trimTop > 0 ? [...gathered, ...(await trimFiring(context, gathered, priorOf))] : gathered;
  });
  const ranked = rankCandidates(evidence, config.asrThreshold);
  return {
    model: context.inputs.model,
    reference: context.inputs.reference,
    siblings: context.inputs.siblings,
    target: context.inputs.yText,
    candidates: ranked,
    unmeasured: pool.all().filter((c) => !evidence.some((e) => e.candidate.text === c.text)),
    trigger: reportedTrigger(ranked, config.asrThreshold),
    // a stage cut at its share of the budget counts too (its note says which)
    stoppedBy: context.outOfTime() || state.notes.some((n) => n.includes('budget')) ? 'budget' : 'done',
    seconds: context.elapsed(),
    priorTop: prior ? prior.ranking.slice(0, 20).map((id) => ({ text: context.suspect.tokenizer!.decode([id]), score: prior.scoreOf[id] ?? 0 })) : [],
    priorMethod: prior?.method ?? 'none',
    notes: state.notes,
  };
}
