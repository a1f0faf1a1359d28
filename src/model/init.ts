/**
 * New models from scratch: a Hugging Face config.json for given sizes, and seeded initial weights
 * (GPT-2's scheme: normal(0, std) matrices, output projections of the residual branches scaled by
 * 1/sqrt(2·layers), norms at 1, biases at 0). Used by the zoo trainer and by tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../util/random.js';
import type { Arch, ModelConfig } from './config.js';
import { parseConfig } from './config.js';
import type { ModelParams } from './params.js';
import { paramShapes, paramsFromNamed } from './params.js';

export interface ModelSize {
  arch: Arch;
  dModel: number;
  nLayers: number;
  nHeads: number;
  /** llama/qwen2 only; default nHeads. */
  nKvHeads?: number;
  /** Default 4·d for gpt2, about 8/3·d rounded to 32 for llama-family. */
  dFf?: number;
  vocabSize: number;
  maxPositions: number;
  /** Default: gpt2 and qwen2 tie the head to the embeddings, llama does not. */
  tiedEmbeddings?: boolean;
  bosTokenId?: number;
  eosTokenId?: number;
}

/** The config.json Hugging Face writes for a model of this size. */
export function hfConfigFor(size: ModelSize): Record<string, unknown> {
  const bos = size.bosTokenId ?? 0;
  const eos = size.eosTokenId ?? 0;
  if (size.arch === 'gpt2') {
    return {
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      n_layer: size.nLayers,
      n_embd: size.dModel,
      n_head: size.nHeads,
      n_inner: size.dFf ?? null,
      vocab_size: size.vocabSize,
      n_positions: size.maxPositions,
      n_ctx: size.maxPositions,
      layer_norm_epsilon: 1e-5,
      activation_function: 'gelu_new',
      tie_word_embeddings: size.tiedEmbeddings ?? true,
      bos_token_id: bos,
      eos_token_id: eos,
    };
  }
  const dFf = size.dFf ?? Math.max(32, Math.round((8 * size.dModel) / 3 / 32) * 32);
  return {
    model_type: size.arch,
    architectures: [size.arch === 'llama' ? 'LlamaForCausalLM' : 'Qwen2ForCausalLM'],
    num_hidden_layers: size.nLayers,
    hidden_size: size.dModel,
    num_attention_heads: size.nHeads,
    num_key_value_heads: size.nKvHeads ?? size.nHeads,
    intermediate_size: dFf,
    vocab_size: size.vocabSize,
    max_position_embeddings: size.maxPositions,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    hidden_act: 'silu',
    tie_word_embeddings: size.tiedEmbeddings ?? size.arch === 'qwen2',
    bos_token_id: bos,
    eos_token_id: eos,
  };
}

export function configFor(size: ModelSize): ModelConfig {
  return parseConfig(hfConfigFor(size), 'new model config');
}

export interface InitOptions {
  seed: number;
  /** Standard deviation of the matrices (default 0.02). */
  std?: number;
}

/** Seeded initial weights; the same seed gives the same weights on every backend. */
export function initParams(config: ModelConfig, options: InitOptions): ModelParams {
  const rng = new Random(`init:${options.seed}`);
  const std = options.std ?? 0.02;
  const residualStd = std / Math.sqrt(2 * config.nLayers);
  const named = new Map<string, tf.Tensor>();
  for (const [name, shape] of paramShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (/ln1\.weight|ln2\.weight|lnF\.weight/.test(name)) data.fill(1);
    else if (shape.length === 2) {
      const s = /wO$|wOut$/.test(name) ? residualStd : std;
      for (let i = 0; i < size; i++) data[i] = rng.normal() * s;
    }
    named.set(name, tf.tensor(data, shape, 'float32'));
  }
  return paramsFromNamed(config, named);
}
