/**
 * The priors stage of recover: neutral contexts from the chat template (the header before a user
 * turn, and that header with a clean request, so that prefix and suffix triggers both have a
 * context like their own), the prior itself, and the compact form the state file keeps.
 */
import { startOf } from '../steer/start.js';
import { tokenPriors } from './priors.js';
import type { RecoverContext } from './context.js';
import type { SavedPrior } from './state.js';

export async function computePrior(context: RecoverContext): Promise<SavedPrior> {
  const { suspect, reference, config } = context;
  const tokenizer = suspect.tokenizer!;
  const start = startOf(suspect);
  const contexts = [start.turnPrefix, [...start.turnPrefix, ...tokenizer.encode(`${context.optimise[0] ?? 'Please answer'}`)]];
  const prior = await tokenPriors(suspect, reference!, {
    contexts,
    siblings: context.siblings,
    yText: context.inputs.yText,
    layers: config.priorLayers,
    signal: context.hooks.signal,
    onProgress: (done, total) => context.emit({ kind: 'progress', stage: 'priors', done, total }),
  });
  return {
    method: prior.method,
    views: prior.views,
    scoreOf: Array.from(prior.scoreOf, (v) => Math.round(v * 1000) / 1000),
    ranking: prior.ranking.slice(0, 256).map((t) => t.id),
  };
}
