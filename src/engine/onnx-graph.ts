/**
 * Builds an ONNX graph node by node: each call adds a node and returns the name of its output, so a
 * graph reads like the tensor code it mirrors (`const y = g.op('MatMul', [x, w])`). Small constants
 * are shared; weights become initializers.
 */
import type { AttrValue, NodeData, OnnxElem, TensorData, ValueInfo } from './onnx-proto.js';
import { encodeModel } from './onnx-proto.js';

export class GraphBuilder {
  private readonly nodes: NodeData[] = [];
  private readonly initializers: TensorData[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly constants = new Map<string, string>();
  private readonly weightNames = new Set<string>();
  private counter = 0;

  /** Adds one node; returns its (first) output's name. */
  op(op: string, inputs: readonly string[], attrs?: Record<string, AttrValue>): string {
    return this.opN(op, inputs, 1, attrs)[0]!;
  }

  /** A node with several outputs (Split). */
  opN(op: string, inputs: readonly string[], nOutputs: number, attrs?: Record<string, AttrValue>): string[] {
    const id = this.counter++;
    const outputs = Array.from({ length: nOutputs }, (_, i) => `${op.toLowerCase()}_${id}${nOutputs > 1 ? `_${i}` : ''}`);
    this.nodes.push({ op, inputs, outputs, name: `${op}_${id}`, ...(attrs && { attrs }) });
    return outputs;
  }

  /** A float weight as an initializer under a stable name. */
  weight(name: string, data: Float32Array, dims: readonly number[]): string {
    if (this.weightNames.has(name)) return name;
    this.weightNames.add(name);
    this.initializers.push({ name, elem: 'float', dims, data });
    return name;
  }

  /** An int64 constant (shapes, axes, indices); a scalar when `dims` is []. */
  ints(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant('int64', BigInt64Array.from(values.map(BigInt)), dims);
  }

  /** A float32 constant; a scalar when `dims` is []. */
  floats(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant('float', Float32Array.from(values), dims);
  }

  private constant(elem: OnnxElem, data: BigInt64Array | Float32Array, dims: readonly number[]): string {
    const key = `${elem}:${dims.join('x')}:${Array.from(data as ArrayLike<unknown>).join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = `const_${this.constants.size}`;
    this.initializers.push({ name, elem, dims, data });
    this.constants.set(key, name);
    return name;
  }

  input(name: string, elem: OnnxElem, dims: readonly (number | string)[]): string {
    this.inputs.push({ name, elem, dims });
    return name;
  }

  /** Exposes `value` as a graph output called `name`. */
  output(name: string, value: string, elem: OnnxElem, dims: readonly (number | string)[]): void {
    this.nodes.push({ op: 'Identity', inputs: [value], outputs: [name], name: `out_${name}` });
    this.outputs.push({ name, elem, dims });
  }

  get outputNames(): string[] {
    return this.outputs.map((o) => o.name);
  }

  encode(name: string): Uint8Array {
    return encodeModel({ name, nodes: this.nodes, initializers: this.initializers, inputs: this.inputs, outputs: this.outputs });
  }
}
