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

const hashes = new WeakMap<LanguageModel, Promise<string>>();

/**
 * The hash of a model object's weights, computed once (it names the cached graphs, so a job whose
 * graphs are on disk never needs the weights on the host). onnx-cache.ts forgets it when the weights
 * are assigned (training in place).
 */
export function weightsHash(model: LanguageModel): Promise<string> {
  let pending = hashes.get(model);
  if (!pending) {
    pending = readHost(model).then((host) => host.hash);
    hashes.set(model, pending);
  }
  return pending;
}

/**
 * A host copy of the weights, read afresh for each graph that has to be built: it is not kept, so a
 * model's weights live in tfjs and in its ORT sessions, not a third time on the JS heap (for a real
 * checkpoint that third copy is hundreds of megabytes).
 */
export async function hostModel(model: LanguageModel): Promise<HostModel> {
  const host = await readHost(model);
  if (!hashes.has(model)) hashes.set(model, Promise.resolve(host.hash));
  return host;
}

/** Whether the weights' hash is known (then a graph cached on disk needs no host copy at all). */
export function hasWeightsHash(model: LanguageModel): boolean {
  return hashes.has(model);
}

/** Forgets the weights' hash (the next use reads the weights again). */
export function forgetWeightsHash(model: LanguageModel): void {
  hashes.delete(model);
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
