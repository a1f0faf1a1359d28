/** One golden fixture (tiny-<arch>-<dtype>): torch_ref's logits and hidden states, the ids they were taken on, the model, and the hook names of those hidden states. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../../src/model/checkpoint.js';
import type { LanguageModel } from '../../src/model/language-model.js';

export const goldenArchs = ['gpt2', 'llama', 'qwen2'] as const;
export const goldenDtypes = ['f32', 'f16', 'bf16'] as const;

export interface GoldenCase {
  golden: { logits: number[][]; hidden: number[][][] };
  ids: number[];
  model: LanguageModel;
  /** blocks.{l}.hook_resid_pre for every layer, then ln_final: the order of golden.hidden. */
  names: string[];
}

export async function loadGoldenCase(arch: string, dtype: string): Promise<GoldenCase> {
  const dir = join(import.meta.dirname, '..', 'fixtures', `tiny-${arch}-${dtype}`);
  const golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as GoldenCase['golden'];
  const ids = readFileSync(join(dir, 'golden-ids.txt'), 'utf8').trim().split(',').map(Number);
  const model = await loadModel(dir, { tokenizer: false });
  const names = [...Array.from({ length: model.config.nLayers }, (_, l) => `blocks.${l}.hook_resid_pre`), 'ln_final'];
  return { golden, ids, model, names };
}
