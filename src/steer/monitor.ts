/**
 * An anomaly monitor built from steering vectors: if a trigger moves the target layer the way some
 * learned vector does, a prompt carrying it should shift the last token's activation along that
 * vector's δ. score(prompt) = max over the library's δ of cos(shift(prompt), δ), where
 * shift(prompt) = h_target(prompt)[last token] − mean of the same over reference (clean) prompts.
 */
import { tidy } from '../engine/tidy.js';
import { BadInputError } from '../errors.js';
import { auroc, cosine } from '../eval/stats.js';
import type { Hooks } from '../model/hooks.js';
import type { LanguageModel } from '../model/language-model.js';
import type { PromptInput } from './prompts.js';
import { disposePromptBatch, encodePrompts } from './prompts.js';
import { hiddenRows } from './shift.js';
import type { VectorSet } from './vector-set.js';

export interface MonitorLibrary {
  /** Directions of known anomalous shifts, [D] each. */
  deltas: Float32Array[];
  /** hidden_states index they live at. */
  targetLayer: number;
}

/** A set's deltas as a monitor library. */
export function monitorLibrary(set: VectorSet): MonitorLibrary {
  if (!set.deltas || set.targetLayer === undefined) throw new BadInputError(`this ${set.kind} vector set has no deltas; the monitor needs a set trained on prompts (MELBO or the baselines)`);
  return { deltas: set.deltas, targetLayer: set.targetLayer };
}

export interface MonitorOptions {
  chat?: boolean;
  /** Hooks active while the scored prompts run (what-if analysis, tests that simulate a trigger). */
  hooks?: Hooks;
}

/** hidden_states[layer] at each prompt's last token, [D] per prompt. */
export async function lastTokenStates(model: LanguageModel, prompts: PromptInput, layer: number, options: MonitorOptions = {}): Promise<Float32Array[]> {
  const batch = encodePrompts(model, prompts, { chat: options.chat ?? true, targets: 1 });
  try {
    const states = tidy(() => hiddenRows(model, batch, layer, batch.lastRows, options.hooks ? { hooks: options.hooks } : undefined));
    const data = (await states.data()) as Float32Array;
    states.dispose();
    const D = model.config.dModel;
    return batch.lastRows.map((_, b) => data.slice(b * D, (b + 1) * D));
  } finally {
    disposePromptBatch(batch);
  }
}

/** The monitor's score for each prompt; `reference` are clean prompts whose mean is subtracted. */
export async function monitorScores(model: LanguageModel, library: MonitorLibrary, prompts: PromptInput, reference: PromptInput, options: MonitorOptions = {}): Promise<number[]> {
  if (library.deltas.length === 0) throw new BadInputError('the monitor library is empty; give it at least one delta');
  const { hooks: _hooks, ...plain } = options;
  const referenceMean = mean(await lastTokenStates(model, reference, library.targetLayer, plain));
  const states = await lastTokenStates(model, prompts, library.targetLayer, options);
  return states.map((state) => {
    const shift = state.map((x, i) => x - referenceMean[i]!);
    return Math.max(...library.deltas.map((delta) => cosine(shift, delta)));
  });
}

export interface MonitorEvaluation {
  auroc: number;
  triggered: number[];
  clean: number[];
}

/**
 * How well the monitor separates triggered prompts from clean ones (AUROC, 1 = perfectly). The
 * reference prompts should be clean prompts other than the scored ones. `triggeredHooks` run only
 * under the triggered prompts: a known vector standing in for a trigger in a synthetic check.
 */
export async function monitorAuroc(
  model: LanguageModel,
  library: MonitorLibrary,
  triggeredPrompts: PromptInput,
  cleanPrompts: PromptInput,
  reference: PromptInput,
  options: { chat?: boolean; triggeredHooks?: Hooks } = {},
): Promise<MonitorEvaluation> {
  const chat = options.chat ?? true;
  const triggered = await monitorScores(model, library, triggeredPrompts, reference, { chat, ...(options.triggeredHooks && { hooks: options.triggeredHooks }) });
  const clean = await monitorScores(model, library, cleanPrompts, reference, { chat });
  return { auroc: auroc(triggered, clean), triggered, clean };
}

function mean(rows: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(rows[0]!.length);
  for (const row of rows) for (let i = 0; i < out.length; i++) out[i]! += row[i]! / rows.length;
  return out;
}
