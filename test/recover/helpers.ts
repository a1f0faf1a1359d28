/** Fine-tune stand-ins for recover's tests: a model's weights with chosen changes (a "sibling" of a fixture). */
import * as tf from '@tensorflow/tfjs-core';
import type { LanguageModel } from '../../src/model/language-model.js';
import { createModel } from '../../src/model/language-model.js';
import { namedParams, paramsFromNamed } from '../../src/model/params.js';
import { Random } from '../../src/util/random.js';

/** A copy of `model` whose tensor `name` is replaced by edit(tensor) (others copied unchanged). */
export function perturbed(model: LanguageModel, edits: Record<string, (t: tf.Tensor) => tf.Tensor>): LanguageModel {
  const named = new Map<string, tf.Tensor>();
  for (const { name, tensor } of namedParams(model.params)) named.set(name, tf.tidy(() => (edits[name] ? edits[name]!(tensor) : tensor.clone())));
  const params = paramsFromNamed(model.config, named);
  return createModel(model.config, params, { ...(model.tokenizer && { tokenizer: model.tokenizer }) });
}

/** Adds `size` · a seeded random unit vector to the given rows of a [V, D] matrix. */
export function moveRows(rows: readonly number[], size: number, seed: number) {
  return (t: tf.Tensor) =>
    tf.tidy(() => {
      const [V, D] = t.shape as [number, number];
      const rng = new Random(`rows:${seed}`);
      const delta = new Float32Array(V * D);
      for (const row of rows) {
        const v = Array.from({ length: D }, () => rng.normal());
        const norm = Math.hypot(...v);
        v.forEach((x, j) => (delta[row * D + j] = (size * x) / norm));
      }
      return tf.add(t, tf.tensor2d(delta, [V, D]));
    });
}

/** Adds seeded noise of standard deviation `std` to every entry (the clean data's share of a fine-tune). */
export function noise(std: number, seed: number) {
  return (t: tf.Tensor) =>
    tf.tidy(() => {
      const rng = new Random(`noise:${seed}`);
      const values = Float32Array.from({ length: t.size }, () => std * rng.normal());
      return tf.add(t, tf.tensor(values, t.shape));
    });
}

export function compose(...edits: ((t: tf.Tensor) => tf.Tensor)[]) {
  return (t: tf.Tensor) => tf.tidy(() => edits.reduce((x, e) => e(x), t));
}
