/** Candidate scoring on the forward engine: ONNX Runtime where it loads (or is forced), else tfjs. */
import type { EngineName } from '../engine/engine.js';
import { forwardEngine } from '../engine/engine.js';
import type { LanguageModel } from '../model/language-model.js';
import type { PromptLayout } from './layout.js';
import { OnnxContrastScorer } from './onnx-contrast-score.js';
import { OnnxCandidateScorer } from './onnx-score.js';
import { CandidateScorer } from './score.js';
import type { PreparedTarget } from './targets.js';
import type { Scorer } from './scorer-interface.js';

export async function createScorer(
  model: LanguageModel,
  layouts: readonly PromptLayout[],
  targets: readonly PreparedTarget[],
  options: { batchSize: number; usePrefixCache: boolean; engine?: EngineName },
): Promise<Scorer> {
  const engine = options.engine ?? (await forwardEngine());
  if (engine === 'onnx') {
    // a contrast target runs a second (reference) model per candidate: a second session
    const twoModels = targets.some((t) => t.reference !== null);
    return twoModels ? OnnxContrastScorer.create(model, layouts, targets, options) : OnnxCandidateScorer.create(model, layouts, targets, options);
  }
  return new CandidateScorer(model, layouts, targets, options);
}
