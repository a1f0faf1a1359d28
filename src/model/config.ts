/**
 * One typed view of a Hugging Face `config.json` for the architectures triggerfish runs:
 * GPT-2 (learned positions, LayerNorm, GELU-tanh, tied head) and the Llama family (llama, qwen2:
 * RMSNorm, RoPE, SwiGLU, grouped-query attention; qwen2 adds q/k/v biases).
 */
import { BadFileError, UnsupportedModelError } from '../errors.js';

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

function num(raw: Record<string, unknown>, file: string, ...keys: string[]): number {
  for (const key of keys) {
    const value = raw[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  throw new BadFileError(file, `missing numeric field ${keys.join(' or ')}`);
}

function optNum(raw: Record<string, unknown>, key: string, fallback: number): number {
  const value = raw[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function tokenId(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (Array.isArray(value) && typeof value[0] === 'number') return value[0];
  return null;
}

/** Parses and checks a config.json object; `file` names it in errors. */
export function parseConfig(raw: Record<string, unknown>, file = 'config.json'): ModelConfig {
  const type = raw.model_type;
  if (typeof type !== 'string') throw new BadFileError(file, 'missing model_type');
  if (!(supportedArchs as readonly string[]).includes(type)) {
    throw new UnsupportedModelError(
      `${file}: model_type '${type}' is not supported; triggerfish runs ${supportedArchs.join(', ')}`,
    );
  }
  const arch = type as Arch;
  let config: ModelConfig;
  if (arch === 'gpt2') {
    const dModel = num(raw, file, 'n_embd');
    const nHeads = num(raw, file, 'n_head');
    const activation = raw.activation_function ?? 'gelu_new';
    if (activation !== 'gelu_new' && activation !== 'gelu_pytorch_tanh') {
      throw new UnsupportedModelError(`${file}: gpt2 activation '${String(activation)}' is not supported (gelu_new only)`);
    }
    config = {
      arch,
      nLayers: num(raw, file, 'n_layer'),
      dModel,
      nHeads,
      nKvHeads: nHeads,
      headDim: dModel / nHeads,
      dFf: typeof raw.n_inner === 'number' ? raw.n_inner : 4 * dModel,
      vocabSize: num(raw, file, 'vocab_size'),
      maxPositions: num(raw, file, 'n_positions', 'n_ctx'),
      normEps: optNum(raw, 'layer_norm_epsilon', 1e-5),
      ropeTheta: 0,
      tiedEmbeddings: raw.tie_word_embeddings !== false,
      qkvBias: true,
      outBias: true,
      mlpBias: true,
      bosTokenId: tokenId(raw.bos_token_id),
      eosTokenId: tokenId(raw.eos_token_id),
      raw,
    };
  } else {
    const dModel = num(raw, file, 'hidden_size');
    const nHeads = num(raw, file, 'num_attention_heads');
    const activation = raw.hidden_act ?? 'silu';
    if (activation !== 'silu') {
      throw new UnsupportedModelError(`${file}: hidden_act '${String(activation)}' is not supported (silu only)`);
    }
    const scaling = raw.rope_scaling;
    if (scaling !== undefined && scaling !== null) {
      const kind = (scaling as Record<string, unknown>).rope_type ?? (scaling as Record<string, unknown>).type;
      if (kind !== 'default') {
        throw new UnsupportedModelError(`${file}: rope_scaling '${String(kind)}' is not supported`);
      }
    }
    const attentionBias = raw.attention_bias === true;
    config = {
      arch,
      nLayers: num(raw, file, 'num_hidden_layers'),
      dModel,
      nHeads,
      nKvHeads: optNum(raw, 'num_key_value_heads', nHeads),
      headDim: optNum(raw, 'head_dim', dModel / nHeads),
      dFf: num(raw, file, 'intermediate_size'),
      vocabSize: num(raw, file, 'vocab_size'),
      maxPositions: optNum(raw, 'max_position_embeddings', 2048),
      normEps: optNum(raw, 'rms_norm_eps', 1e-6),
      ropeTheta: optNum(raw, 'rope_theta', 10000),
      tiedEmbeddings: raw.tie_word_embeddings === true,
      qkvBias: arch === 'qwen2' || attentionBias,
      outBias: arch === 'llama' && attentionBias,
      mlpBias: arch === 'llama' && raw.mlp_bias === true,
      bosTokenId: tokenId(raw.bos_token_id),
      eosTokenId: tokenId(raw.eos_token_id),
      raw,
    };
  }
  checkShape(config, file);
  return config;
}

function checkShape(c: ModelConfig, file: string): void {
  const positive = { nLayers: c.nLayers, dModel: c.dModel, nHeads: c.nHeads, nKvHeads: c.nKvHeads, dFf: c.dFf, vocabSize: c.vocabSize, maxPositions: c.maxPositions };
  for (const [key, value] of Object.entries(positive)) {
    if (!Number.isInteger(value) || value <= 0) throw new BadFileError(file, `${key} must be a positive integer, got ${value}`);
  }
  if (!Number.isInteger(c.headDim) || c.headDim <= 0 || c.headDim % 2 !== 0) {
    throw new BadFileError(file, `head dimension ${c.headDim} must be a positive even integer`);
  }
  if (c.nHeads % c.nKvHeads !== 0) {
    throw new BadFileError(file, `num_attention_heads ${c.nHeads} is not a multiple of num_key_value_heads ${c.nKvHeads}`);
  }
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
