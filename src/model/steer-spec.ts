/**
 * Steering as data: a vector added at a hook point, at every position or at chosen ones. Both
 * engines read the same spec: tfjs turns it into steering hooks, ONNX Runtime into steer.{hook}
 * inputs of its graph, so a steered forward pass means the same thing on either.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Hook } from './hooks.js';
import { steeringHook } from './hooks.js';

export interface SteerSpec {
  hook: string;
  vector: Float32Array;
  /** Multiplies the vector (default 1). */
  scale?: number;
  /** 'all' (default), or positions within each sequence (0 = its first real token). */
  positions?: 'all' | readonly number[];
}

/** tfjs hooks for a list of specs; the vectors are tensors the caller disposes with `dispose`. */
export function steerHooks(specs: readonly SteerSpec[]): { hooks: [string, Hook][]; dispose: () => void } {
  const tensors = specs.map((s) => tf.tensor1d(s.vector));
  const hooks = specs.map((s, i): [string, Hook] => [s.hook, steeringHook(tensors[i]!, { scale: s.scale ?? 1, positions: s.positions ?? 'all' })]);
  return { hooks, dispose: () => tf.dispose(tensors) };
}

/**
 * The [B, T, D] additions per hook for tokens at `positions` [B][T] (each row's own positions; left
 * padding sits at position 0 and is steered like steeringHook steers it: it is masked out anyway).
 */
export function steerInputs(specs: readonly SteerSpec[], positions: readonly (readonly number[])[], D: number): Record<string, { data: Float32Array; dims: number[] }> {
  const B = positions.length;
  const T = positions[0]?.length ?? 0;
  const out: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const spec of specs) {
    const data = out[spec.hook]?.data ?? new Float32Array(B * T * D);
    const scale = spec.scale ?? 1;
    const chosen = spec.positions === undefined || spec.positions === 'all' ? null : new Set(spec.positions);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        if (chosen && !chosen.has(positions[b]![t]!)) continue;
        const at = (b * T + t) * D;
        for (let d = 0; d < D; d++) data[at + d]! += spec.vector[d]! * scale;
      }
    }
    out[spec.hook] = { data, dims: [B, T, D] };
  }
  return out;
}
