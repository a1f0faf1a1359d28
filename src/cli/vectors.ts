/** The direction an activation target aims at, from a vector file of src/steer (steer/direction.ts decides which). */
import type { LanguageModel } from '../model/language-model.js';
import type { Direction, DirectionSource } from '../steer/direction.js';
import { vectorDirection } from '../steer/direction.js';
import { loadVectorSet } from '../steer/vector-set.js';

export async function loadDirection(model: LanguageModel, ref: { file: string; index: number; use: DirectionSource; layer?: number; allowOtherModel?: boolean }): Promise<Direction> {
  const set = await loadVectorSet(ref.file, model, { allowOtherModel: ref.allowOtherModel ?? false });
  return vectorDirection(set, ref.index, ref.use, ref.layer);
}
