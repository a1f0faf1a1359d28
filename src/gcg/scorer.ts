/** Candidate scoring on the forward engine: ONNX Runtime where it loads (or is forced), else tfjs. */
import type { EngineName } from '../engine/engine.js';
import { forwardEngine } from '../engine/engine.js';
import type { LanguageModel } from '../model/language-model.js';
import type { PromptLayout } from './layout.js';
import { OnnxCandidateScorer } from './onnx-score.js';
import { CandidateScorer } from './score.js';
import type { PreparedTarget } from './targets.js';

export interface Scorer {
  /** Mean loss over prompts for each candidate (all of the same length); `base`: the string they were made from. */
  score(candidates: readonly (readonly number[])[], base?: readonly number[]): Promise<Float32Array>;
  /** Forward passes run so far (one per batch per prompt), for fair budgets. */
  forwardPasses: number;
  dispose(): void;
}

export async function createScorer(
  model: LanguageModel,
  layouts: readonly PromptLayout[],
  targets: readonly PreparedTarget[],
  options: { batchSize: number; usePrefixCache: boolean; engine?: EngineName },
): Promise<Scorer> {
  const engine = options.engine ?? (await forwardEngine());
  if (engine === 'onnx') return OnnxCandidateScorer.create(model, layouts, targets, options);
  return new CandidateScorer(model, layouts, targets, options);
}
