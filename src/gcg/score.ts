/**
 * Scores candidate strings: the mean loss over prompts of each candidate, in batches. With the
 * prefix cache (nanoGCG's use_prefix_cache), the tokens before the optimised string are run once
 * per prompt and their keys and values reused by every candidate of every step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import type { KvCache } from '../model/kv-cache.js';
import { disposeKv, expandKv } from '../model/kv-cache.js';
import type { LanguageModel } from '../model/language-model.js';
import { forward } from '../model/transformer.js';
import type { PromptLayout } from './layout.js';
import { losses } from './sequence.js';
import type { PreparedTarget } from './targets.js';

export class CandidateScorer {
  private readonly prefixes: (KvCache | null)[];
  private readonly referencePrefixes: (KvCache | null)[];
  /** Forward passes run so far (one per batch per prompt), for fair budgets. */
  forwardPasses = 0;

  private readonly model: LanguageModel;
  private readonly layouts: readonly PromptLayout[];
  private readonly targets: readonly PreparedTarget[];
  private readonly options: { batchSize: number; usePrefixCache: boolean };

  constructor(model: LanguageModel, layouts: readonly PromptLayout[], targets: readonly PreparedTarget[], options: { batchSize: number; usePrefixCache: boolean }) {
    this.model = model;
    this.layouts = layouts;
    this.targets = targets;
    this.options = options;
    const prefixOf = (m: LanguageModel, layout: PromptLayout) => {
      if (!options.usePrefixCache || layout.before.length === 0) return null;
      return tidy(() => forward(m, tf.tensor2d([layout.before], [1, layout.before.length], 'int32'), { returnKv: true, logits: "last" }).kv!);
    };
    this.prefixes = layouts.map((layout) => prefixOf(model, layout));
    // a contrast target's reference model gets its own cached prefix
    this.referencePrefixes = layouts.map((layout, i) => {
      const reference = targets[i]!.reference;
      return reference ? prefixOf(reference, layout) : null;
    });
  }

  /** Mean loss over prompts for each candidate (all of the same length). */
  async score(candidates: readonly (readonly number[])[]): Promise<Float32Array> {
    const total = new Float32Array(candidates.length);
    if (candidates.length === 0) return total;
    const n = candidates[0]!.length;
    for (let p = 0; p < this.layouts.length; p++) {
      const layout = this.layouts[p]!;
      const prefix = this.prefixes[p] ?? null;
      for (let start = 0; start < candidates.length; start += this.options.batchSize) {
        const batch = candidates.slice(start, start + this.options.batchSize);
        const b = batch.length;
        const rows = batch.map((ids) => (prefix ? [...ids, ...layout.after, ...layout.response] : [...layout.before, ...ids, ...layout.after, ...layout.response]));
        const width = rows[0]!.length;
        const values = tidy(() => {
          const ids = tf.tensor2d(rows.flat(), [b, width], 'int32');
          const past = prefix ? expandKv(prefix, b) : undefined;
          const referencePrefix = this.referencePrefixes[p];
          const referencePast = referencePrefix ? expandKv(referencePrefix, b) : undefined;
          return losses(this.model, ids, layout, n, this.targets[p]!, { ...(past && { past }), ...(referencePast && { referencePast }), offset: prefix ? layout.before.length : 0 });
        });
        const data = await values.data();
        values.dispose();
        this.forwardPasses++;
        for (let i = 0; i < b; i++) total[start + i]! += data[i]! / this.layouts.length;
      }
    }
    return total;
  }

  dispose(): void {
    for (const prefix of [...this.prefixes, ...this.referencePrefixes]) disposeKv(prefix ?? undefined);
  }
}
