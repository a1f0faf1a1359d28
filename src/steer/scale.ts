/**
 * The scale of the residual stream where a vector goes in. A steering vector's norm only means
 * something against the activations it is added to: norm 16 was half the residual norm of the 4-layer
 * from-scratch zoo (where it elicited Y), but a few blocks into zoo v2's 6-layer fine-tunes the residual
 * norm is 50-130 and the same vector barely moves the model. Norms given relative to this scale carry
 * over between models.
 */
import type { LanguageModel } from '../model/language-model.js';
import { lastTokenStates } from './monitor.js';
import type { PromptInput } from './prompts.js';

/**
 * Mean norm of the residual stream that `blocks.{source}.hook_resid_post` sees (hidden_states[source + 1])
 * at each prompt's last token (the position whose state decides the answer's first token; earlier
 * positions include the first token, whose norm is often many times the rest).
 */
export async function residualNorm(model: LanguageModel, prompts: PromptInput, source: number): Promise<number> {
  const states = await lastTokenStates(model, prompts, source + 1);
  if (states.length === 0) return 0;
  let sum = 0;
  for (const s of states) sum += Math.hypot(...s);
  return sum / states.length;
}

/** R = `multiple` × the residual norm at `source` on these prompts (steer --relative-R), with the norm it came from. */
export async function relativeRadius(model: LanguageModel, prompts: PromptInput, source: number, multiple: number): Promise<{ R: number; norm: number }> {
  const norm = await residualNorm(model, prompts, source);
  return { R: multiple * norm, norm };
}
