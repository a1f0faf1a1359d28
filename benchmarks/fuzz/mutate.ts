/**
 * Ways to break a file, each guaranteed to leave it malformed (not merely different): JSON edits at a
 * path, truncation before the closing brace, bytes that are not UTF-8, garbage, bit flips of structural
 * characters, and for safetensors a rewritten header or a non-finite weight.
 */
import type { Random } from '../../src/util/random.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type Path = (string | number)[];

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function getPath(root: JsonValue, path: Path): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, JsonValue>)[key];
  }
  return node;
}

/** A copy with the value at path replaced (undefined deletes the key). */
export function setPath(root: JsonValue, path: Path, value: JsonValue | undefined): JsonValue {
  const copy = clone(root);
  if (path.length === 0) return value ?? null;
  let node = copy as Record<string | number, JsonValue>;
  for (const key of path.slice(0, -1)) {
    // A missing parent (a spec without "training") is made, so the edit lands where a reader looks.
    if (node[key] === undefined || node[key] === null || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string | number, JsonValue>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

export function jsonBytes(value: JsonValue): Buffer {
  return Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8');
}

/** Cut short anywhere before the closing brace or bracket: never valid JSON of the same value. */
export function truncateJson(bytes: Buffer, rng: Random): Buffer {
  const close = Math.max(bytes.lastIndexOf('}'), bytes.lastIndexOf(']'));
  return bytes.subarray(0, rng.int(0, Math.max(0, close - 1)));
}

/** A byte that can start no UTF-8 sequence (0xff, 0xfe, 0xc0) or a lone continuation byte, put anywhere. */
export function insertNonUtf8(bytes: Buffer, rng: Random): Buffer {
  const bad = rng.pick([0xff, 0xfe, 0xc0, 0xc1, 0x80, 0xbf]);
  const at = rng.int(0, bytes.length);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from([bad]), bytes.subarray(at)]);
}

/** Random bytes with NULs and escape sequences in them, 1 to 300 of them, starting with a non-JSON byte. */
export function garbage(rng: Random): Buffer {
  const length = rng.int(1, 300);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = rng.chance(0.2) ? rng.pick([0x00, 0x1b, 0x07, 0x08, 0x0d]) : rng.int(0, 255);
  bytes[0] = rng.pick([0x00, 0x1b, 0xff, 0x01]);
  return bytes;
}

const structural = new Set(['{', '}', '[', ']', ':', ',', '"'].map((c) => c.charCodeAt(0)));

/** One bit flipped in one of the JSON punctuation bytes (outside [skipFrom, skipTo)): the text stops parsing. */
export function flipStructural(bytes: Buffer, rng: Random, skip: [number, number] = [0, 0]): Buffer {
  const positions: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (structural.has(bytes[i]!) && (i < skip[0] || i >= skip[1])) positions.push(i);
  const out = Buffer.from(bytes);
  const at = rng.pick(positions);
  out[at] = out[at]! ^ (1 << rng.int(0, 7));
  return out;
}

/** Values that no integer-or-number field accepts, whatever its range. */
export const notANumber: JsonValue[] = ['abc', '12', true, null, [], {}, [1]];
export const badCount: JsonValue[] = [...notANumber, 0, -1, -3, 1.5, 1e9, 1e12, 1e308, -1e9, 2 ** 53 + 2];
export const notAString: JsonValue[] = [5, true, null, [], {}, ['a']];
export const notABool: JsonValue[] = ['yes', 'true', 1, 0, null, [], {}];
export const notAList: JsonValue[] = ['abc', 5, true, null, {}];
export const notAnObject: JsonValue[] = ['abc', 5, true, null, [], [{}]];
