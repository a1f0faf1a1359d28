/**
 * The weights of a transformer as plain records of tensors, in one layout for every architecture:
 * matrices are [in, out] so that every projection is `x @ W` (GPT-2's Conv1D layout). Llama-family
 * Linear weights ([out, in]) are transposed on load and back on save (see hf-weights.ts).
 * q, k and v are fused into one matrix, and so are the gate and up projections of SwiGLU, so that
 * each is one matmul.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config.js';

export interface NormParams {
  weight: tf.Tensor1D; // [D]
  bias?: tf.Tensor1D; // [D], LayerNorm only
}

export interface BlockParams {
  ln1: NormParams;
  ln2: NormParams;
  /** [D, (H + 2·KV)·hd]: columns are q heads, then k heads, then v heads. */
  wQkv: tf.Tensor2D;
  bQkv?: tf.Tensor1D;
  /** [H·hd, D] */
  wO: tf.Tensor2D;
  bO?: tf.Tensor1D;
  /** gpt2: [D, F] (c_fc). llama: [D, 2F], gate columns then up columns. */
  wIn: tf.Tensor2D;
  bIn?: tf.Tensor1D;
  /** [F, D] */
  wOut: tf.Tensor2D;
  bOut?: tf.Tensor1D;
}

export interface ModelParams {
  /** Token embeddings [V, D]; also the output head when embeddings are tied. */
  wte: tf.Tensor2D;
  /** Learned positions [P, D], gpt2 only. */
  wpe?: tf.Tensor2D;
  blocks: BlockParams[];
  lnF: NormParams;
  /** Output head [V, D] when not tied to wte. */
  lmHead?: tf.Tensor2D;
}

/** Every parameter tensor with a stable dotted name ("blocks.0.wQkv"), in a fixed order. */
export function namedParams(params: ModelParams): { name: string; tensor: tf.Tensor }[] {
  const out: { name: string; tensor: tf.Tensor }[] = [];
  const add = (name: string, tensor: tf.Tensor | undefined) => {
    if (tensor) out.push({ name, tensor });
  };
  add('wte', params.wte);
  add('wpe', params.wpe);
  params.blocks.forEach((b, l) => {
    const p = `blocks.${l}.`;
    add(p + 'ln1.weight', b.ln1.weight);
    add(p + 'ln1.bias', b.ln1.bias);
    add(p + 'wQkv', b.wQkv);
    add(p + 'bQkv', b.bQkv);
    add(p + 'wO', b.wO);
    add(p + 'bO', b.bO);
    add(p + 'ln2.weight', b.ln2.weight);
    add(p + 'ln2.bias', b.ln2.bias);
    add(p + 'wIn', b.wIn);
    add(p + 'bIn', b.bIn);
    add(p + 'wOut', b.wOut);
    add(p + 'bOut', b.bOut);
  });
  add('lnF.weight', params.lnF.weight);
  add('lnF.bias', params.lnF.bias);
  add('lmHead', params.lmHead);
  return out;
}

/** Rebuilds a params record from named tensors (the inverse of namedParams). */
export function paramsFromNamed(config: ModelConfig, named: ReadonlyMap<string, tf.Tensor>): ModelParams {
  const get = <T extends tf.Tensor>(name: string) => named.get(name) as T | undefined;
  const need = <T extends tf.Tensor>(name: string) => {
    const t = get<T>(name);
    if (!t) throw new Error(`paramsFromNamed: missing ${name}`);
    return t;
  };
  const norm = (p: string): NormParams => {
    const weight = need<tf.Tensor1D>(p + '.weight');
    const bias = get<tf.Tensor1D>(p + '.bias');
    return bias ? { weight, bias } : { weight };
  };
  const blocks: BlockParams[] = [];
  for (let l = 0; l < config.nLayers; l++) {
    const p = `blocks.${l}.`;
    blocks.push(
      withoutUndefined({
        ln1: norm(p + 'ln1'),
        ln2: norm(p + 'ln2'),
        wQkv: need<tf.Tensor2D>(p + 'wQkv'),
        bQkv: get<tf.Tensor1D>(p + 'bQkv'),
        wO: need<tf.Tensor2D>(p + 'wO'),
        bO: get<tf.Tensor1D>(p + 'bO'),
        wIn: need<tf.Tensor2D>(p + 'wIn'),
        bIn: get<tf.Tensor1D>(p + 'bIn'),
        wOut: need<tf.Tensor2D>(p + 'wOut'),
        bOut: get<tf.Tensor1D>(p + 'bOut'),
      }),
    );
  }
  return withoutUndefined({
    wte: need<tf.Tensor2D>('wte'),
    wpe: get<tf.Tensor2D>('wpe'),
    blocks,
    lnF: norm('lnF'),
    lmHead: get<tf.Tensor2D>('lmHead'),
  });
}

/** The expected shape of every named parameter for a config, in namedParams order. */
export function paramShapes(c: ModelConfig): Map<string, number[]> {
  const D = c.dModel;
  const qkvOut = (c.nHeads + 2 * c.nKvHeads) * c.headDim;
  const inOut = c.arch === 'gpt2' ? c.dFf : 2 * c.dFf;
  const layerNorm = c.arch === 'gpt2';
  const shapes = new Map<string, number[]>();
  shapes.set('wte', [c.vocabSize, D]);
  if (c.arch === 'gpt2') shapes.set('wpe', [c.maxPositions, D]);
  for (let l = 0; l < c.nLayers; l++) {
    const p = `blocks.${l}.`;
    shapes.set(p + 'ln1.weight', [D]);
    if (layerNorm) shapes.set(p + 'ln1.bias', [D]);
    shapes.set(p + 'wQkv', [D, qkvOut]);
    if (c.qkvBias) shapes.set(p + 'bQkv', [qkvOut]);
    shapes.set(p + 'wO', [c.nHeads * c.headDim, D]);
    if (c.outBias) shapes.set(p + 'bO', [D]);
    shapes.set(p + 'ln2.weight', [D]);
    if (layerNorm) shapes.set(p + 'ln2.bias', [D]);
    shapes.set(p + 'wIn', [D, inOut]);
    if (c.mlpBias) shapes.set(p + 'bIn', [inOut]);
    shapes.set(p + 'wOut', [c.dFf, D]);
    if (c.mlpBias) shapes.set(p + 'bOut', [D]);
  }
  shapes.set('lnF.weight', [D]);
  if (layerNorm) shapes.set('lnF.bias', [D]);
  if (!c.tiedEmbeddings) shapes.set('lmHead', [c.vocabSize, D]);
  return shapes;
}

export function disposeParams(params: ModelParams): void {
  for (const { tensor } of namedParams(params)) tensor.dispose();
}

function withoutUndefined<T extends object>(record: T): T {
  for (const key of Object.keys(record) as (keyof T)[]) {
    if (record[key] === undefined) delete record[key];
  }
  return record;
}
