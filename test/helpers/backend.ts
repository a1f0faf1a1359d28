/** Test set-up: one tfjs backend per test process (wasm unless TRIGGERFISH_BACKEND says otherwise). */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.js';

export async function useBackend(): Promise<string> {
  const report = await initBackend();
  return report.name;
}

/** Largest |a - b| over two equally long flat arrays; throws on a length mismatch. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= worst)) worst = d; // NaN counts as the worst
  }
  return worst;
}

/** Runs `fn` and returns how many tensors it left behind. */
export async function leakedTensors(fn: () => Promise<unknown> | unknown): Promise<number> {
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}
