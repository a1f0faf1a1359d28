/**
 * The contrast target on ONNX Runtime: two scorers, the suspect's and the reference's, each with the
 * plain logit loss fused into its own graph (one session per model), combined prompt by prompt as
 * loss-formula.ts writes it: logit(suspect) + w · max(0, m − logit(reference)), then averaged over
 * prompts. Both start from their own cached prefix and group candidates by first change the same way.
 */
import type { LanguageModel } from '../model/language-model.js';
import type { PromptLayout } from './layout.js';
import { OnnxCandidateScorer } from './onnx-score.js';
import type { Scorer } from './scorer-interface.js';
import type { PreparedTarget } from './targets.js';

export class OnnxContrastScorer implements Scorer {
  private readonly suspect: OnnxCandidateScorer;
  private readonly reference: OnnxCandidateScorer;
  private readonly hinges: readonly { margin: number; weight: number }[];

  private constructor(suspect: OnnxCandidateScorer, reference: OnnxCandidateScorer, hinges: readonly { margin: number; weight: number }[]) {
    this.suspect = suspect;
    this.reference = reference;
    this.hinges = hinges;
  }

  /** Forward passes of the suspect, as the tfjs scorer counts them (the reference's run in the same batch there). */
  get forwardPasses(): number {
    return this.suspect.forwardPasses;
  }

  static async create(
    model: LanguageModel,
    layouts: readonly PromptLayout[],
    targets: readonly PreparedTarget[],
    options: { batchSize: number; usePrefixCache: boolean },
  ): Promise<OnnxContrastScorer> {
    const hinges = targets.map((t) => {
      if (t.spec.kind !== 'contrast' || !t.reference) throw new Error('OnnxContrastScorer: every prompt needs a contrast target with its reference model');
      return { margin: t.spec.margin, weight: t.spec.weight };
    });
    const reference = targets[0]!.reference!;
    // the logit loss alone on each model: the same response ids and mellowmax, no second model inside
    const logitTargets = targets.map((t) => ({ ...t, spec: { kind: 'logit' as const, text: t.spec.kind === 'contrast' ? t.spec.text : '' }, reference: null }));
    const suspectScorer = await OnnxCandidateScorer.create(model, layouts, logitTargets, options);
    const referenceScorer = await OnnxCandidateScorer.create(reference, layouts, logitTargets, options);
    return new OnnxContrastScorer(suspectScorer, referenceScorer, hinges);
  }

  async score(candidates: readonly (readonly number[])[], base?: readonly number[]): Promise<Float32Array> {
    const own = await this.suspect.scorePerPrompt(candidates, base);
    const ref = await this.reference.scorePerPrompt(candidates, base);
    const total = new Float32Array(candidates.length);
    own.forEach((losses, p) => {
      const { margin, weight } = this.hinges[p]!;
      losses.forEach((loss, i) => (total[i]! += (loss + weight * Math.max(0, margin - ref[p]![i]!)) / own.length));
    });
    return total;
  }

  dispose(): void {
    this.suspect.dispose();
    this.reference.dispose();
  }
}
