/**
 * A model folder's weights as one set of named tensors, whether saved as a single model.safetensors or,
 * as Hugging Face does for big models, as shards model-0000i-of-0000n.safetensors listed by
 * model.safetensors.index.json. Saving writes the same layout transformers writes, so either side can
 * load the other's folders.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BadFileError } from '../errors.js';
import { readJsonFile } from '../util/json-file.js';
import {
  dtypeBytes,
  nameForMessage as label,
  openSafetensors,
  writeAtomically,
  writeSafetensors,
  type SafeDtype,
  type SafetensorsFile,
  type TensorEntry,
  type TensorToWrite,
} from './safetensors.js';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';
const SHARD_FILE = /^model-\d{5}-of-\d{5}\.safetensors$/;
/** Weights in formats triggerfish cannot read, named in the error when no safetensors are found. */
const OTHER_WEIGHTS = /\.(bin|pt|pth|ckpt|h5|msgpack|gguf)$/;

export interface TensorStore {
  dir: string;
  names(): string[];
  has(name: string): boolean;
  /** Where the tensor lives: its header entry and the path of the file holding it. */
  entry(name: string): TensorEntry & { file: string };
  readFloat32(name: string): Float32Array;
  dtypes(): Set<SafeDtype>;
  close(): void;
}

/** Opens model.safetensors, or the index and every shard it names, checking that they agree. */
export function openTensorStore(dir: string): TensorStore {
  const single = join(dir, SINGLE_FILE);
  const index = join(dir, INDEX_FILE);
  const hasSingle = existsSync(single);
  const hasIndex = existsSync(index);
  if (hasSingle && hasIndex) {
    throw new BadFileError(dir, `holds both ${SINGLE_FILE} and ${INDEX_FILE}, so which weights to load is ambiguous; delete the stale one`);
  }
  if (hasSingle) {
    const file = openSafetensors(single);
    return makeStore(dir, [file], new Map([...file.entries.keys()].map((name) => [name, file])));
  }
  if (hasIndex) return openSharded(dir, index);
  let others: string[];
  try {
    others = readdirSync(dir).filter((name) => OTHER_WEIGHTS.test(name));
  } catch {
    throw new BadFileError(dir, 'is not a readable folder; expected a model folder with model.safetensors');
  }
  const found = others.length > 0 ? `; found only ${others.join(', ')}, which must be converted to safetensors first` : '';
  throw new BadFileError(dir, `no weights: looked for ${SINGLE_FILE} and ${INDEX_FILE}${found}`);
}

function openSharded(dir: string, indexPath: string): TensorStore {
  const weightMap = readWeightMap(indexPath);
  const shards = new Map<string, SafetensorsFile>();
  try {
    for (const [name, shard] of weightMap) {
      if (shards.has(shard)) continue;
      const path = join(dir, shard);
      if (!existsSync(path)) throw new BadFileError(indexPath, `${label(name)}: weight_map puts it in ${shard}, which is missing from ${dir}`);
      shards.set(shard, openSafetensors(path));
    }
    const owner = new Map<string, SafetensorsFile>();
    for (const file of shards.values()) {
      for (const name of file.entries.keys()) {
        const other = owner.get(name);
        if (other) throw new BadFileError(file.path, `${label(name)}: also in ${basename(other.path)}; a tensor must be in exactly one shard`);
        owner.set(name, file);
      }
    }
    for (const [name, shard] of weightMap) {
      const file = owner.get(name);
      if (file === undefined) throw new BadFileError(join(dir, shard), `${label(name)}: listed for this shard in ${INDEX_FILE} but absent from it`);
      if (basename(file.path) !== shard) {
        throw new BadFileError(indexPath, `${label(name)}: weight_map puts it in ${shard} but it is in ${basename(file.path)}`);
      }
    }
    for (const [name, file] of owner) {
      if (!weightMap.has(name)) throw new BadFileError(file.path, `${label(name)}: present in this shard but not listed in ${INDEX_FILE}`);
    }
    return makeStore(dir, [...shards.values()], owner);
  } catch (err) {
    for (const file of shards.values()) file.close();
    throw err;
  }
}

/** The index's weight_map: tensor name → shard file name (a bare name inside the folder). */
function readWeightMap(indexPath: string): Map<string, string> {
  const index = readJsonFile(indexPath, "restore the index from the model's source");
  const map = isRecord(index) ? index.weight_map : undefined;
  if (!isRecord(map)) throw new BadFileError(indexPath, 'index has no "weight_map" object of tensor name → shard file');
  const weightMap = new Map<string, string>();
  for (const [name, shard] of Object.entries(map)) {
    // A path instead of a bare name could make the index open files outside the folder.
    if (typeof shard !== 'string' || shard === '' || shard === '.' || shard === '..' || basename(shard) !== shard || shard.includes('\\')) {
      throw new BadFileError(indexPath, `${label(name)}: weight_map value ${label(JSON.stringify(shard) ?? 'null')} is not a file name in this folder`);
    }
    weightMap.set(name, shard);
  }
  return weightMap;
}

function makeStore(dir: string, files: SafetensorsFile[], owner: Map<string, SafetensorsFile>): TensorStore {
  const fileOf = (name: string): SafetensorsFile => {
    const file = owner.get(name);
    if (file === undefined) throw new BadFileError(dir, `${label(name)}: no such tensor in the model's weights`);
    return file;
  };
  const entryOf = (name: string): TensorEntry => fileOf(name).entries.get(name)!;
  return {
    dir,
    names: () => [...owner.keys()],
    has: (name) => owner.has(name),
    entry: (name) => {
      const e = entryOf(name);
      return { ...e, shape: [...e.shape], file: fileOf(name).path };
    },
    readFloat32: (name) => fileOf(name).readFloat32(name),
    dtypes: () => new Set([...owner.keys()].map((name) => entryOf(name).dtype)),
    close: () => files.forEach((file) => file.close()),
  };
}

/**
 * Saves tensors as model.safetensors, or as shards of at most maxShardBytes (default 2 GiB) of data plus
 * the index when they do not fit in one, split as huggingface_hub splits them. Files of an earlier save in
 * another layout are removed afterwards, so the folder never holds two answers to "which weights". Returns
 * the paths written, the index last.
 */
export function writeTensorStore(
  dir: string,
  tensors: TensorToWrite[],
  options: { maxShardBytes?: number; metadata?: Record<string, string> } = {},
): string[] {
  const maxShardBytes = options.maxShardBytes ?? 2 * 1024 ** 3;
  if (!(maxShardBytes > 0)) throw new Error(`writeTensorStore: maxShardBytes must be positive, got ${maxShardBytes}`);
  // transformers refuses to load a safetensors file whose metadata lacks a known "format".
  const metadata = { format: 'pt', ...options.metadata };
  mkdirSync(dir, { recursive: true });
  const shards = splitIntoShards(tensors, maxShardBytes);
  const written: string[] = [];
  if (shards.length <= 1) {
    const path = join(dir, SINGLE_FILE);
    writeSafetensors(path, tensors, metadata);
    written.push(path);
  } else {
    const weightMap = new Map<string, string>();
    shards.forEach((shard, i) => {
      const name = `model-${pad5(i + 1)}-of-${pad5(shards.length)}.safetensors`;
      writeSafetensors(join(dir, name), shard, metadata);
      written.push(join(dir, name));
      for (const t of shard) weightMap.set(t.name, name);
    });
    const totalSize = tensors.reduce((sum, t) => sum + bytesOf(t), 0);
    const indexPath = join(dir, INDEX_FILE);
    const text = indexJson(totalSize, weightMap);
    writeAtomically(indexPath, (fd) => writeSync(fd, text));
    written.push(indexPath);
  }
  removeStale(dir, new Set(written.map((path) => basename(path))));
  return written;
}

/**
 * huggingface_hub's split: tensors in order fill a shard until the next would overflow it; a tensor
 * bigger than the limit gets a shard of its own, placed before the shard being filled.
 */
function splitIntoShards(tensors: TensorToWrite[], maxShardBytes: number): TensorToWrite[][] {
  const shards: TensorToWrite[][] = [];
  let current: TensorToWrite[] = [];
  let currentBytes = 0;
  for (const t of tensors) {
    const bytes = bytesOf(t);
    if (bytes > maxShardBytes) {
      shards.push([t]);
      continue;
    }
    if (currentBytes + bytes > maxShardBytes) {
      shards.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(t);
    currentBytes += bytes;
  }
  if (current.length > 0) shards.push(current);
  return shards;
}

/** The index as transformers writes it: json.dumps(index, indent=2, sort_keys=True) + "\n". */
function indexJson(totalSize: number, weightMap: Map<string, string>): string {
  const lines = [...weightMap.keys()].sort().map((name) => `    ${pyJson(name)}: ${pyJson(weightMap.get(name)!)}`);
  return `{\n  "metadata": {\n    "total_size": ${totalSize}\n  },\n  "weight_map": {\n${lines.join(',\n')}\n  }\n}\n`;
}

/** A JSON string as Python's json.dumps writes it (ensure_ascii: everything outside ' '..'~' escaped). */
function pyJson(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function removeStale(dir: string, keep: Set<string>): void {
  // The file that decides the layout goes first, so a crash half way leaves no index pointing at deleted shards.
  for (const name of [SINGLE_FILE, INDEX_FILE]) if (!keep.has(name)) rmSync(join(dir, name), { force: true });
  for (const name of readdirSync(dir)) if (SHARD_FILE.test(name) && !keep.has(name)) rmSync(join(dir, name), { force: true });
}

function bytesOf(t: TensorToWrite): number {
  return t.data.length * dtypeBytes[t.dtype];
}

function pad5(n: number): string {
  return String(n).padStart(5, '0');
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
