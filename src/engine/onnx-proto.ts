/**
 * A minimal protobuf writer for the ONNX messages triggerfish emits (ModelProto and what it holds),
 * so that a model is exported from the weights in memory with no Python and no schema compiler.
 * Field numbers are those of onnx/onnx.proto (IR version 8). Only writing is supported.
 */

/** ONNX TensorProto.DataType values used here. */
export const OnnxType = { float: 1, int32: 6, int64: 7, bool: 9 } as const;
export type OnnxElem = keyof typeof OnnxType;

/** Accumulates one message's encoded fields. */
class Writer {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];

  private flushScratch(): void {
    if (this.scratch.length) this.chunks.push(Uint8Array.from(this.scratch));
    this.scratch = [];
  }

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.scratch.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.scratch.push(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.scratch.push(...bytes);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2);
    this.varint(data.length);
    this.flushScratch();
    this.chunks.push(data);
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  /** Packed repeated int64. */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new Writer();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    this.flushScratch();
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

export interface TensorData {
  name: string;
  elem: OnnxElem;
  dims: readonly number[];
  /** Little-endian element bytes (Float32Array, BigInt64Array, Int32Array or Uint8Array for bool). */
  data: ArrayBufferView;
}

export function encodeTensor(t: TensorData): Uint8Array {
  const w = new Writer();
  if (t.dims.length) w.packedInts(1, t.dims);
  w.int(2, OnnxType[t.elem]);
  w.string(8, t.name);
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return w.finish();
}

export type AttrValue = number | readonly number[] | string | { float: number } | { floats: readonly number[] } | { tensor: TensorData };

function isIntList(value: AttrValue): value is readonly number[] {
  return Array.isArray(value);
}

/** AttributeProto; plain numbers are INT, wrap floats as {float}. */
function encodeAttribute(name: string, value: AttrValue): Uint8Array {
  const w = new Writer().string(1, name);
  if (typeof value === 'number') w.int(3, value).int(20, 2);
  else if (typeof value === 'string') w.string(4, value).int(20, 3);
  else if (isIntList(value)) w.packedInts(8, value).int(20, 7);
  else if ('float' in value) w.float(2, value.float).int(20, 1);
  else if ('floats' in value) {
    for (const f of value.floats) w.float(7, f);
    w.int(20, 6);
  } else w.bytes(5, encodeTensor(value.tensor)).int(20, 4);
  return w.finish();
}

export interface NodeData {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  attrs?: Readonly<Record<string, AttrValue>>;
}

function encodeNode(n: NodeData): Uint8Array {
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.op);
  for (const [key, value] of Object.entries(n.attrs ?? {})) w.bytes(5, encodeAttribute(key, value));
  return w.finish();
}

/** A graph input or output: element type and shape, each dimension a size or a symbolic name. */
export interface ValueInfo {
  name: string;
  elem: OnnxElem;
  dims: readonly (number | string)[];
}

function encodeValueInfo(v: ValueInfo): Uint8Array {
  const shape = new Writer();
  for (const d of v.dims) shape.bytes(1, typeof d === 'number' ? new Writer().int(1, d).finish() : new Writer().string(2, d).finish());
  const tensorType = new Writer().int(1, OnnxType[v.elem]).bytes(2, shape.finish()).finish();
  const type = new Writer().bytes(1, tensorType).finish();
  return new Writer().string(1, v.name).bytes(2, type).finish();
}

export interface GraphData {
  name: string;
  nodes: readonly NodeData[];
  initializers: readonly TensorData[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
}

/** Opset 17: LayerNormalization exists, ReduceMean still takes axes as an attribute. */
export const opsetVersion = 17;

export function encodeModel(graph: GraphData, producer = 'triggerfish'): Uint8Array {
  const g = new Writer();
  for (const n of graph.nodes) g.bytes(1, encodeNode(n));
  g.string(2, graph.name);
  for (const t of graph.initializers) g.bytes(5, encodeTensor(t));
  for (const v of graph.inputs) g.bytes(11, encodeValueInfo(v));
  for (const v of graph.outputs) g.bytes(12, encodeValueInfo(v));
  const opset = new Writer().string(1, '').int(2, opsetVersion).finish();
  return new Writer().int(1, 8).string(2, producer).bytes(7, g.finish()).bytes(8, opset).finish();
}
