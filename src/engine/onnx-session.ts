/**
 * ONNX Runtime sessions for forward-only work. Threads default to every core this process may use
 * (os.availableParallelism); TRIGGERFISH_THREADS or setOnnxThreads (the CLI's --threads) override.
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { BadInputError } from '../errors.js';

export { ort };

let threadOverride: number | undefined;

/** Sets the intra-op thread count for sessions created from now on (--threads). */
export function setOnnxThreads(threads: number | undefined): void {
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new BadInputError(`--threads must be a positive integer, got ${threads}`);
  }
  threadOverride = threads;
}

/** The intra-op thread count new sessions get. */
export function onnxThreads(): number {
  if (threadOverride !== undefined) return threadOverride;
  const env = process.env.TRIGGERFISH_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!(Number.isInteger(n) && n >= 1)) throw new BadInputError(`TRIGGERFISH_THREADS must be a positive integer, got '${env}'`);
    return n;
  }
  return availableParallelism();
}

/** A session over an encoded model, with every graph optimisation on. */
export async function createOnnxSession(model: Uint8Array, threads = onnxThreads()): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

export function int64Tensor(values: readonly number[] | BigInt64Array, dims: readonly number[]): ort.Tensor {
  const data = values instanceof BigInt64Array ? values : BigInt64Array.from(values, (v) => BigInt(v));
  return new ort.Tensor('int64', data, dims);
}

export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}
