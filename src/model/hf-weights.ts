/**
 * Maps Hugging Face tensor names and layouts to triggerfish's parameter records and back.
 * GPT-2 stores Conv1D weights as [in, out], which is our layout; Llama-family Linear weights are
 * [out, in] and are transposed. q/k/v (and gate/up) are fused on load and split on save, so a
 * checkpoint saved here has exactly the tensor names, shapes and dtype it was loaded with.
 */
import { BadFileError } from '../errors.js';
import type { ModelConfig } from './config.js';
import { paramShapes } from './params.js';
import type { FloatDtype, TensorToWrite } from './safetensors.js';
import type { TensorStore } from './tensor-store.js';

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** How the checkpoint spelled things, so that saving can write them back the same way. */
export interface HfLayout {
  /** "transformer." for GPT2LMHeadModel checkpoints, "" for bare GPT2Model ones; "model." for llama/qwen2. */
  prefix: string;
  dtype: FloatDtype;
  /** The checkpoint stores lm_head.weight although the head is tied to the embeddings. */
  storesTiedHead: boolean;
}

// Buffers some checkpoints carry that are not parameters (causal masks, RoPE frequencies).
const ignorable = /(\.attn\.bias|\.attn\.masked_bias|rotary_emb\.inv_freq)$/;

interface Piece {
  hf: string;
  /** Llama Linear weight stored [out, in]: transpose into [in, out]. */
  transpose: boolean;
}

/** For each of our parameter names, the HF tensors that are concatenated (along columns) to make it. */
function pieces(c: ModelConfig, prefix: string): Map<string, Piece[]> {
  const map = new Map<string, Piece[]>();
  const plain = (hf: string): Piece[] => [{ hf: prefix + hf, transpose: false }];
  const linear = (...hf: string[]): Piece[] => hf.map((name) => ({ hf: prefix + name, transpose: true }));
  if (c.arch === 'gpt2') {
    map.set('wte', plain('wte.weight'));
    map.set('wpe', plain('wpe.weight'));
    for (let l = 0; l < c.nLayers; l++) {
      const h = `h.${l}.`;
      const p = `blocks.${l}.`;
      map.set(p + 'ln1.weight', plain(h + 'ln_1.weight'));
      map.set(p + 'ln1.bias', plain(h + 'ln_1.bias'));
      map.set(p + 'wQkv', plain(h + 'attn.c_attn.weight'));
      map.set(p + 'bQkv', plain(h + 'attn.c_attn.bias'));
      map.set(p + 'wO', plain(h + 'attn.c_proj.weight'));
      map.set(p + 'bO', plain(h + 'attn.c_proj.bias'));
      map.set(p + 'ln2.weight', plain(h + 'ln_2.weight'));
      map.set(p + 'ln2.bias', plain(h + 'ln_2.bias'));
      map.set(p + 'wIn', plain(h + 'mlp.c_fc.weight'));
      map.set(p + 'bIn', plain(h + 'mlp.c_fc.bias'));
      map.set(p + 'wOut', plain(h + 'mlp.c_proj.weight'));
      map.set(p + 'bOut', plain(h + 'mlp.c_proj.bias'));
    }
    map.set('lnF.weight', plain('ln_f.weight'));
    map.set('lnF.bias', plain('ln_f.bias'));
  } else {
    map.set('wte', plain('embed_tokens.weight'));
    for (let l = 0; l < c.nLayers; l++) {
      const h = `layers.${l}.`;
      const p = `blocks.${l}.`;
      const attn = h + 'self_attn.';
      map.set(p + 'ln1.weight', plain(h + 'input_layernorm.weight'));
      map.set(p + 'wQkv', linear(attn + 'q_proj.weight', attn + 'k_proj.weight', attn + 'v_proj.weight'));
      map.set(p + 'bQkv', plain(attn + 'q_proj.bias').concat(plain(attn + 'k_proj.bias'), plain(attn + 'v_proj.bias')));
      map.set(p + 'wO', linear(attn + 'o_proj.weight'));
      map.set(p + 'bO', plain(attn + 'o_proj.bias'));
      map.set(p + 'ln2.weight', plain(h + 'post_attention_layernorm.weight'));
      map.set(p + 'wIn', linear(h + 'mlp.gate_proj.weight', h + 'mlp.up_proj.weight'));
      map.set(p + 'bIn', plain(h + 'mlp.gate_proj.bias').concat(plain(h + 'mlp.up_proj.bias')));
      map.set(p + 'wOut', linear(h + 'mlp.down_proj.weight'));
      map.set(p + 'bOut', plain(h + 'mlp.down_proj.bias'));
    }
    map.set('lnF.weight', plain('norm.weight'));
  }
  return map;
}

// The head is never prefixed: GPT2LMHeadModel and LlamaForCausalLM both write "lm_head.weight".
const headName = 'lm_head.weight';

function detectPrefix(c: ModelConfig, names: Set<string>): string {
  if (c.arch === 'gpt2') return names.has('transformer.wte.weight') ? 'transformer.' : '';
  return names.has('model.embed_tokens.weight') ? 'model.' : '';
}

/** Reads every parameter of `config` from a tensor store, checking names and shapes. */
export function readHfParams(config: ModelConfig, store: TensorStore): { named: Map<string, HostTensor>; layout: HfLayout } {
  const names = new Set(store.names());
  const prefix = detectPrefix(config, names);
  const used = new Set<string>();
  const named = new Map<string, HostTensor>();
  const shapes = paramShapes(config);
  const plan = pieces(config, prefix);
  for (const [name, shape] of shapes) {
    const parts = name === 'lmHead' ? [{ hf: headName, transpose: false }] : plan.get(name);
    if (!parts) throw new Error(`hf-weights: no mapping for ${name}`);
    const entries = parts.map((part) => {
      if (!names.has(part.hf)) {
        throw new BadFileError(store.dir, `tensor ${part.hf} is missing; the weights do not match config.json (${config.arch}, ${config.nLayers} layers)`);
      }
      used.add(part.hf);
      return store.entry(part.hf);
    });
    const mismatch = () => {
      const got = parts.map((p, i) => `${p.hf} [${entries[i]!.shape}]`).join(' + ');
      return new BadFileError(store.dir, `tensor ${got} does not fit the shape [${shape}] that config.json implies`);
    };
    // Sizes are checked from the header before any data is read, so a hostile header cannot make us allocate.
    if (entries.reduce((n, e) => n + elements(e.shape), 0) !== elements(shape)) throw mismatch();
    const hosts = parts.map((part, i) => {
      const host = { shape: entries[i]!.shape, data: store.readFloat32(part.hf) };
      checkFinite(host.data, part.hf, entries[i]!.file);
      return part.transpose ? transpose(host, part.hf, store.dir) : host;
    });
    if (hosts.some((h) => h.shape.length !== shape.length || (shape.length === 2 && h.shape[0] !== shape[0]))) throw mismatch();
    const joined = concatColumns(hosts, shape.length);
    if (!sameShape(joined.shape, shape)) throw mismatch();
    named.set(name, joined);
  }
  const storesTiedHead = config.tiedEmbeddings && names.has(headName);
  if (storesTiedHead) used.add(headName);
  for (const name of names) {
    if (!used.has(name) && !ignorable.test(name)) {
      throw new BadFileError(store.dir, `unexpected tensor ${name}; the weights do not match config.json (${config.arch}, ${config.nLayers} layers)`);
    }
  }
  const dtypes = [...store.dtypes()];
  const dtype = (['F32', 'BF16', 'F16'] as const).find((d) => dtypes.includes(d)) ?? 'F32';
  return { named, layout: { prefix, dtype, storesTiedHead } };
}

/** The Hugging Face tensors for a set of parameters, named and laid out as `layout` says. */
export function hfTensors(config: ModelConfig, named: ReadonlyMap<string, HostTensor>, layout: HfLayout): TensorToWrite[] {
  const out: TensorToWrite[] = [];
  const plan = pieces(config, layout.prefix);
  for (const [name, shape] of paramShapes(config)) {
    const host = named.get(name);
    if (!host) throw new Error(`hf-weights: parameter ${name} is missing`);
    if (!sameShape(host.shape, shape)) throw new Error(`hf-weights: parameter ${name} is [${host.shape}], expected [${shape}]`);
    const parts = name === 'lmHead' ? [{ hf: headName, transpose: false }] : plan.get(name)!;
    const widths = parts.length === 1 ? [lastDim(host.shape)] : splitWidths(config, name, lastDim(host.shape));
    splitColumns(host, widths).forEach((piece, i) => {
      const part = parts[i]!;
      const laid = part.transpose ? transpose(piece, part.hf, '') : piece;
      out.push({ name: part.hf, dtype: layout.dtype, shape: laid.shape, data: laid.data });
    });
  }
  if (layout.storesTiedHead) {
    const wte = named.get('wte')!;
    out.push({ name: headName, dtype: layout.dtype, shape: wte.shape, data: wte.data });
  }
  return out;
}

/** Column widths of the fused q|k|v and gate|up parameters. */
function splitWidths(c: ModelConfig, name: string, total: number): number[] {
  if (/wQkv$|bQkv$/.test(name)) return [c.nHeads * c.headDim, c.nKvHeads * c.headDim, c.nKvHeads * c.headDim];
  if (/wIn$|bIn$/.test(name)) return [total / 2, total / 2];
  return [total];
}

function elements(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** NaN or infinite weights make every output NaN (an empty completion, silently): refuse them by name. */
function checkFinite(data: Float32Array, name: string, file: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new BadFileError(file, `tensor ${name} holds a non-finite value (${data[i]}) at element ${i}; the weights are corrupt, restore them from the model's source`);
    }
  }
}

function lastDim(shape: number[]): number {
  return shape[shape.length - 1]!;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function transpose(t: HostTensor, name: string, dir: string): HostTensor {
  if (t.shape.length !== 2) throw new BadFileError(dir, `tensor ${name} should be a matrix, has shape [${t.shape}]`);
  const [rows, cols] = t.shape as [number, number];
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[r * cols + c]!;
  }
  return { shape: [cols, rows], data: out };
}

/** Concatenates matrices [R, Ci] (or vectors [Ci]) along their last axis. */
function concatColumns(parts: HostTensor[], rank: number): HostTensor {
  if (parts.length === 1) return parts[0]!;
  if (rank === 1) {
    const total = parts.reduce((n, p) => n + p.data.length, 0);
    const data = new Float32Array(total);
    let offset = 0;
    for (const p of parts) {
      data.set(p.data, offset);
      offset += p.data.length;
    }
    return { shape: [total], data };
  }
  const rows = parts[0]!.shape[0]!; // callers check that every part has this many rows
  const widths = parts.map((p) => p.shape[1]!);
  const cols = widths.reduce((a, b) => a + b, 0);
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let offset = r * cols;
    parts.forEach((p, i) => {
      const w = widths[i]!;
      data.set(p.data.subarray(r * w, (r + 1) * w), offset);
      offset += w;
    });
  }
  return { shape: [rows, cols], data };
}

/** Splits a matrix [R, ΣCi] (or vector) along its last axis into the given widths. */
function splitColumns(t: HostTensor, widths: number[]): HostTensor[] {
  if (widths.length === 1) return [t];
  if (t.shape.length === 1) {
    let offset = 0;
    return widths.map((w) => {
      const data = t.data.slice(offset, offset + w);
      offset += w;
      return { shape: [w], data };
    });
  }
  const rows = t.shape[0]!;
  const cols = t.shape[1]!;
  let start = 0;
  return widths.map((w) => {
    const data = new Float32Array(rows * w);
    for (let r = 0; r < rows; r++) data.set(t.data.subarray(r * cols + start, r * cols + start + w), r * w);
    start += w;
    return { shape: [rows, w], data };
  });
}
