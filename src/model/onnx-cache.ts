/**
 * Encoded ONNX graphs and their sessions, built once. A graph is keyed by the hash of the weights
 * it holds and by what it computes; a model loaded from a folder keeps its graphs in
 * <folder>/.cache/onnx/<key>.onnx, so the next job skips the export, and a change of weights
 * changes the key. Sessions live as long as the model object (one per job).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-file.js';
import { join } from 'node:path';
import type { ort } from '../engine/onnx-session.js';
import { createOnnxSession, onnxThreads } from '../engine/onnx-session.js';
import type { LanguageModel } from './language-model.js';
import { namedParams } from './params.js';
import type { HostModel } from './onnx-weights.js';
import { forgetWeightsHash, hasWeightsHash, hostModel, weightsHash } from './onnx-weights.js';
import type { OnnxGraphOptions } from './onnx-transformer.js';
import { encodeForwardGraph } from './onnx-transformer.js';

/** Bumped whenever the graphs this code writes change, so that older cached files are never read. */
const graphFormat = 2;

export function onnxCacheDir(modelDir: string): string {
  return join(modelDir, '.cache', 'onnx');
}

/** The encoded graph for `what` (a description of its inputs and outputs), from disk when cached. */
export async function graphBytes(model: LanguageModel, what: string, build: (host: HostModel) => Uint8Array): Promise<Uint8Array> {
  // the first graph of a model reads the weights once, for its hash and (if not on disk) its build
  const host = hasWeightsHash(model) ? null : await hostModel(model);
  const hash = await weightsHash(model);
  const key = createHash('sha256').update(`format ${graphFormat}\n${hash}\n${what}`).digest('hex').slice(0, 24);
  const file = model.dir ? join(onnxCacheDir(model.dir), `${key}.onnx`) : null;
  if (file && existsSync(file)) return new Uint8Array(readFileSync(file));
  const bytes = build(host ?? (await hostModel(model)));
  if (file) {
    try {
      mkdirSync(onnxCacheDir(model.dir!), { recursive: true });
      writeFileAtomic(file, bytes);
    } catch {
      // a read-only model folder only costs the export next time
    }
  }
  return bytes;
}

const sessions = new WeakMap<LanguageModel, Map<string, Promise<ort.InferenceSession>>>();

/** The tfjs data ids of a model's weights when its sessions were last looked up (see dropIfAssigned). */
const seenWeights = new WeakMap<LanguageModel, unknown[]>();

/**
 * A session holds the weights it was built with. Training in place assigns new values to the model's
 * tf.Variables, which gives each a new data id: when any id changed since the last lookup, the model's
 * sessions and weights hash are dropped, so ORT can never compute with stale weights (it once did: the
 * zoo's learning curves repeated their first evaluation). Comparing ~10 ids per layer costs nothing
 * beside an ORT run.
 */
function dropIfAssigned(model: LanguageModel): void {
  const ids = namedParams(model.params).map((p) => p.tensor.dataId as unknown);
  const before = seenWeights.get(model);
  seenWeights.set(model, ids);
  if (before && (before.length !== ids.length || before.some((id, i) => id !== ids[i]))) void releaseOnnxSessions(model);
}

/** One session per (model, graph, thread count), created on first use, rebuilt after the weights are assigned. */
export function cachedSession(model: LanguageModel, what: string, build: (host: HostModel) => Uint8Array): Promise<ort.InferenceSession> {
  dropIfAssigned(model);
  let byKey = sessions.get(model);
  if (!byKey) sessions.set(model, (byKey = new Map()));
  const threads = onnxThreads();
  const key = `${what}\nthreads=${threads}`;
  let session = byKey.get(key);
  if (!session) {
    session = graphBytes(model, what, build).then((bytes) => createOnnxSession(bytes, threads));
    byKey.set(key, session);
    session.catch(() => byKey.delete(key));
  }
  return session;
}

/** The session of a plain forward graph (see onnx-transformer.ts for its inputs and outputs). */
export function forwardSession(model: LanguageModel, options: OnnxGraphOptions): Promise<ort.InferenceSession> {
  const what = `forward:${JSON.stringify(options)}`;
  return cachedSession(model, what, (host) => encodeForwardGraph(model.config, host.weights, host.rope, options));
}

/**
 * Releases every session of a model and forgets its weights' hash (at the end of a job, or to free
 * ORT's memory early). Its first part is synchronous: once called, no lookup finds the old sessions.
 */
export async function releaseOnnxSessions(model: LanguageModel): Promise<void> {
  forgetWeightsHash(model);
  const byKey = sessions.get(model);
  if (!byKey) return;
  sessions.delete(model);
  for (const pending of byKey.values()) {
    const session = await pending.catch(() => null);
    await session?.release();
  }
}
