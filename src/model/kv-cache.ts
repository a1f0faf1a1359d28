/**
 * Keys and values of positions already processed, per layer, so that generation and GCG's shared
 * prompt prefix are computed once. A plain object of tensors, so tf.tidy can return it.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface KvCache {
  keys: tf.Tensor4D[]; // per layer [B, KV, S, hd], after RoPE
  values: tf.Tensor4D[]; // per layer [B, KV, S, hd]
}

export function kvLength(cache: KvCache | undefined): number {
  return cache?.keys[0]?.shape[2] ?? 0;
}

export function kvBatch(cache: KvCache): number {
  return cache.keys[0]?.shape[0] ?? 0;
}

/** Repeats a batch-1 cache to `batch` rows (GCG: one prompt prefix shared by every candidate). */
export function expandKv(cache: KvCache, batch: number): KvCache {
  if (kvBatch(cache) === batch) return cache;
  const grow = (t: tf.Tensor4D) => tf.tile(t, [batch, 1, 1, 1]);
  return { keys: cache.keys.map(grow), values: cache.values.map(grow) };
}

/** Keeps only the given batch rows (generation drops finished sequences; beam search reorders). */
export function selectKv(cache: KvCache, rows: readonly number[]): KvCache {
  const index = tf.tensor1d(rows.slice(), 'int32');
  const pick = (t: tf.Tensor4D) => tf.gather(t, index);
  const out = { keys: cache.keys.map(pick), values: cache.values.map(pick) };
  index.dispose();
  return out;
}

export function disposeKv(cache: KvCache | undefined): void {
  if (!cache) return;
  for (const t of cache.keys) t.dispose();
  for (const t of cache.values) t.dispose();
}
