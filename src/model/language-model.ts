/** A loaded model: its config, weights (and RoPE tables), and tokenizer when the folder has one. */
import type { ModelConfig } from './config.js';
import type { HfLayout } from './hf-weights.js';
import type { ModelParams } from './params.js';
import { disposeParams } from './params.js';
import type { RopeTables } from './rope.js';
import { makeRopeTables } from './rope.js';
import type { Tokenizer } from './tokenizer.js';

export interface LanguageModel {
  readonly config: ModelConfig;
  readonly params: ModelParams;
  /** Precomputed cos/sin tables for llama-family models. */
  readonly rope?: RopeTables;
  readonly tokenizer?: Tokenizer;
  /** The folder it was loaded from, if any. */
  readonly dir?: string;
  /** How the checkpoint named and stored its tensors, so that saving writes them back alike. */
  readonly layout?: HfLayout;
}

/** RoPE tables stop here even when a config allows longer contexts: CPU-sized work never needs more. */
const ropeTableLimit = 8192;

export function createModel(
  config: ModelConfig,
  params: ModelParams,
  extra: { tokenizer?: Tokenizer; dir?: string; layout?: HfLayout } = {},
): LanguageModel {
  const rope =
    config.arch === 'gpt2' ? undefined : makeRopeTables(Math.min(config.maxPositions, ropeTableLimit), config.headDim, config.ropeTheta);
  return { config, params, ...(rope && { rope }), ...extra };
}

/** The longest sequence a forward call accepts. */
export function maxSequence(model: LanguageModel): number {
  return model.rope ? model.rope.cos.shape[0] : model.config.maxPositions;
}

export function disposeModel(model: LanguageModel): void {
  disposeParams(model.params);
  model.rope?.cos.dispose();
  model.rope?.sin.dispose();
  model.rope?.rotateHalf.dispose();
}
