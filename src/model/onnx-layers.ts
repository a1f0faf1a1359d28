/**
 * The small pieces of a transformer block as ONNX nodes, mirroring layers.ts op for op so that
 * ONNX Runtime and tfjs compute the same numbers. Weights are named by their namedParams names.
 */
import type { GraphBuilder } from '../engine/onnx-graph.js';

/** Host copies of the weights, by namedParams name, with their shapes. */
export type HostWeights = ReadonlyMap<string, { data: Float32Array; shape: number[] }>;

export interface LayerContext {
  g: GraphBuilder;
  weights: HostWeights;
}

/** The initializer for a named weight, or null when the model has none (a missing bias). */
export function param(ctx: LayerContext, name: string): string | null {
  const w = ctx.weights.get(name);
  return w ? ctx.g.weight(name, w.data, w.shape) : null;
}

export function needParam(ctx: LayerContext, name: string): string {
  const p = param(ctx, name);
  if (p === null) throw new Error(`onnx export: missing weight ${name}`);
  return p;
}

/** x [..., in] @ W [in, out] (+ b). */
export function linear(ctx: LayerContext, x: string, w: string, b: string | null): string {
  const y = ctx.g.op('MatMul', [x, w]);
  return b ? ctx.g.op('Add', [y, b]) : y;
}

/** LayerNorm over the last axis (gpt2), as layers.ts: centred · 1/sqrt(var + eps) · w + b. */
export function layerNorm(ctx: LayerContext, x: string, prefix: string, eps: number): string {
  const g = ctx.g;
  return g.op('LayerNormalization', [x, needParam(ctx, `${prefix}.weight`), needParam(ctx, `${prefix}.bias`)], { axis: -1, epsilon: { float: eps } });
}

/** RMSNorm (llama family): x / sqrt(mean(x²) + eps) · w, in the pattern ORT fuses into one kernel. */
export function rmsNorm(ctx: LayerContext, x: string, prefix: string, eps: number): string {
  const g = ctx.g;
  const meanSquare = g.op('ReduceMean', [g.op('Pow', [x, g.floats([2], [])])], { axes: [-1], keepdims: 1 });
  const denom = g.op('Sqrt', [g.op('Add', [meanSquare, g.floats([eps], [])])]);
  return g.op('Mul', [g.op('Div', [x, denom]), needParam(ctx, `${prefix}.weight`)]);
}

const geluScale = Math.sqrt(2 / Math.PI);

/** GPT-2's GELU, tanh approximation. */
export function geluTanh(g: GraphBuilder, x: string): string {
  const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
  const inner = g.op('Mul', [g.op('Add', [x, g.op('Mul', [cube, g.floats([0.044715], [])])]), g.floats([geluScale], [])]);
  const half = g.op('Mul', [x, g.floats([0.5], [])]);
  return g.op('Mul', [half, g.op('Add', [g.op('Tanh', [inner]), g.floats([1], [])])]);
}

export function silu(g: GraphBuilder, x: string): string {
  return g.op('Mul', [x, g.op('Sigmoid', [x])]);
}

/** The MLP of block `l`: gpt2 GELU, llama-family SwiGLU. */
export function mlp(ctx: LayerContext, x: string, l: number, arch: string): string {
  const g = ctx.g;
  const p = `blocks.${l}.`;
  let act: string;
  if (arch === 'gpt2') act = geluTanh(g, linear(ctx, x, needParam(ctx, p + 'wIn'), param(ctx, p + 'bIn')));
  else {
    // SwiGLU from separate gate and up matrices (onnx-weights-split.ts): no Split of a [B, T, 2F] value
    const gate = linear(ctx, x, needParam(ctx, p + 'wGate'), param(ctx, p + 'bGate'));
    const up = linear(ctx, x, needParam(ctx, p + 'wUp'), param(ctx, p + 'bUp'));
    act = g.op('Mul', [silu(g, gate), up]);
  }
  return linear(ctx, act, needParam(ctx, p + 'wOut'), param(ctx, p + 'bOut'));
}
