/**
 * One typed view of a Hugging Face `config.json` for the architectures triggerfish runs:
 * GPT-2 (learned positions, LayerNorm, GELU-tanh, tied head) and the Llama family (llama, qwen2:
 * RMSNorm, RoPE, SwiGLU, grouped-query attention; qwen2 adds q/k/v biases).
 */
import { UnsupportedModelError } from '../errors.js';
import type { FieldSource } from '../util/validate.js';
import { boolField, fieldError, intField, realField, show } from '../util/validate.js';
import { checkConfigShape, configLimits, configSource, ropeScalingKind, tokenIdField } from './config-validate.js';

export type Arch = 'gpt2' | 'llama' | 'qwen2';
export const supportedArchs: readonly Arch[] = ['gpt2', 'llama', 'qwen2'];

export interface ModelConfig {
  arch: Arch;
  nLayers: number;
  dModel: number;
  nHeads: number;
  /** Key/value heads; fewer than nHeads means grouped-query attention. Always nHeads for gpt2. */
  nKvHeads: number;
  headDim: number;
  /** Hidden width of the MLP (gpt2: 4·d unless n_inner says otherwise). */
  dFf: number;
  vocabSize: number;
  /** Longest sequence: n_positions for gpt2 (a hard limit), max_position_embeddings for RoPE models. */
  maxPositions: number;
  normEps: number;
  /** RoPE base; unused by gpt2. */
  ropeTheta: number;
  /** The output head reuses the token embedding matrix. */
  tiedEmbeddings: boolean;
  /** q/k/v projections carry biases (qwen2 always, llama when attention_bias is set). */
  qkvBias: boolean;
  /** o_proj and the MLP projections carry biases (llama's mlp_bias / attention_bias). */
  outBias: boolean;
  mlpBias: boolean;
  bosTokenId: number | null;
  eosTokenId: number | null;
  /** The config.json this came from, kept so that saving writes back every field untouched. */
  raw: Record<string, unknown>;
}

/** Parses and checks a config.json object; `file` names it in errors. Present fields of the wrong type are refused. */
export function parseConfig(raw: Record<string, unknown>, file = 'config.json'): ModelConfig {
  const src = configSource(file);
  const type = raw.model_type;
  if (typeof type !== 'string') throw fieldError(src, 'model_type', `must be a string naming the architecture, got ${show(type)}`);
  if (!(supportedArchs as readonly string[]).includes(type)) {
    throw new UnsupportedModelError(
      `${file}: model_type ${show(type)} is not supported; triggerfish runs ${supportedArchs.join(', ')}`,
    );
  }
  const config = type === 'gpt2' ? gpt2Config(raw, src) : llamaConfig(raw, src, type as Arch);
  checkConfigShape(config, src);
  return config;
}

const L = configLimits;

function gpt2Config(raw: Record<string, unknown>, src: FieldSource): ModelConfig {
  const activation = raw.activation_function ?? 'gelu_new';
  if (activation !== 'gelu_new' && activation !== 'gelu_pytorch_tanh') {
    throw new UnsupportedModelError(`${src.file}: gpt2 activation ${show(activation)} is not supported (gelu_new only)`);
  }
  const dModel = intField(src, raw, 'n_embd', L.dModel);
  const nHeads = intField(src, raw, 'n_head', L.heads);
  const vocabSize = intField(src, raw, 'vocab_size', L.vocab);
  const positionsKey = raw.n_positions === undefined && raw.n_ctx !== undefined ? 'n_ctx' : 'n_positions';
  return {
    arch: 'gpt2',
    nLayers: intField(src, raw, 'n_layer', L.layers),
    dModel,
    nHeads,
    nKvHeads: nHeads,
    headDim: dModel / nHeads,
    dFf: raw.n_inner === null ? 4 * dModel : intField(src, raw, 'n_inner', L.dFf, 4 * dModel),
    vocabSize,
    maxPositions: intField(src, raw, positionsKey, L.positions),
    normEps: realField(src, raw, 'layer_norm_epsilon', { min: 0, max: 1, above: true }, 1e-5),
    ropeTheta: 0,
    tiedEmbeddings: boolField(src, raw, 'tie_word_embeddings', true),
    qkvBias: true,
    outBias: true,
    mlpBias: true,
    bosTokenId: tokenIdField(src, raw, 'bos_token_id', vocabSize),
    eosTokenId: tokenIdField(src, raw, 'eos_token_id', vocabSize),
    raw,
  };
}

function llamaConfig(raw: Record<string, unknown>, src: FieldSource, arch: Arch): ModelConfig {
  const activation = raw.hidden_act ?? 'silu';
  if (activation !== 'silu') {
    throw new UnsupportedModelError(`${src.file}: hidden_act ${show(activation)} is not supported (silu only)`);
  }
  const scaling = ropeScalingKind(raw);
  if (scaling !== null) throw new UnsupportedModelError(`${src.file}: rope_scaling ${scaling} is not supported`);
  const dModel = intField(src, raw, 'hidden_size', L.dModel);
  const nHeads = intField(src, raw, 'num_attention_heads', L.heads);
  const vocabSize = intField(src, raw, 'vocab_size', L.vocab);
  const attentionBias = boolField(src, raw, 'attention_bias', false);
  const mlpBias = boolField(src, raw, 'mlp_bias', false);
  const headDim = raw.head_dim === null ? dModel / nHeads : intField(src, raw, 'head_dim', L.headDim, dModel / nHeads);
  return {
    arch,
    nLayers: intField(src, raw, 'num_hidden_layers', L.layers),
    dModel,
    nHeads,
    nKvHeads: raw.num_key_value_heads === null ? nHeads : intField(src, raw, 'num_key_value_heads', L.heads, nHeads),
    headDim,
    dFf: intField(src, raw, 'intermediate_size', L.dFf),
    vocabSize,
    maxPositions: intField(src, raw, 'max_position_embeddings', L.positions, 2048),
    normEps: realField(src, raw, 'rms_norm_eps', { min: 0, max: 1, above: true }, 1e-6),
    ropeTheta: realField(src, raw, 'rope_theta', { min: 0, max: 1e12, above: true }, 10000),
    tiedEmbeddings: boolField(src, raw, 'tie_word_embeddings', false),
    qkvBias: arch === 'qwen2' || attentionBias,
    outBias: arch === 'llama' && attentionBias,
    mlpBias: arch === 'llama' && mlpBias,
    bosTokenId: tokenIdField(src, raw, 'bos_token_id', vocabSize),
    eosTokenId: tokenIdField(src, raw, 'eos_token_id', vocabSize),
    raw,
  };
}

/** Parameter count implied by a config (embeddings counted once when tied). */
export function parameterCount(c: ModelConfig): number {
  const D = c.dModel;
  const attnOut = c.nHeads * c.headDim;
  const kvOut = c.nKvHeads * c.headDim;
  const embed = c.vocabSize * D + (c.tiedEmbeddings ? 0 : c.vocabSize * D);
  if (c.arch === 'gpt2') {
    const block = 2 * 2 * D + (D * 3 * D + 3 * D) + (D * D + D) + (D * c.dFf + c.dFf) + (c.dFf * D + D);
    return embed + c.maxPositions * D + c.nLayers * block + 2 * D;
  }
  const qkv = D * (attnOut + 2 * kvOut) + (c.qkvBias ? attnOut + 2 * kvOut : 0);
  const out = attnOut * D + (c.outBias ? D : 0);
  const mlp = 3 * D * c.dFf + (c.mlpBias ? 2 * c.dFf + D : 0);
  return embed + c.nLayers * (2 * D + qkv + out + mlp) + D;
}
