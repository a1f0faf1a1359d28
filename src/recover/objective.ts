/**
 * The loss every recover search minimises, at one placement: GCG's contrast target (the suspect's loss
 * on Y plus the hinge on the reference's) when a reference is used, its logit target otherwise. It
 * scores token strings of any lengths (grouped by length for the batched scorer, on the forward engine:
 * ONNX Runtime where it loads), gives the token
 * gradient at a string, and says whether a string survives decode → encode unchanged.
 */
import { usableTokens } from '../gcg/candidates.js';
import type { GcgTargetSpec } from '../gcg/config.js';
import { tokenGradient } from '../gcg/gradient.js';
import type { PromptLayout } from '../gcg/layout.js';
import { promptLayout } from '../gcg/layout.js';
import { disposeTarget, prepareTarget } from '../gcg/prepare.js';
import { createScorer } from '../gcg/scorer.js';
import type { Scorer } from '../gcg/scorer-interface.js';
import type { PreparedTarget } from '../gcg/targets.js';
import type { LanguageModel } from '../model/language-model.js';
import type { Tokenizer } from '../model/tokenizer.js';
import type { SearchPlacement } from './candidate.js';

export interface ObjectiveOptions {
  prompts: readonly string[];
  yText: string;
  placement: SearchPlacement;
  /** With a reference: the contrast target; null: the plain logit target. */
  contrast: { reference: LanguageModel; margin: number; weight: number } | null;
  batchSize?: number;
}

export class Objective {
  readonly placement: SearchPlacement;
  readonly tokenizer: Tokenizer;
  /** 1 for tokens a string may use (not special, printable ASCII). */
  readonly usable: Uint8Array;
  /** Candidates scored so far (for the report). */
  scored = 0;
  private readonly model: LanguageModel;
  private readonly layouts: PromptLayout[];
  private readonly targets: PreparedTarget[];
  private readonly batchSize: number;
  /** Made on the first score, on the forward engine (ONNX Runtime where it loads). */
  private scorer: Scorer | null = null;

  constructor(model: LanguageModel, tokenizer: Tokenizer, options: ObjectiveOptions) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.placement = options.placement;
    const spec: GcgTargetSpec = options.contrast
      ? { kind: 'contrast', text: options.yText, margin: options.contrast.margin, weight: options.contrast.weight }
      : { kind: 'logit', text: options.yText };
    this.layouts = options.prompts.map((p) => promptLayout(tokenizer, p, options.placement, options.yText));
    this.targets = this.layouts.map((layout) => prepareTarget(model, spec, layout, null, options.contrast?.reference ?? null));
    this.batchSize = options.batchSize ?? 128;
    this.usable = usableTokens(tokenizer, model.config.vocabSize, { allowNonAscii: false, banned: [], allowed: [] });
  }

  /** The ids a string is as placed here: suffix strings carry their leading space (see gcg/layout.ts). */
  encode(text: string): number[] {
    const t = text.trim();
    return this.tokenizer.encode(this.placement === 'suffix' ? ` ${t}` : t);
  }

  text(ids: readonly number[]): string {
    return this.tokenizer.decode(ids).trim();
  }

  /** The string re-encodes to the same ids at this placement (otherwise what is pasted is not what was scored). */
  stable(ids: readonly number[]): boolean {
    if (ids.length === 0 || ids.some((id) => this.usable[id] !== 1)) return false;
    const again = this.encode(this.tokenizer.decode(ids));
    return again.length === ids.length && again.every((id, i) => id === ids[i]);
  }

  /** Mean loss over the prompts for each string (any mix of lengths). */
  async score(strings: readonly (readonly number[])[]): Promise<Float32Array> {
    const out = new Float32Array(strings.length);
    const byLength = new Map<number, number[]>();
    strings.forEach((ids, i) => byLength.set(ids.length, [...(byLength.get(ids.length) ?? []), i]));
    this.scorer ??= await createScorer(this.model, this.layouts, this.targets, { batchSize: this.batchSize, usePrefixCache: true });
    for (const indices of byLength.values()) {
      const losses = await this.scorer.score(indices.map((i) => strings[i]!));
      indices.forEach((i, j) => (out[i] = losses[j]!));
    }
    this.scored += strings.length;
    return out;
  }

  /** d loss / d one-hot at `ids`: [n, V] row-major. */
  async gradient(ids: readonly number[]): Promise<Float32Array> {
    return (await tokenGradient(this.model, this.layouts, this.targets, ids)).gradient;
  }

  dispose(): void {
    this.scorer?.dispose();
    for (const t of this.targets) disposeTarget(t);
  }
}
