/** The direction an activation target aims at: the δ of one vector of a src/steer vector-set file. */
import { BadInputError } from '../../errors.js';
import type { LanguageModel } from '../../model/language-model.js';
import { loadVectorSet } from '../../steer/index.js';

export async function vectorDirection(model: LanguageModel, ref: { file: string; index: number }): Promise<{ direction: Float32Array; layer: number }> {
  const set = await loadVectorSet(ref.file, model);
  if (set.vectors[ref.index] === undefined) throw new BadInputError(`${ref.file} holds ${set.vectors.length} vectors, not #${ref.index}`);
  const delta = set.deltas?.[ref.index];
  if (!delta || set.targetLayer === undefined) throw new BadInputError(`${ref.file} records no δ for its vectors; train them again on the Steer screen (2)`);
  return { direction: delta, layer: set.targetLayer };
}
