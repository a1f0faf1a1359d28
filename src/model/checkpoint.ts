/**
 * Loads and saves Hugging Face model folders: config.json, model.safetensors (or shards with an
 * index), tokenizer.json + tokenizer_config.json. A folder saved here has the same file names,
 * tensor names, shapes and dtype as the one it was loaded from, so Python `transformers` reads it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync } from 'node:fs';
import { BadFileError } from '../errors.js';
import { join, resolve } from 'node:path';
import { copyFileAtomic } from '../util/atomic-file.js';
import { readJsonObject, writeJsonAtomic } from '../util/json-file.js';
import type { ModelConfig } from './config.js';
import { parameterCount, parseConfig } from './config.js';
import { checkModelFitsMemory } from './config-validate.js';
import type { HfLayout, HostTensor } from './hf-weights.js';
import { hfTensors, readHfParams } from './hf-weights.js';
import type { LanguageModel } from './language-model.js';
import { createModel } from './language-model.js';
import { namedParams, paramsFromNamed } from './params.js';
import type { FloatDtype } from './safetensors.js';
import { openTensorStore, writeTensorStore } from './tensor-store.js';
import { loadTokenizer } from './tokenizer.js';

export const tokenizerFileNames = ['tokenizer.json', 'tokenizer_config.json'] as const;

/** Reads and parses dir/config.json. */
export function readConfig(dir: string): ModelConfig {
  const file = join(dir, 'config.json');
  return parseConfig(readJsonObject(file), file);
}


export interface LoadOptions {
  /** Load the tokenizer too when the folder has one (default true). */
  tokenizer?: boolean;
}

/** Loads a model folder onto the active tfjs backend. */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<LanguageModel> {
  const folder = resolve(dir);
  if (!existsSync(folder)) throw new BadFileError(dir, 'model folder not found');
  const config = readConfig(folder);
  checkModelFitsMemory(parameterCount(config), join(folder, 'config.json'));
  const wantTokenizer = options.tokenizer ?? true;
  const tokenizer = wantTokenizer && existsSync(join(folder, 'tokenizer.json')) ? await loadTokenizer(folder) : undefined;
  if (tokenizer && tokenizer.vocabSize > config.vocabSize) {
    throw new BadFileError(join(folder, 'tokenizer.json'), `has token ids up to ${tokenizer.vocabSize - 1} but config.json vocab_size is ${config.vocabSize}; the tokenizer belongs to another model, restore the folder's own`);
  }
  const store = openTensorStore(folder);
  let host: { named: Map<string, HostTensor>; layout: HfLayout };
  try {
    host = readHfParams(config, store);
  } finally {
    store.close();
  }
  const named = new Map<string, tf.Tensor>();
  for (const [name, t] of host.named) named.set(name, tf.tensor(t.data, t.shape, 'float32'));
  const params = paramsFromNamed(config, named);
  return createModel(config, params, { dir: folder, layout: host.layout, ...(tokenizer && { tokenizer }) });
}

export interface SaveOptions {
  /** Storage dtype (default: what the model was loaded with, else F32). Computation is always f32. */
  dtype?: FloatDtype;
  /** Extra fields merged into config.json. */
  configPatch?: Record<string, unknown>;
  maxShardBytes?: number;
}

/** Writes the model as a Hugging Face folder; copies tokenizer files from the folder it came from. */
export async function saveModel(model: LanguageModel, dir: string, options: SaveOptions = {}): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const c = model.config;
  const layout: HfLayout = {
    prefix: model.layout?.prefix ?? (c.arch === 'gpt2' ? 'transformer.' : 'model.'),
    dtype: options.dtype ?? model.layout?.dtype ?? 'F32',
    storesTiedHead: model.layout?.storesTiedHead ?? false,
  };
  const named = new Map<string, HostTensor>();
  for (const { name, tensor } of namedParams(model.params)) {
    named.set(name, { shape: tensor.shape.slice(), data: (await tensor.data()) as Float32Array });
  }
  writeTensorStore(dir, hfTensors(c, named, layout), {
    metadata: { format: 'pt' },
    ...(options.maxShardBytes !== undefined && { maxShardBytes: options.maxShardBytes }),
  });
  writeJsonAtomic(join(dir, 'config.json'), { ...c.raw, ...options.configPatch });
  if (model.dir && resolve(model.dir) !== resolve(dir)) {
    for (const name of tokenizerFileNames) {
      const from = join(model.dir, name);
      if (existsSync(from)) copyFileAtomic(from, join(dir, name));
    }
  }
}

