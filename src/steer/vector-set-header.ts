/**
 * The JSON header of a vector set file (safetensors metadata key "triggerfish", or the whole JSON
 * export), and its strict parser: every field is checked so that a damaged or foreign file fails with
 * one line naming the field.
 */
import { BadFileError, TriggerfishError } from '../errors.js';
import type { Arch } from '../model/config.js';
import { supportedArchs } from '../model/config.js';
import { checkHookName } from '../model/hooks.js';
import type { ModelInfo } from './fingerprint.js';

export const vectorSetFormat = 'triggerfish-vectors/1';
export const vectorKinds = ['caa', 'optimised', 'melbo', 'random', 'hessian', 'jacobian', 'clean-prompts', 'dct'] as const;
export type VectorKind = (typeof vectorKinds)[number];

export interface VectorMeta {
  label?: string;
  /** The objective the vector reached (MELBO), its eigenvalue (baselines), its log p(Y) (optimised). */
  objective?: number;
  /** The objective at every training step. */
  history?: number[];
  /** Picked out by a person or a scorer as showing the behaviour. */
  marked?: boolean;
  /** The score the set is ranked by (DCT's α², a projection onto θ_Y, log p(Y) when steered). */
  score?: number;
}

/** Training settings worth keeping (R, p, q, steps, lr, seed, orthogonality, ...). */
export type VectorSettings = Record<string, number | string | boolean | null>;

export interface VectorSetHeader {
  format: typeof vectorSetFormat;
  kind: VectorKind;
  model: ModelInfo;
  hook: string;
  targetLayer?: number;
  settings: VectorSettings;
  vectors: VectorMeta[];
}

type Json = Record<string, unknown>;

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isCount(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}

/** Parses a header; with inlineValues the vector entries may also carry `values` and `delta` (JSON export). */
export function parseHeader(json: unknown, file: string, options: { inlineValues?: boolean } = {}): VectorSetHeader {
  const fail = (what: string) => new BadFileError(file, `vector set metadata: ${what}; the file is damaged or was not written by triggerfish`);
  if (!isObject(json)) throw fail('not a JSON object');
  if (json['format'] !== vectorSetFormat) {
    throw new BadFileError(file, `is format ${JSON.stringify(json['format'] ?? null)}, not ${vectorSetFormat}; it is not a vector set this triggerfish reads`);
  }
  const kind = json['kind'];
  if (!(vectorKinds as readonly unknown[]).includes(kind)) throw fail(`kind ${JSON.stringify(kind ?? null)} is not one of ${vectorKinds.join(', ')}`);
  const model = parseModel(json['model'], fail);
  const hook = json['hook'];
  if (typeof hook !== 'string') throw fail('hook is not a string');
  try {
    checkHookName(hook, model.nLayers);
  } catch (err) {
    if (!(err instanceof TriggerfishError)) throw err;
    throw fail(`hook '${hook}' is not a hook point of the ${model.nLayers}-layer model it names`);
  }
  const targetLayer = json['targetLayer'];
  if (targetLayer !== undefined && !(isCount(targetLayer) && targetLayer <= model.nLayers)) throw fail(`targetLayer ${JSON.stringify(targetLayer)} is not in 0..${model.nLayers}`);
  const settings = json['settings'];
  if (!isObject(settings)) throw fail('settings is not an object');
  for (const [key, value] of Object.entries(settings)) {
    if (!(value === null || ['number', 'string', 'boolean'].includes(typeof value))) throw fail(`setting ${JSON.stringify(key)} is not a number, string, boolean or null`);
  }
  const vectors = json['vectors'];
  if (!Array.isArray(vectors)) throw fail('vectors is not a list');
  const meta = vectors.map((entry, i) => parseMeta(entry, i, fail, options.inlineValues ?? false));
  return {
    format: vectorSetFormat,
    kind: kind as VectorKind,
    model,
    hook,
    ...(targetLayer !== undefined && { targetLayer: targetLayer as number }),
    settings: settings as VectorSettings,
    vectors: meta,
  };
}

function parseModel(model: unknown, fail: (what: string) => Error): ModelInfo {
  if (!isObject(model)) throw fail('model is not an object');
  const { name, arch, dModel, nLayers, fingerprint } = model;
  if (typeof name !== 'string') throw fail('model.name is not a string');
  if (!(supportedArchs as readonly unknown[]).includes(arch)) throw fail(`model.arch ${JSON.stringify(arch ?? null)} is not one of ${supportedArchs.join(', ')}`);
  if (!(isCount(dModel) && dModel > 0)) throw fail('model.dModel is not a positive integer');
  if (!(isCount(nLayers) && nLayers > 0)) throw fail('model.nLayers is not a positive integer');
  if (typeof fingerprint !== 'string' || !/^[0-9a-f]{64}$/.test(fingerprint)) throw fail('model.fingerprint is not a sha256 hex digest');
  return { name, arch: arch as Arch, dModel, nLayers, fingerprint };
}

function parseMeta(entry: unknown, i: number, fail: (what: string) => Error, inline: boolean): VectorMeta {
  if (!isObject(entry)) throw fail(`vectors[${i}] is not an object`);
  const out: VectorMeta & { values?: unknown; delta?: unknown } = {};
  for (const [key, value] of Object.entries(entry)) {
    if (key === 'label' && typeof value === 'string') out.label = value;
    else if (key === 'objective' && (typeof value === 'number' || value === null)) out.objective = value ?? NaN;
    else if (key === 'history' && Array.isArray(value) && value.every((x) => typeof x === 'number' || x === null)) out.history = value.map((x: number | null) => x ?? NaN);
    else if (key === 'marked' && typeof value === 'boolean') out.marked = value;
    else if (key === 'score' && (typeof value === 'number' || value === null)) out.score = value ?? NaN;
    else if (inline && key === 'values') out.values = value;
    else if (inline && key === 'delta') out.delta = value;
    else throw fail(`vectors[${i}].${key} is unexpected or of the wrong type`);
  }
  return out;
}
