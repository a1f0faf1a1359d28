/**
 * Host copies of a model's weights for ONNX export, and a hash of them that names cached graphs:
 * a graph built from other weights (a fine-tune, an edited checkpoint) can never be picked up.
 */
import { createHash } from 'node:crypto';
import type { LanguageModel } from './language-model.js';
import type { HostWeights } from './onnx-layers.js';
import type { RopeHostTables } from './onnx-transformer.js';
import { namedParams } from './params.js';

export interface HostModel {
  weights: HostWeights;
  rope?: RopeHostTables;
  /** sha256 over names, shapes and f32 values of every weight. */
  hash: string;
}

const cache = new WeakMap<LanguageModel, Promise<HostModel>>();

/**
 * Reads the weights back from tfjs once per model object. A model whose weights are trained in place
 * (tf.Variables) must call onnx-cache.ts's releaseOnnxSessions before its next ORT use, or ORT keeps
 * computing with the weights it first read.
 */
export function hostModel(model: LanguageModel): Promise<HostModel> {
  let pending = cache.get(model);
  if (!pending) {
    pending = readHost(model);
    cache.set(model, pending);
  }
  return pending;
}

/** Drops the host copy of a model's weights (the next hostModel reads them again). */
export function forgetHostModel(model: LanguageModel): void {
  cache.delete(model);
}

async function readHost(model: LanguageModel): Promise<HostModel> {
  const weights = new Map<string, { data: Float32Array; shape: number[] }>();
  const hash = createHash('sha256');
  hash.update(JSON.stringify(model.config.raw));
  for (const { name, tensor } of namedParams(model.params)) {
    const data = (await tensor.data()) as Float32Array;
    weights.set(name, { data, shape: tensor.shape.slice() });
    hash.update(`${name}:${tensor.shape.join('x')}:`);
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  let rope: RopeHostTables | undefined;
  if (model.rope) {
    rope = { cos: (await model.rope.cos.data()) as Float32Array, sin: (await model.rope.sin.data()) as Float32Array, positions: model.rope.cos.shape[0] };
  }
  return { weights, ...(rope && { rope }), hash: hash.digest('hex').slice(0, 16) };
}
