/**
 * Export of one vector as a llama.cpp control vector (`llama-cli --control-vector file.gguf`).
 *
 * The file: GGUF v3 with general.architecture = "controlvector", controlvector.model_hint = the model's
 * architecture, controlvector.layer_count, and one F32 tensor `direction.{k}` of shape [D] per layer
 * k = 1 .. L − 1 (zeros except at the vector's layer).
 *
 * What llama.cpp does with it (read in ggml-org/llama.cpp: common/common.cpp
 * common_control_vector_load_one, src/llama-adapter.cpp llama_adapter_cvec, the per-model graphs in
 * src/models/*.cpp):
 * - the loader parses k from the name `direction.k`, refuses k = 0 ("invalid (zero) direction tensor
 *   layer index") and stores the tensor at offset (k − 1)·n_embd; llama_adapter_cvec::apply puts that
 *   slice into tensors[k]; metadata (model_hint, layer_count) is not read by the loader.
 * - every graph ends block il with `cur = ggml_add(ctx0, cur, ffn_inp); cur = build_cvec(cur, il);`,
 *   which adds tensors[il]: the vector is added to the output of block il (0-based), at every position.
 * So `direction.k` is added at `blocks.{k}.hook_resid_post`: the layer numbers are the same, not shifted
 * by one, and block 0's output cannot be steered (there is never a tensor for layer 0). The "+1" seen
 * in llama.cpp's cvector-generator (`direction.%d, il + 1`) is on the writing side: it stores the
 * direction computed from l_out of block il under k = il + 1, i.e. applies it one block later.
 * Hook points map as: blocks.{l}.hook_resid_post and blocks.{l}.hook_mlp_out (adding to the MLP output
 * is adding to the residual after it) → direction.{l}, l ≥ 1; blocks.{l}.hook_resid_pre (= the residual
 * after block l − 1) → direction.{l − 1}, l ≥ 2. Other hook points have no control-vector equivalent.
 * layer_count is the number of direction tensors written (L − 1), as llama.cpp's generator and repeng
 * write it.
 */
import { BadInputError } from '../errors.js';
import { writeAtomically } from '../model/safetensors.js';
import { hiddenStateIndex, parseBlockHook } from '../model/hooks.js';
import type { VectorSet } from './vector-set.js';
import { writeSync } from 'node:fs';

export const ggufAlignment = 32;
/** GGUF metadata value types used here. */
const GGUF_INT32 = 5;
const GGUF_STRING = 8;
/** ggml tensor type F32. */
const GGML_F32 = 0;

/** The llama.cpp control-vector layer a hook point corresponds to. */
export function controlVectorLayer(hook: string, nLayers: number): number {
  const parsed = parseBlockHook(hook);
  if (!parsed || (parsed.point !== 'resid_post' && parsed.point !== 'mlp_out' && parsed.point !== 'resid_pre')) {
    throw new BadInputError(`a vector at ${hook} has no llama.cpp control-vector equivalent; export vectors at blocks.{l}.hook_resid_post`);
  }
  // llama.cpp's direction.k is added to block k's output, i.e. hidden_states[k]
  const where = hiddenStateIndex(hook) - 1;
  if (where < 1 || where >= nLayers) {
    throw new BadInputError(`a vector at ${hook} would be llama.cpp layer ${where}, outside 1..${nLayers - 1} (llama.cpp cannot steer block 0's output); use a later layer`);
  }
  return where;
}

export interface GgufOptions {
  /** Which vector of the set (default 0). */
  index?: number;
  /** Multiplies the vector (default 1); llama.cpp's --control-vector-scaled scales again on top. */
  scale?: number;
}

export function exportGguf(set: VectorSet, file: string, options: GgufOptions = {}): void {
  const index = options.index ?? 0;
  const vector = set.vectors[index];
  if (!vector) throw new BadInputError(`vector ${index} does not exist; the set has ${set.vectors.length} (0..${set.vectors.length - 1})`);
  const scale = options.scale ?? 1;
  const L = set.model.nLayers;
  const layer = controlVectorLayer(set.hook, L);
  const D = vector.length;
  const tensors = Array.from({ length: L - 1 }, (_, i) => {
    const k = i + 1;
    const data = new Float32Array(D);
    if (k === layer) for (let j = 0; j < D; j++) data[j] = vector[j]! * scale;
    return { name: `direction.${k}`, data };
  });
  const kv: [string, number, number | string][] = [
    ['general.architecture', GGUF_STRING, 'controlvector'],
    ['controlvector.model_hint', GGUF_STRING, set.model.arch],
    ['controlvector.layer_count', GGUF_INT32, tensors.length],
  ];
  const w = new ByteWriter();
  w.bytes(Buffer.from('GGUF', 'ascii'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kv.length);
  for (const [key, type, value] of kv) {
    w.string(key);
    w.u32(type);
    if (type === GGUF_STRING) w.string(value as string);
    else w.i32(value as number);
  }
  const tensorBytes = D * 4;
  const stride = align(tensorBytes);
  tensors.forEach((t, i) => {
    w.string(t.name);
    w.u32(1); // n_dims
    w.u64(D); // ne[0]
    w.u32(GGML_F32);
    w.u64(i * stride); // offset from the start of the data section, aligned
  });
  w.pad(ggufAlignment);
  for (const t of tensors) {
    w.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.pad(ggufAlignment);
  }
  const out = w.finish();
  writeAtomically(file, (fd) => {
    for (let done = 0; done < out.length; ) done += writeSync(fd, out, done, out.length - done);
  });
}

function align(n: number): number {
  return Math.ceil(n / ggufAlignment) * ggufAlignment;
}

/** Little-endian writer into a growing buffer. */
class ByteWriter {
  private parts: Buffer[] = [];
  private length = 0;
  bytes(b: Uint8Array): void {
    this.parts.push(Buffer.from(b));
    this.length += b.length;
  }
  u32(x: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(x);
    this.bytes(b);
  }
  i32(x: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(x);
    this.bytes(b);
  }
  u64(x: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(x));
    this.bytes(b);
  }
  /** GGUF string: u64 byte length, then UTF-8 bytes, no terminator. */
  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  pad(to: number): void {
    const extra = (to - (this.length % to)) % to;
    if (extra > 0) this.bytes(Buffer.alloc(extra));
  }
  finish(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}
