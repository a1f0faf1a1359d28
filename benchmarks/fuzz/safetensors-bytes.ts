/** A safetensors file as bytes: split into its header and data area, rebuilt, or given a non-finite weight. */
import type { Random } from '../../src/util/random.js';
import type { JsonValue } from './mutate.js';

export interface SplitFile {
  header: Record<string, JsonValue>;
  headerText: string;
  data: Buffer;
}

export function splitSafetensors(bytes: Buffer): SplitFile {
  const n = Number(bytes.readBigUInt64LE(0));
  const headerText = bytes.subarray(8, 8 + n).toString('utf8');
  return { header: JSON.parse(headerText) as Record<string, JsonValue>, headerText, data: bytes.subarray(8 + n) };
}

/** Header (any JSON value, or raw text) padded to 8 bytes, then the data area. */
export function joinSafetensors(header: JsonValue | string, data: Buffer): Buffer {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const json = Buffer.from(text, 'utf8');
  const padded = Buffer.alloc(Math.ceil(json.length / 8) * 8, 0x20);
  json.copy(padded);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(padded.length));
  return Buffer.concat([prefix, padded, data]);
}

export function tensorNames(header: Record<string, JsonValue>): string[] {
  return Object.keys(header).filter((k) => k !== '__metadata__').sort();
}

/** The bytes of [begin, end) of the header text that hold __metadata__ (flips there may leave a valid file). */
export function metadataSpan(bytes: Buffer): [number, number] {
  const n = Number(bytes.readBigUInt64LE(0));
  const text = bytes.subarray(8, 8 + n).toString('latin1');
  const start = text.indexOf('"__metadata__"');
  if (start < 0) return [0, 0];
  let depth = 0;
  let inString = false;
  for (let i = text.indexOf('{', start); i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return [8 + start, 8 + i + 1];
  }
  return [8 + start, 8 + n];
}

/** The same file with one element of one float tensor set to NaN, +Inf or -Inf. */
export function poisonWeight(bytes: Buffer, rng: Random, tensor?: string): { bytes: Buffer; tensor: string } {
  const { header, data } = splitSafetensors(bytes);
  const floats = tensorNames(header).filter((name) => {
    const e = header[name] as { dtype: string; data_offsets: number[] };
    return ['F32', 'F16', 'BF16'].includes(e.dtype) && e.data_offsets[1]! > e.data_offsets[0]!;
  });
  const name = tensor ?? rng.pick(floats);
  const entry = header[name] as { dtype: string; data_offsets: [number, number] };
  const width = entry.dtype === 'F32' ? 4 : 2;
  const count = (entry.data_offsets[1] - entry.data_offsets[0]) / width;
  const at = entry.data_offsets[0] + rng.int(0, count - 1) * width;
  const kind = rng.pick(['nan', 'inf', '-inf'] as const);
  const out = Buffer.from(bytes);
  const offset = bytes.length - data.length + at;
  if (entry.dtype === 'F32') out.writeFloatLE(kind === 'nan' ? NaN : kind === 'inf' ? Infinity : -Infinity, offset);
  else if (entry.dtype === 'F16') out.writeUInt16LE(kind === 'nan' ? 0x7e00 : kind === 'inf' ? 0x7c00 : 0xfc00, offset);
  else out.writeUInt16LE(kind === 'nan' ? 0x7fc0 : kind === 'inf' ? 0x7f80 : 0xff80, offset);
  return { bytes: out, tensor: name };
}

/** A single-file checkpoint split as Hugging Face shards it: two shard files and the index naming them. */
export function shard(bytes: Buffer): Record<string, Buffer> {
  const { header, data } = splitSafetensors(bytes);
  const names = tensorNames(header).sort((a, b) => offsetsOf(header, a)[0] - offsetsOf(header, b)[0]);
  const halves = [names.slice(0, names.length >> 1), names.slice(names.length >> 1)];
  const files: Record<string, Buffer> = {};
  const weightMap: Record<string, string> = {};
  halves.forEach((part, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    const partHeader: Record<string, JsonValue> = {};
    const chunks: Buffer[] = [];
    let offset = 0;
    for (const name of part) {
      const [b, e] = offsetsOf(header, name);
      const entry = header[name] as { dtype: string; shape: number[] };
      partHeader[name] = { dtype: entry.dtype, shape: entry.shape, data_offsets: [offset, offset + e - b] };
      chunks.push(data.subarray(b, e));
      offset += e - b;
      weightMap[name] = file;
    }
    files[file] = joinSafetensors(partHeader, Buffer.concat(chunks));
  });
  files['model.safetensors.index.json'] = Buffer.from(JSON.stringify({ metadata: { total_size: data.length }, weight_map: weightMap }, null, 2));
  return files;
}

function offsetsOf(header: Record<string, JsonValue>, name: string): [number, number] {
  return (header[name] as { data_offsets: [number, number] }).data_offsets;
}
