/**
 * ONNX Runtime sessions for forward-only work. Threads default to every core this process may use
 * (os.availableParallelism); TRIGGERFISH_THREADS or setOnnxThreads (the CLI's --threads) override.
 */
import { availableParallelism } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { BackendError, BadInputError } from '../errors.js';

/** The onnxruntime-node module's types (the module itself is loaded on first use, see loadOrt). */
export declare namespace ort {
  type Tensor = Ort.Tensor;
  type InferenceSession = Ort.InferenceSession;
}

let loaded: typeof Ort | undefined;
let loading: Promise<typeof Ort> | undefined;

/** Loads onnxruntime-node (its native binding); a machine where it cannot load says why. */
export function loadOrt(): Promise<typeof Ort> {
  loading ??= import('onnxruntime-node').then(
    (m) => (loaded = (m as unknown as { default?: typeof Ort }).default ?? m),
    (err: unknown) => {
      loading = undefined;
      throw new BackendError(`ONNX Runtime could not load (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); use --engine tfjs`);
    },
  );
  return loading;
}

function ortLoaded(): typeof Ort {
  if (!loaded) throw new Error('onnx-session: loadOrt() must finish before tensors are made');
  return loaded;
}

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

/**
 * A session over an encoded model, with every graph optimisation on. Idle intra-op threads sleep
 * instead of spinning: on a shared or busy machine (other jobs, suite workers) spinning threads
 * burn the cores the working ones need (measured at load 24 on 2 cores: 2 threads took 1.99 s per
 * scoring run spinning, 1.32 s sleeping, 1.49 s on one thread).
 */
export async function createOnnxSession(model: Uint8Array, threads = onnxThreads()): Promise<ort.InferenceSession> {
  const ort = await loadOrt();
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
}

export function int64Tensor(values: readonly number[] | BigInt64Array, dims: readonly number[]): ort.Tensor {
  const data = values instanceof BigInt64Array ? values : BigInt64Array.from(values, (v) => BigInt(v));
  return new (ortLoaded().Tensor)('int64', data, dims);
}

export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new (ortLoaded().Tensor)('float32', data, dims);
}
