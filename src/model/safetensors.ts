/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}`, then the data area.
 *
 * Reading checks the whole header before any tensor data is touched, with the rules of the reference Rust
 * implementation (spans must tile the data area exactly), so a truncated or hostile file fails with one
 * BadFileError line instead of a crash, a huge allocation or a read past the end. Tensor data is read lazily
 * with positioned reads, so a file larger than memory can be opened. Typed arrays use the host's byte order;
 * the format is little-endian and so is every machine triggerfish runs on.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { BadFileError } from '../errors.js';
import { checkMemoryBudget } from '../util/validate.js';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './dtype.js';

/** Every dtype of the format, so that a valid file with integer tensors still opens. */
export type SafeDtype =
  | 'F64' | 'F32' | 'F16' | 'BF16'
  | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL' | 'U16' | 'U32' | 'U64'
  | 'F8_E4M3' | 'F8_E5M2';

/** The dtypes triggerfish writes weights in. */
export type FloatDtype = 'F32' | 'F16' | 'BF16';

/** Bytes per element. */
export const dtypeBytes: Readonly<Record<SafeDtype, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2,
  I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, U16: 2, U32: 4, U64: 8,
  F8_E4M3: 1, F8_E5M2: 1,
};

export interface TensorEntry {
  name: string;
  dtype: SafeDtype;
  shape: number[];
  /** Byte span [begin, end) inside the data area (which starts after the header). */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  path: string;
  metadata: Record<string, string>;
  entries: Map<string, TensorEntry>;
  /** The tensor's values as float32 (F64, F32, F16, BF16), flattened in row-major order. */
  readFloat32(name: string): Float32Array;
  /** The tensor's bytes as stored. */
  readRaw(name: string): Uint8Array;
  close(): void;
}

export interface TensorToWrite {
  name: string;
  dtype: FloatDtype;
  shape: number[];
  /** Row-major values; converted to dtype (round to nearest even) when written. */
  data: Float32Array;
}

/** Larger headers are refused before they are read: no real checkpoint comes near, a hostile one might. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
/** fs.readSync and writeSync refuse lengths of 2 GiB and more. */
const IO_CHUNK = 1 << 30;
/** Elements converted at a time when writing, so F16/BF16 output needs no second copy of a big tensor. */
const WRITE_CHUNK = 1 << 20;

const floatDtypes: ReadonlySet<SafeDtype> = new Set(['F64', 'F32', 'F16', 'BF16']);

/** Opens a safetensors file and validates its header; tensor data is read on demand. */
export function openSafetensors(path: string): SafetensorsFile {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new BadFileError(path, `cannot open the safetensors file (${errorCode(err)})`);
  }
  try {
    const { metadata, entries, dataStart } = readHeader(fd, path);
    let closed = false;
    const entry = (name: string): TensorEntry => {
      if (closed) throw new Error(`${path}: ${label(name)} read after close()`);
      const e = entries.get(name);
      if (e === undefined) throw new BadFileError(path, `${label(name)}: no such tensor in this file (it has ${entries.size})`);
      return e;
    };
    const read = (e: TensorEntry): Uint8Array => {
      // A header may describe a tensor larger than memory (a sparse file holds it without the disk space).
      checkMemoryBudget(path, `tensor ${label(e.name)}`, 2 * (e.end - e.begin), 'the file is corrupt or too big for this machine');
      // A fresh Uint8Array owns its buffer from offset 0, so any typed-array view of it is aligned.
      const bytes = new Uint8Array(e.end - e.begin);
      readExactly(fd, path, bytes, dataStart + e.begin, e.name);
      return bytes;
    };
    return {
      path,
      metadata,
      entries,
      readRaw: (name) => read(entry(name)),
      readFloat32(name) {
        const e = entry(name);
        if (!floatDtypes.has(e.dtype)) {
          throw new BadFileError(path, `${label(name)}: dtype ${e.dtype} cannot be used as weights (need F32, F16, BF16 or F64)`);
        }
        return toFloat32(read(e), e.dtype);
      },
      close() {
        if (!closed) closeSync(fd);
        closed = true;
      },
    };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function readHeader(fd: number, path: string) {
  const stat = fstatSync(fd);
  if (!stat.isFile()) throw new BadFileError(path, 'not a regular file');
  const size = stat.size;
  if (size < 8) throw new BadFileError(path, `file is ${size} bytes, too short for the 8-byte header length; it is empty or truncated`);
  const prefix = new Uint8Array(8);
  readExactly(fd, path, prefix, 0, 'header length');
  const headerLength = new DataView(prefix.buffer).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new BadFileError(path, `header length ${headerLength} is over the limit of ${MAX_HEADER_BYTES} bytes; not a safetensors file or corrupt`);
  }
  const n = Number(headerLength);
  if (8 + n > size) {
    throw new BadFileError(path, `header length ${n} runs past the end of the ${size}-byte file; it is truncated or corrupt`);
  }
  const raw = new Uint8Array(n);
  readExactly(fd, path, raw, 8, 'header');
  let header: unknown;
  try {
    // ignoreBOM keeps a byte-order mark in the text, where JSON.parse rejects it as the Rust reader does.
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw));
  } catch (err) {
    const why = err instanceof SyntaxError ? oneLine(err.message) : 'not valid UTF-8';
    throw new BadFileError(path, `header is not valid JSON (${why})`);
  }
  const dataStart = 8 + n;
  return { ...parseHeader(path, header, size - dataStart), dataStart };
}

function parseHeader(path: string, header: unknown, dataBytes: number) {
  if (!isRecord(header)) throw new BadFileError(path, `header is ${show(header)}, not a JSON object`);
  let metadata: Record<string, string> = {};
  const entries = new Map<string, TensorEntry>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') metadata = parseMetadata(path, info);
    else entries.set(name, parseEntry(path, name, info, dataBytes));
  }
  checkTiling(path, [...entries.values()], dataBytes);
  return { metadata, entries };
}

function parseMetadata(path: string, info: unknown): Record<string, string> {
  if (!isRecord(info)) throw new BadFileError(path, `__metadata__ is ${show(info)}, not an object of strings`);
  for (const [key, value] of Object.entries(info)) {
    if (typeof value !== 'string') throw new BadFileError(path, `__metadata__: ${label(key)} is ${show(value)}, not a string`);
  }
  // fromEntries defines keys as own properties, so a key named __proto__ stays data.
  return Object.fromEntries(Object.entries(info as Record<string, string>));
}

function parseEntry(path: string, name: string, info: unknown, dataBytes: number): TensorEntry {
  const fail = (what: string) => new BadFileError(path, `${label(name)}: ${what}`);
  if (!isRecord(info)) throw fail(`header entry is ${show(info)}, not an object with dtype, shape and data_offsets`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string' || !Object.hasOwn(dtypeBytes, dtype)) {
    throw fail(`unknown dtype ${show(dtype)} (known: ${Object.keys(dtypeBytes).join(', ')})`);
  }
  const type = dtype as SafeDtype;
  if (!Array.isArray(shape) || !shape.every(isCount)) throw fail(`shape ${show(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(`data_offsets ${show(offsets)} is not a pair [begin, end] of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw fail(`data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataBytes) throw fail(`data_offsets [${begin}, ${end}] run past the data area of ${dataBytes} bytes; the file is truncated or corrupt`);
  // An inexact product is above 2^53, far beyond any span that passed the check above, so it still mismatches.
  const bytes = shape.reduce((n: number, d: number) => n * d, 1) * dtypeBytes[type];
  if (bytes !== end - begin) {
    throw fail(`shape [${shape.join(', ')}] of ${type} needs ${bytes} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { name, dtype: type, shape: [...shape] as number[], begin, end };
}

/** Spans sorted by begin must start at 0, follow each other without gap or overlap and end at the data area's end. */
function checkTiling(path: string, entries: TensorEntry[], dataBytes: number): void {
  const sorted = entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let previous: TensorEntry | undefined;
  for (const e of sorted) {
    const at = previous?.end ?? 0;
    const span = `data_offsets [${e.begin}, ${e.end}]`;
    if (e.begin < at && previous) {
      throw new BadFileError(path, `${label(e.name)}: ${span} overlap ${label(previous.name)} at [${previous.begin}, ${previous.end}]`);
    }
    if (e.begin > at) {
      const after = previous ? `after ${label(previous.name)} ends at ${at}` : 'at the start of the data area';
      throw new BadFileError(path, `${label(e.name)}: ${span} leave a gap of ${e.begin - at} unused bytes ${after}`);
    }
    previous = e;
  }
  const end = previous?.end ?? 0;
  if (end !== dataBytes) {
    const last = previous ? `the last tensor, ${label(previous.name)}, ends` : 'there are no tensors, so data ends';
    throw new BadFileError(path, `${dataBytes - end} trailing bytes: ${last} at ${end} but the data area is ${dataBytes} bytes`);
  }
}

function toFloat32(bytes: Uint8Array, dtype: SafeDtype): Float32Array {
  const { buffer, byteOffset, byteLength } = bytes;
  const count = byteLength / dtypeBytes[dtype];
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer, byteOffset, count);
    case 'F16':
      return f16ToF32(new Uint16Array(buffer, byteOffset, count));
    case 'BF16':
      return bf16ToF32(new Uint16Array(buffer, byteOffset, count));
    case 'F64':
      return new Float32Array(new Float64Array(buffer, byteOffset, count)); // rounds to nearest even
    default:
      throw new Error(`toFloat32: ${dtype} is not a float dtype`);
  }
}

function readExactly(fd: number, path: string, into: Uint8Array, position: number, what: string): void {
  let done = 0;
  while (done < into.length) {
    let n: number;
    try {
      n = readSync(fd, into, done, Math.min(into.length - done, IO_CHUNK), position + done);
    } catch (err) {
      throw new BadFileError(path, `${label(what)}: read failed (${errorCode(err)})`);
    }
    if (n === 0) throw new BadFileError(path, `${label(what)}: file ended after ${done} of ${into.length} bytes; it shrank while open`);
    done += n;
  }
}

/**
 * Writes a safetensors file: header padded with spaces to a multiple of 8 bytes (as the Python writer
 * does, so the data area is aligned), then the tensors' data in the order given.
 */
export function writeSafetensors(path: string, tensors: TensorToWrite[], metadata?: Record<string, string>): void {
  const fields: string[] = [];
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new Error(`${path}: __metadata__ ${label(key)} is ${show(value)}, not a string`);
    }
    fields.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  const names = new Set<string>(['__metadata__']);
  let offset = 0;
  for (const t of tensors) {
    checkTensorToWrite(path, t, names);
    const bytes = t.data.length * dtypeBytes[t.dtype];
    // Built as text rather than as one object, so that a tensor named __proto__ cannot reach a prototype.
    fields.push(`${JSON.stringify(t.name)}:${JSON.stringify({ dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] })}`);
    offset += bytes;
  }
  const json = Buffer.from(`{${fields.join(',')}}`, 'utf8');
  const header = Buffer.alloc(Math.ceil(json.length / 8) * 8, 0x20);
  json.copy(header);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(header.length));
  writeAtomically(path, (fd) => {
    writeAll(fd, prefix);
    writeAll(fd, header);
    for (const t of tensors) {
      for (let i = 0; i < t.data.length; i += WRITE_CHUNK) {
        const part = t.data.subarray(i, i + WRITE_CHUNK);
        const out = t.dtype === 'F32' ? part : t.dtype === 'F16' ? f32ToF16(part) : f32ToBf16(part);
        writeAll(fd, new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
      }
    }
  });
}

/** A wrong tensor here is a bug in the caller, so it is a plain Error that keeps its stack. */
function checkTensorToWrite(path: string, t: TensorToWrite, names: Set<string>): void {
  const fail = (what: string) => new Error(`${path}: ${label(t.name)}: ${what}`);
  if (names.has(t.name)) throw fail(t.name === '__metadata__' ? 'name is reserved by the format' : 'written twice');
  names.add(t.name);
  if (t.dtype !== 'F32' && t.dtype !== 'F16' && t.dtype !== 'BF16') throw fail(`cannot write dtype ${show(t.dtype)}`);
  if (!t.shape.every(isCount)) throw fail(`shape ${show(t.shape)} is not a list of non-negative integers`);
  const count = t.shape.reduce((n, d) => n * d, 1);
  if (count !== t.data.length) throw fail(`shape [${t.shape.join(', ')}] has ${count} elements but data has ${t.data.length}`);
}

/**
 * Writes through `${path}.tmp-${pid}`, synced, then renamed over path: a crash leaves either the old file
 * or the new one, never half of one.
 */
export function writeAtomically(path: string, write: (fd: number) => void): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  let written = false;
  try {
    write(fd);
    fsyncSync(fd);
    written = true;
  } finally {
    closeSync(fd);
    if (!written) rmSync(tmp, { force: true });
  }
  renameSync(tmp, path);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) {
    done += writeSync(fd, bytes, done, Math.min(bytes.length - done, IO_CHUNK));
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isCount(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}

/** A tensor name fit for a one-line message: quoted only when it holds control characters, cut when huge. */
function label(name: string): string {
  const text = /[\u0000-\u001f\u007f\u2028\u2029]/.test(name) ? JSON.stringify(name) : name;
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
export { label as nameForMessage };

/** A JSON value in a message, cut short: a hostile header may hold megabytes in one field. */
function show(x: unknown): string {
  const text = x === undefined ? 'missing' : JSON.stringify(x);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 200);
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code ?? oneLine(String(err));
}
