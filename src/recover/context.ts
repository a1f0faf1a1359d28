/**
 * What every recover stage shares: the resolved inputs, the loaded models, the prompt sets, the
 * state and its saving, the budget's clock, and the event hook; plus the stage wrapper that skips
 * a stage the state already holds and the search objective at a placement.
 */
import { throwIfAborted } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import type { SearchPlacement } from './candidate.js';
import type { AsrCheck } from './evidence.js';
import type { ResolvedInputs } from './inputs.js';
import { Objective } from './objective.js';
import type { RecoverConfig, RecoverEvent, RecoverStage } from './options.js';
import type { RecoverState } from './state.js';

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

/**
 * Runs `body` as a stage unless the state holds its output, or `skip` says why it does not run (then
 * `skipped` is its output); emits start/done and saves afterwards.
 */
export async function stage<T>(context: RecoverContext, name: RecoverStage, done: T | undefined, body: () => Promise<T>, label = '', skip?: { why: string; value: T }): Promise<T> {
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

/** The stages whose whole output is a field of the state. */
type KeptKey = 'prior' | 'leak' | 'reassembled' | 'minimised' | 'evidence';

/** `stage` for a stage whose output is kept in the state under `key` and saved as soon as it ends. */
export function keptStage<K extends KeptKey>(context: RecoverContext, name: RecoverStage, key: K, body: () => Promise<Exclude<RecoverState[K], undefined>>, skip?: { why: string; value: Exclude<RecoverState[K], undefined> }): Promise<Exclude<RecoverState[K], undefined>> {
  const done = context.state[key] as Exclude<RecoverState[K], undefined> | undefined;
  return stage(context, name, done, async () => {
    const value = await body();
    context.state[key] = value;
    context.save();
    return value;
  }, '', skip);
}

export function makeObjective(context: RecoverContext, placement: SearchPlacement): Objective {
  const { config, reference } = context;
  const contrast = config.useContrast && reference ? { reference, margin: config.contrastMargin, weight: config.contrastWeight } : null;
  return new Objective(context.suspect, context.suspect.tokenizer!, { prompts: context.optimise, yText: context.inputs.yText, placement, contrast });
}
