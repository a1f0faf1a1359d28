/**
 * The limits a config.json must respect, and the memory a model's weights will need, checked before
 * anything is allocated: a config that asks for a million layers or a vocabulary of 1e9 is refused in
 * one line instead of growing memory until the machine gives out.
 */
import type { FieldSource, IntRange, Json } from '../util/validate.js';
import { checkMemoryBudget, fieldError, formatBytes, isRecord, show } from '../util/validate.js';

/** Generous bounds: far above any model this toolkit can run on one machine, far below what would overflow. */
export const configLimits = {
  layers: { min: 1, max: 1024 },
  dModel: { min: 1, max: 65536 },
  heads: { min: 1, max: 4096 },
  headDim: { min: 2, max: 4096 },
  dFf: { min: 1, max: 1 << 20 },
  vocab: { min: 1, max: 1 << 22 },
  positions: { min: 1, max: 1 << 22 },
} satisfies Record<string, IntRange>;

/** One JavaScript typed array (and one tfjs tensor) holds fewer elements than this. */
const maxTensorElements = 2 ** 31 - 1;
/** Bytes of memory per parameter while a model is loaded: a host f32 copy and the backend's f32 tensor. */
const bytesPerParameter = 8;

export function configSource(file: string): FieldSource {
  return { file, fix: "fix it or restore config.json from the model's source" };
}

/** bos_token_id / eos_token_id: an id in the vocabulary, a list of them (the first is used), or null. */
export function tokenIdField(src: FieldSource, raw: Json, key: string, vocabSize: number): number | null {
  const value = raw[key];
  if (value === undefined || value === null) return null;
  const list = Array.isArray(value) ? value : [value];
  const bad = list.find((id) => !(Number.isInteger(id) && (id as number) >= 0 && (id as number) < vocabSize));
  if (bad !== undefined || list.length === 0) {
    throw fieldError(src, key, `must be a token id from 0 to ${vocabSize - 1} (or a list of them, or null), got ${show(value)}`);
  }
  return list[0] as number;
}

/** rope_scaling: absent, null, or {rope_type|type: "default"}; anything else is a scaling we do not implement. */
export function ropeScalingKind(raw: Json): string | null {
  const scaling = raw.rope_scaling;
  if (scaling === undefined || scaling === null) return null;
  if (!isRecord(scaling)) return show(scaling);
  const kind = scaling.rope_type ?? scaling.type;
  return kind === 'default' ? null : show(kind);
}

/** The parsed sizes the cross-field checks read (a ModelConfig has them all). */
interface ConfigSizes {
  arch: string;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  dModel: number;
  dFf: number;
  vocabSize: number;
  maxPositions: number;
  raw: Record<string, unknown>;
}

/** Cross-field checks that the fields alone cannot make. */
export function checkConfigShape(c: ConfigSizes, src: FieldSource): void {
  const headsField = c.arch === 'gpt2' ? 'n_head' : 'num_attention_heads';
  if (c.nKvHeads > c.nHeads || c.nHeads % c.nKvHeads !== 0) {
    throw fieldError(src, 'num_key_value_heads', `${c.nKvHeads} must divide ${headsField} ${c.nHeads}`);
  }
  if (!Number.isInteger(c.headDim) || c.headDim % 2 !== 0 || c.headDim < configLimits.headDim.min || c.headDim > configLimits.headDim.max) {
    const field = c.arch === 'gpt2' ? 'n_embd' : c.raw.head_dim !== undefined ? 'head_dim' : 'hidden_size';
    throw fieldError(src, field, `gives a head dimension of ${c.headDim}; it must be an even integer from 2 to ${configLimits.headDim.max} (${c.arch === 'gpt2' ? 'n_embd / n_head' : 'head_dim or hidden_size / num_attention_heads'})`);
  }
  const largest = Math.max(c.vocabSize * c.dModel, c.dModel * (c.nHeads + 2 * c.nKvHeads) * c.headDim, c.dModel * 2 * c.dFf, c.maxPositions * (c.arch === 'gpt2' ? c.dModel : 0));
  if (largest > maxTensorElements) {
    throw fieldError(src, 'sizes', `imply a weight matrix of ${largest} elements, more than one array can hold (${maxTensorElements})`);
  }
}

/** Refuses a model whose weights do not fit in this machine's memory, before any weight is read. */
export function checkModelFitsMemory(params: number, file: string): void {
  checkMemoryBudget(file, `loading ${params.toExponential(2)} parameters (${formatBytes(params * 4)} in f32)`, params * bytesPerParameter, 'use a smaller model, or free memory first');
}
