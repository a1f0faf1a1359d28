/**
 * A forward pass on ONNX Runtime with the semantics of transformer.ts's forward: token ids or
 * embeddings, an optional left-padding mask, positions, a KV cache in and out, logits for chosen
 * positions, and hidden states by hook name. Rows are plain arrays; outputs are host tensors.
 */
import { BadInputError } from '../errors.js';
import type { ort } from '../engine/onnx-session.js';
import { floatTensor, int64Tensor } from '../engine/onnx-session.js';
import type { LanguageModel } from './language-model.js';
import { maxSequence } from './language-model.js';
import { forwardSession } from './onnx-cache.js';
import type { OnnxGraphOptions } from './onnx-transformer.js';

/** Keys and values per layer as ORT tensors [B, KV, S, hd]. */
export interface OnnxKv {
  keys: ort.Tensor[];
  values: ort.Tensor[];
  length: number;
}

export interface HostTensor {
  data: Float32Array;
  dims: number[];
}

export interface OnnxForwardRequest {
  /** [B][T] token ids, or embeddings [B, T, D]. */
  ids?: readonly (readonly number[])[];
  embeds?: HostTensor;
  /** [B][P + T]: 1 for real tokens, 0 for left padding (default all ones). */
  mask?: readonly (readonly number[])[];
  /** [B][T] absolute positions (default P..P+T-1). */
  positions?: readonly (readonly number[])[];
  past?: OnnxKv;
  /** Vectors [B, T, D] added at hook points. */
  steer?: Record<string, HostTensor>;
}

export interface OnnxForwardOptions {
  logits?: 'all' | 'last' | readonly [number, number] | 'none';
  hidden?: readonly string[];
  returnKv?: boolean;
}

export interface OnnxForwardResult {
  logits?: HostTensor;
  hidden: Record<string, HostTensor>;
  kv?: OnnxKv;
}

export async function onnxForward(model: LanguageModel, request: OnnxForwardRequest, options: OnnxForwardOptions = {}): Promise<OnnxForwardResult> {
  const c = model.config;
  const B = request.ids ? request.ids.length : request.embeds!.dims[0]!;
  const T = request.ids ? (request.ids[0]?.length ?? 0) : request.embeds!.dims[1]!;
  const P = request.past?.length ?? 0;
  if (P + T > maxSequence(model)) throw new BadInputError(`sequence of ${P + T} tokens is longer than the model's ${maxSequence(model)} positions; shorten the prompt`);
  const logits = options.logits ?? 'all';
  const kv = options.returnKv === true || request.past !== undefined;
  const graph: OnnxGraphOptions = {
    input: request.ids ? 'ids' : 'embeds',
    kv,
    logits: Array.isArray(logits) ? 'range' : (logits as OnnxGraphOptions['logits']),
    hidden: [...(options.hidden ?? [])].sort(),
    steer: Object.keys(request.steer ?? {}).sort(),
  };
  const session = await forwardSession(model, graph);
  const feeds: Record<string, ort.Tensor> = {};
  if (request.ids) feeds.input_ids = int64Tensor(request.ids.flat(), [B, T]);
  else feeds.inputs_embeds = floatTensor(request.embeds!.data, request.embeds!.dims);
  feeds.attention_mask = int64Tensor(request.mask ? request.mask.flat() : new Array<number>(B * (P + T)).fill(1), [B, P + T]);
  feeds.position_ids = int64Tensor(request.positions ? request.positions.flat() : defaultPositions(B, T, P), [B, T]);
  if (Array.isArray(logits)) feeds.logits_range = int64Tensor([logits[0], logits[0] + logits[1]], [2]);
  for (const [name, t] of Object.entries(request.steer ?? {})) feeds[`steer.${name}`] = floatTensor(t.data, t.dims);
  if (kv) addPast(feeds, request.past ?? emptyKv(model, B));
  const out = await session.run(feeds);
  const host = (name: string): HostTensor => ({ data: out[name]!.data as Float32Array, dims: out[name]!.dims.slice() });
  const hidden: Record<string, HostTensor> = {};
  for (const name of graph.hidden!) hidden[name] = host(name);
  const result: OnnxForwardResult = { hidden };
  if (logits !== 'none') result.logits = host('logits');
  if (options.returnKv) {
    const range = Array.from({ length: c.nLayers }, (_, l) => l);
    result.kv = { keys: range.map((l) => out[`present.${l}.key`]!), values: range.map((l) => out[`present.${l}.value`]!), length: P + T };
  }
  return result;
}

export function addPast(feeds: Record<string, ort.Tensor>, past: OnnxKv): void {
  past.keys.forEach((k, l) => (feeds[`past_key_values.${l}.key`] = k));
  past.values.forEach((v, l) => (feeds[`past_key_values.${l}.value`] = v));
}

/** A cache of length 0 for `batch` rows (the graph always takes past inputs when it has them). */
export function emptyKv(model: LanguageModel, batch: number): OnnxKv {
  const { nLayers: L, nKvHeads: KV, headDim: hd } = model.config;
  const empty = () => floatTensor(new Float32Array(0), [batch, KV, 0, hd]);
  return { keys: Array.from({ length: L }, empty), values: Array.from({ length: L }, empty), length: 0 };
}

function defaultPositions(B: number, T: number, P: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out.push(P + t);
  return out;
}
