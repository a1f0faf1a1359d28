/**
 * Which model a vector set belongs to. The fingerprint is sha256 over the config fields that shape the
 * computation and the first and last 256 floats of the token embedding: cheap (one small read), and it
 * tells a fine-tuned sibling (same config, other weights) from the model the vectors were made for.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { tidy } from '../engine/tidy.js';
import type { Arch } from '../model/config.js';
import type { LanguageModel } from '../model/language-model.js';

export interface ModelInfo {
  /** The folder name the model was loaded from, or 'unnamed'. */
  name: string;
  arch: Arch;
  dModel: number;
  nLayers: number;
  fingerprint: string;
}

/** Weights do not change under a loaded model, so the fingerprint is kept per parameter record. */
const cache = new WeakMap<object, string>();

const EDGE = 256;

export async function modelFingerprint(model: LanguageModel): Promise<string> {
  const known = cache.get(model.params);
  if (known) return known;
  const c = model.config;
  const fields = [c.arch, c.nLayers, c.dModel, c.nHeads, c.nKvHeads, c.headDim, c.dFf, c.vocabSize, c.maxPositions, c.normEps, c.ropeTheta, c.tiedEmbeddings, c.qkvBias, c.outBias, c.mlpBias];
  const edges = tidy(() => {
    const flat = tf.reshape(model.params.wte, [-1]); // [V·D]
    const n = flat.shape[0];
    const k = Math.min(EDGE, n);
    return tf.concat([tf.slice(flat, 0, k), tf.slice(flat, n - k, k)]);
  });
  const values = (await edges.data()) as Float32Array;
  edges.dispose();
  const hash = createHash('sha256');
  hash.update(JSON.stringify(fields));
  hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  const fingerprint = hash.digest('hex');
  cache.set(model.params, fingerprint);
  return fingerprint;
}

export async function describeModel(model: LanguageModel): Promise<ModelInfo> {
  return {
    name: model.dir ? basename(model.dir) : 'unnamed',
    arch: model.config.arch,
    dModel: model.config.dModel,
    nLayers: model.config.nLayers,
    fingerprint: await modelFingerprint(model),
  };
}
