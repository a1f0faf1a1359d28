/**
 * A vector set: N steering vectors of width D for one hook point of one model, with what made them.
 *
 * On disk it is a safetensors file: tensor "vectors" [N, D] F32, "deltas" [N, D] F32 when present (each
 * vector's mean activation shift at the target layer's last prompt token), and metadata key
 * "triggerfish" holding JSON {format: "triggerfish-vectors/1", kind, model, hook, targetLayer?, settings,
 * vectors: [{label?, objective?, history?, marked?}]}. `exportJson` writes the same as plain JSON with
 * the values inline; `loadVectorSet` reads either (by the .json extension) with the same checks.
 */
import { writeFileAtomic } from '../util/atomic-file.js';
import { readJsonFile } from '../util/json-file.js';
import { BadFileError, BadInputError, TriggerfishError } from '../errors.js';
import { checkHookName } from '../model/hooks.js';
import type { LanguageModel } from '../model/language-model.js';
import { openSafetensors, writeSafetensors } from '../model/safetensors.js';
import type { ModelInfo } from './fingerprint.js';
import { describeModel, modelFingerprint } from './fingerprint.js';
import type { VectorKind, VectorMeta, VectorSetHeader, VectorSettings } from './vector-set-header.js';
import { parseHeader, vectorKinds, vectorSetFormat } from './vector-set-header.js';

export { modelFingerprint };
export { vectorKinds, vectorSetFormat };
export type { VectorKind, VectorMeta, VectorSettings };

export interface VectorSet {
  kind: VectorKind;
  model: ModelInfo;
  hook: string;
  /** hidden_states index the deltas (and MELBO's objective) were read at. */
  targetLayer?: number;
  settings: VectorSettings;
  /** N vectors of width D. */
  vectors: Float32Array[];
  /** N mean shifts of width D, when measured. */
  deltas?: Float32Array[];
  /** One entry per vector. */
  meta: VectorMeta[];
}

export interface VectorSetParts {
  kind: VectorKind;
  hook: string;
  targetLayer?: number;
  settings?: VectorSettings;
  vectors: Float32Array[];
  deltas?: Float32Array[];
  meta?: VectorMeta[];
}

/** A vector set for `model`: fills in the model's description and checks every width. */
export async function makeVectorSet(model: LanguageModel, parts: VectorSetParts): Promise<VectorSet> {
  checkHookName(parts.hook, model.config.nLayers);
  const D = model.config.dModel;
  for (const [what, list] of [['vector', parts.vectors], ['delta', parts.deltas ?? []]] as const) {
    const bad = list.findIndex((v) => v.length !== D);
    if (bad >= 0) throw new BadInputError(`${what} ${bad} is ${list[bad]!.length} wide but the model's d_model is ${D}`);
  }
  if (parts.deltas && parts.deltas.length !== parts.vectors.length) throw new BadInputError(`${parts.deltas.length} deltas for ${parts.vectors.length} vectors`);
  const meta = parts.meta ?? parts.vectors.map(() => ({}));
  if (meta.length !== parts.vectors.length) throw new BadInputError(`${meta.length} metadata entries for ${parts.vectors.length} vectors`);
  return {
    kind: parts.kind,
    model: await describeModel(model),
    hook: parts.hook,
    ...(parts.targetLayer !== undefined && { targetLayer: parts.targetLayer }),
    settings: parts.settings ?? {},
    vectors: parts.vectors,
    ...(parts.deltas && { deltas: parts.deltas }),
    meta,
  };
}

function header(set: VectorSet): VectorSetHeader {
  return {
    format: vectorSetFormat,
    kind: set.kind,
    model: set.model,
    hook: set.hook,
    ...(set.targetLayer !== undefined && { targetLayer: set.targetLayer }),
    settings: set.settings,
    vectors: set.meta,
  };
}

function stack(rows: readonly Float32Array[], D: number): Float32Array {
  const flat = new Float32Array(rows.length * D);
  rows.forEach((row, i) => flat.set(row, i * D));
  return flat;
}

/**
 * Writes the set (through a temporary file and a rename) as safetensors, or as the JSON export when
 * the name ends in .json: loadVectorSet picks the reader by the same rule, so what is saved reads back.
 */
export function saveVectorSet(set: VectorSet, file: string): void {
  if (file.toLowerCase().endsWith('.json')) return exportJson(set, file);
  const D = set.model.dModel;
  const N = set.vectors.length;
  const tensors = [{ name: 'vectors', dtype: 'F32' as const, shape: [N, D], data: stack(set.vectors, D) }];
  if (set.deltas) tensors.push({ name: 'deltas', dtype: 'F32', shape: [N, D], data: stack(set.deltas, D) });
  writeSafetensors(file, tensors, { triggerfish: JSON.stringify(header(set)) });
}

/** The set as plain JSON: the header's fields, and each vector's values (and delta) inline. */
export function vectorSetJson(set: VectorSet): object {
  const { vectors: meta, ...rest } = header(set);
  return {
    ...rest,
    vectors: set.vectors.map((v, i) => ({ ...meta[i], values: Array.from(v), ...(set.deltas && { delta: Array.from(set.deltas[i]!) }) })),
  };
}

export function exportJson(set: VectorSet, file: string): void {
  writeFileAtomic(file, JSON.stringify(vectorSetJson(set)) + '\n');
}

export interface LoadVectorSetOptions {
  /** Accept vectors made for a model with another fingerprint (same width and depth still required). */
  allowOtherModel?: boolean;
}

/**
 * Reads a vector set (safetensors, or JSON from exportJson when the name ends in .json). With a model,
 * refuses vectors of the wrong width, made for another model, or at a hook the model lacks.
 */
export async function loadVectorSet(file: string, model?: LanguageModel, options: LoadVectorSetOptions = {}): Promise<VectorSet> {
  const set = file.toLowerCase().endsWith('.json') ? readJsonSet(file) : readSafetensorsSet(file);
  checkFinite(file, 'vector', set.vectors);
  if (set.deltas) checkFinite(file, 'delta', set.deltas);
  if (model) await checkModel(file, set, model, options);
  return set;
}

function readSafetensorsSet(file: string): VectorSet {
  const st = openSafetensors(file);
  try {
    const text = st.metadata['triggerfish'];
    if (text === undefined) throw new BadFileError(file, 'has no "triggerfish" metadata; it is not a vector set saved by triggerfish');
    const head = parseHeader(parseJson(file, text), file);
    const D = head.model.dModel;
    const N = head.vectors.length;
    const read = (name: string): Float32Array[] | undefined => {
      const entry = st.entries.get(name);
      if (!entry) return undefined;
      if (entry.shape.length !== 2 || entry.shape[0] !== N || entry.shape[1] !== D) {
        throw new BadFileError(file, `tensor "${name}" has shape [${entry.shape.join(', ')}] but the metadata describes [${N}, ${D}]`);
      }
      const flat = st.readFloat32(name);
      return Array.from({ length: N }, (_, i) => flat.slice(i * D, (i + 1) * D));
    };
    const vectors = read('vectors');
    if (!vectors) throw new BadFileError(file, 'has no "vectors" tensor; it is not a vector set saved by triggerfish');
    const deltas = read('deltas');
    const { vectors: meta, format: _format, ...rest } = head;
    return { ...rest, vectors, ...(deltas && { deltas }), meta };
  } finally {
    st.close();
  }
}

function readJsonSet(file: string): VectorSet {
  const head = parseHeader(readJsonFile(file, 'the file is damaged; export the vector set again'), file, { inlineValues: true });
  const D = head.model.dModel;
  const vectors: Float32Array[] = [];
  const deltas: Float32Array[] = [];
  const meta = head.vectors.map((entry, i) => {
    const { values, delta, ...rest } = entry as typeof entry & { values?: unknown; delta?: unknown };
    vectors.push(numberRow(file, `vector ${i}`, values, D));
    if (delta !== undefined) deltas.push(numberRow(file, `delta ${i}`, delta, D));
    return rest;
  });
  if (deltas.length !== 0 && deltas.length !== vectors.length) throw new BadFileError(file, 'some vectors have a delta and some do not; re-export the set');
  const { vectors: _meta, format: _format, ...rest } = head;
  return { ...rest, vectors, ...(deltas.length > 0 && { deltas }), meta };
}

function numberRow(file: string, what: string, value: unknown, D: number): Float32Array {
  if (!Array.isArray(value) || value.length !== D) {
    throw new BadFileError(file, `${what} is not a list of ${D} numbers`);
  }
  // JSON has no NaN or Infinity: JSON.stringify wrote them as null, read back as NaN for checkFinite
  return Float32Array.from(value, (x) => (typeof x === 'number' ? x : NaN));
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadFileError(file, `vector set metadata is not valid JSON (${err instanceof Error ? err.message : String(err)}); the file is damaged`);
  }
}

function checkFinite(file: string, what: string, rows: readonly Float32Array[]): void {
  rows.forEach((row, i) => {
    if (!row.every(Number.isFinite)) throw new BadFileError(file, `${what} ${i} holds NaN or infinite values; retrain it or drop it from the set`);
  });
}

async function checkModel(file: string, set: VectorSet, model: LanguageModel, options: LoadVectorSetOptions): Promise<void> {
  const D = model.config.dModel;
  const made = set.model;
  if (made.dModel !== D) throw new BadFileError(file, `vectors are ${made.dModel} wide but the model's d_model is ${D}; load them with the model they were made for`);
  const fingerprint = await modelFingerprint(model);
  if (!options.allowOtherModel && made.fingerprint !== fingerprint) {
    throw new BadFileError(
      file,
      `vectors were made for model '${made.name}' (${made.arch}, ${made.nLayers} layers, fingerprint ${made.fingerprint.slice(0, 12)}), ` +
        `not this one (fingerprint ${fingerprint.slice(0, 12)}); pass --allow-other-model to use them anyway`,
    );
  }
  try {
    checkHookName(set.hook, model.config.nLayers);
  } catch (err) {
    if (!(err instanceof TriggerfishError)) throw err;
    throw new BadFileError(file, `hook '${set.hook}' is outside this ${model.config.nLayers}-layer model; use vectors made for a model this deep`);
  }
  if (set.targetLayer !== undefined && set.targetLayer > model.config.nLayers) {
    throw new BadFileError(file, `target layer ${set.targetLayer} is outside this ${model.config.nLayers}-layer model; use vectors made for a model this deep`);
  }
}
