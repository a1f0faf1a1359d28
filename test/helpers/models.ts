/** Small random models built in memory, peaky enough (std 0.3) that greedy choices are not ties. */
import type { Arch } from '../../src/model/config.js';
import { configFor, initParams } from '../../src/model/init.js';
import type { LanguageModel } from '../../src/model/language-model.js';
import { createModel } from '../../src/model/language-model.js';

export function randomModel(arch: Arch, seed = 1, std = 0.3): LanguageModel {
  const config = configFor({ arch, dModel: 32, nLayers: 2, nHeads: 4, nKvHeads: arch === 'gpt2' ? 4 : 2, vocabSize: 64, maxPositions: 48 });
  return createModel(config, initParams(config, { seed, std }));
}

export const archs: Arch[] = ['gpt2', 'llama', 'qwen2'];
