import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadFileError } from '../../src/errors.js';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../../src/model/dtype.js';
import { openSafetensors, writeSafetensors, type SafetensorsFile } from '../../src/model/safetensors.js';
import { Random } from '../../src/util/random.js';

const dir = mkdtempSync(join(tmpdir(), 'triggerfish-safetensors-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;

/** A file with the given header (an object, or raw text) and data area, and an optional forged header length. */
function rawFile(header: unknown, data: Uint8Array | number = 0, headerLength?: bigint): string {
  const path = join(dir, `raw-${fileCount++}.safetensors`);
  const text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(headerLength ?? BigInt(text.length));
  writeFileSync(path, Buffer.concat([prefix, text, typeof data === 'number' ? Buffer.alloc(data) : data]));
  return path;
}

function written(tensors: Parameters<typeof writeSafetensors>[1], metadata?: Record<string, string>): string {
  const path = join(dir, `written-${fileCount++}.safetensors`);
  writeSafetensors(path, tensors, metadata);
  return path;
}

/** Asserts a BadFileError whose message is one line naming the file and each of `mentions`. */
function assertBadFile(fn: () => unknown, file: string, ...mentions: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BadFileError, `expected BadFileError, got ${String(err)}`);
    assert.ok(!/[\n\r]/.test(err.message), `message is not one line: ${JSON.stringify(err.message)}`);
    assert.ok(err.message.includes(file), `message does not name the file: ${err.message}`);
    for (const m of mentions) assert.ok(err.message.includes(m), `message lacks ${JSON.stringify(m)}: ${err.message}`);
    return true;
  });
}

/** Opens, reads every tensor, closes: the whole path a loader takes. */
function readAll(path: string): Map<string, Float32Array> {
  const file = openSafetensors(path);
  try {
    return new Map([...file.entries.keys()].map((name) => [name, file.readFloat32(name)]));
  } finally {
    file.close();
  }
}

function bits(x: Float32Array): number[] {
  return [...new Uint32Array(x.buffer, x.byteOffset, x.length)];
}

const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

// ---- dtype conversions ----

test('f16 rounding: hand-computed cases', () => {
  const cases: [number, number][] = [
    [1, 1],
    [1 + 2 ** -11, 1], // tie between 1 and 1 + 2^-10: the even one is 1
    [1 + 3 * 2 ** -11, 1 + 2 ** -9], // tie between 1 + 2^-10 and 1 + 2^-9: the even one is 1 + 2^-9
    [0.1, 0.0999755859375],
    [65504, 65504],
    [65519, 65504],
    [65520, Infinity], // halfway to 2^16, ties to the even 2^16, which overflows
    [-65520, -Infinity],
    [1e10, Infinity],
    [2 ** -14, 2 ** -14], // smallest normal
    [2 ** -24, 2 ** -24], // smallest subnormal
    [2 ** -25, 0], // tie between 0 and 2^-24: the even one is 0
    [1.5 * 2 ** -25, 2 ** -24],
    [3 * 2 ** -25, 2 * 2 ** -24], // tie between 1 and 2 subnormal steps: 2
    [2 ** -14 - 2 ** -25, 2 ** -14], // the last subnormal step rounds up into the smallest normal
    [2 ** -30, 0],
    [Infinity, Infinity],
    [-Infinity, -Infinity],
  ];
  const out = f16ToF32(f32ToF16(new Float32Array(cases.map(([x]) => x))));
  cases.forEach(([x, want], i) => assert.equal(out[i], want, `f16(${x})`));
  const negZero = f32ToF16(new Float32Array([-0]));
  assert.equal(negZero[0], 0x8000);
});

test('f16 NaN stays NaN, as PyTorch writes it', () => {
  const nan = new Float32Array([NaN, -NaN]);
  new Uint32Array(nan.buffer)[1] = 0xffc00000; // a NaN with the sign bit set
  assert.deepEqual([...f32ToF16(nan)], [0x7e00, 0xfe00]);
  assert.ok(Number.isNaN(f16ToF32(new Uint16Array([0x7c01]))[0]));
});

test('f16 every half survives the round trip through float32', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const back = f32ToF16(f16ToF32(all));
  for (let h = 0; h < 65536; h++) {
    const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    assert.equal(back[h], isNaN ? (h & 0x8000) | 0x7e00 : h, `half 0x${h.toString(16)}`);
  }
});

/** Round to nearest even on a grid of `mantBits` fraction bits, computed in float64 (independent of dtype.ts). */
function oracle(x: number, mantBits: number, minExp: number, overflow: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  let exp = Math.floor(Math.log2(Math.abs(x)));
  if (2 ** exp > Math.abs(x)) exp--; // guard against log2 rounding near a power of two
  if (2 ** (exp + 1) <= Math.abs(x)) exp++;
  exp = Math.max(exp, minExp);
  const ulp = 2 ** (exp - mantBits);
  const q = x / ulp; // exact: x has 24 significant bits
  let r = Math.round(q);
  if (Math.abs(q - Math.trunc(q)) === 0.5) r = 2 * Math.round(q / 2); // tie: to even
  const v = r * ulp;
  return Math.abs(v) >= overflow ? Math.sign(v) * Infinity : v === 0 ? (x < 0 ? -0 : 0) : v;
}

test('f16 and bf16 match a float64 rounding oracle on random float32 values', () => {
  const random = new Random(1);
  const x = new Float32Array(30000);
  const u = new Uint32Array(x.buffer);
  // A third uniform bit patterns; a third in f16's exponent range and a third anywhere, with the bits
  // that rounding drops set to a tie, just below or just above one, since uniform bits almost never tie.
  const dropped = (ties: number[]) => (random.float() < 0.75 ? random.pick(ties) : random.int(0, 0xffff));
  for (let i = 0; i < u.length; i++) {
    const sign = random.int(0, 1) * 0x80000000;
    if (i % 3 === 0) u[i] = random.int(0, 0xffffffff);
    else if (i % 3 === 1) u[i] = sign + random.int(98, 143) * 2 ** 23 + (random.int(0, 0x3ff) << 13) + (dropped([0x1000, 0xfff, 0x1001]) & 0x1fff);
    else u[i] = sign + random.int(0, 254) * 2 ** 23 + (random.int(0, 0x7f) << 16) + dropped([0x8000, 0x7fff, 0x8001]);
  }
  const f16 = f16ToF32(f32ToF16(x));
  const bf16 = bf16ToF32(f32ToBf16(x));
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isNaN(v)) {
      assert.ok(Number.isNaN(f16[i]!) && Number.isNaN(bf16[i]!));
      continue;
    }
    assert.ok(Object.is(f16[i], oracle(v, 10, -14, 2 ** 16)), `f16(${v}) = ${f16[i]}`);
    assert.ok(Object.is(bf16[i], oracle(v, 7, -126, 2 ** 128)), `bf16(${v}) = ${bf16[i]}`);
  }
});

test('bf16 rounding: hand-computed cases', () => {
  const cases: [number, number][] = [
    [1.00390625, 1], // 1 + 2^-8: tie between 1 and 1 + 2^-7, the even one is 1
    [1 + 3 * 2 ** -8, 1 + 2 ** -6], // tie: the even one is 1 + 2^-6
    [1 + 2 ** -8 + 2 ** -20, 1 + 2 ** -7], // just above the tie
    [3.140625, 3.140625],
    [-2.5, -2.5],
    [2 ** -130, 2 ** -130], // float32 subnormal, exact in bf16
    [3.4028234663852886e38, Infinity], // float32 max rounds up past bf16 max
    [Infinity, Infinity],
  ];
  const out = bf16ToF32(f32ToBf16(new Float32Array(cases.map(([x]) => x))));
  cases.forEach(([x, want], i) => assert.equal(out[i], want, `bf16(${x})`));
  assert.equal(f32ToBf16(new Float32Array([-0]))[0], 0x8000);
  const nan = f32ToBf16(new Float32Array([NaN]));
  assert.equal(nan[0], 0x7fc0);
  assert.ok(Number.isNaN(bf16ToF32(nan)[0]));
});

test('bf16 every bfloat16 survives the round trip through float32', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const back = f32ToBf16(bf16ToF32(all));
  for (let h = 0; h < 65536; h++) {
    const isNaN = (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
    assert.equal(back[h], isNaN ? 0x7fc0 : h, `bf16 0x${h.toString(16)}`);
  }
});

// ---- round trips ----

const values = new Float32Array([0, -0, 1, -1.5, 0.1, 3.14159, 1e-3, -65504, 1 + 2 ** -11, 1.00390625, 1e-40, 123456.789]);

test('round trip F32 is exact, including NaN bits', () => {
  const data = new Float32Array([...values, NaN]);
  const path = written([{ name: 'w', dtype: 'F32', shape: [13], data }]);
  const back = readAll(path).get('w')!;
  assert.deepEqual(bits(back), bits(data));
});

test('round trip F16 gives the f16-rounded values', () => {
  const path = written([{ name: 'a.weight', dtype: 'F16', shape: [3, 4], data: values }]);
  const file = openSafetensors(path);
  assert.deepEqual(file.entries.get('a.weight'), { name: 'a.weight', dtype: 'F16', shape: [3, 4], begin: 0, end: 24 });
  assert.deepEqual(bits(file.readFloat32('a.weight')), bits(f16ToF32(f32ToF16(values))));
  assert.equal(file.readFloat32('a.weight')[8], 1); // 1 + 2^-11 ties to 1
  file.close();
});

test('round trip BF16 gives the bf16-rounded values', () => {
  const path = written([{ name: 'b', dtype: 'BF16', shape: [2, 2, 3], data: values }]);
  const back = readAll(path).get('b')!;
  assert.deepEqual(bits(back), bits(bf16ToF32(f32ToBf16(values))));
  assert.equal(back[9], 1); // 1.00390625 ties to 1
});

test('round trip several tensors of mixed dtypes, in the order given, with a scalar and an empty tensor', () => {
  const tensors = [
    { name: 'z', dtype: 'F32' as const, shape: [2], data: new Float32Array([1, 2]) },
    { name: 'scalar', dtype: 'BF16' as const, shape: [], data: new Float32Array([7]) },
    { name: 'empty', dtype: 'F16' as const, shape: [0, 5], data: new Float32Array(0) },
    { name: 'a', dtype: 'F16' as const, shape: [3], data: new Float32Array([0.5, -2, 4]) },
  ];
  const file = openSafetensors(written(tensors));
  assert.deepEqual([...file.entries.values()].map((e) => [e.name, e.begin, e.end]).sort(), [
    ['a', 10, 16], ['empty', 10, 10], ['scalar', 8, 10], ['z', 0, 8],
  ]);
  for (const t of tensors) assert.deepEqual([...file.readFloat32(t.name)], [...t.data]);
  file.close();
});

test('header is padded with spaces to a multiple of 8 bytes', () => {
  const path = written([{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([1]) }]);
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  assert.equal(bytes.length, 8 + n + 4);
  assert.match(bytes.subarray(8, 8 + n).toString(), /^\{.*\} *$/);
});

test('metadata round trip', () => {
  const metadata: Record<string, string> = Object.fromEntries([
    ['format', 'pt'],
    ['note', 'spaces and ünïcödé\nnewline'],
    ['__proto__', 'kept as data'],
  ]);
  const file = openSafetensors(written([], metadata));
  assert.deepEqual(Object.entries(file.metadata).sort(), Object.entries(metadata).sort());
  assert.equal(file.entries.size, 0);
  file.close();
});

test('no metadata reads as an empty record', () => {
  const file = openSafetensors(written([{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([1]) }]));
  assert.deepEqual(file.metadata, {});
  file.close();
});

test('writing is atomic: a rejected write leaves the old file, and no temporary file remains', () => {
  const path = written([{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([1]) }]);
  assert.throws(() => writeSafetensors(path, [{ name: 'x', dtype: 'F32', shape: [2], data: new Float32Array([1]) }]), /x: shape \[2\] has 2 elements but data has 1/);
  assert.deepEqual([...readAll(path).get('x')!], [1]);
  writeSafetensors(path, [{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([2]) }]);
  assert.deepEqual([...readAll(path).get('x')!], [2]);
  assert.throws(() => readFileSync(`${path}.tmp-${process.pid}`), /ENOENT/);
});

test('writing refuses duplicate names', () => {
  const x = { name: 'x', dtype: 'F32' as const, shape: [1], data: new Float32Array([1]) };
  assert.throws(() => written([x, x]), /x: written twice/);
});

// ---- corruption ----

test('empty file', () => {
  const path = join(dir, 'empty.safetensors');
  writeFileSync(path, '');
  assertBadFile(() => openSafetensors(path), path, '0 bytes');
});

test('truncated to 5 bytes', () => {
  const path = written([{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([1]) }]);
  truncateSync(path, 5);
  assertBadFile(() => openSafetensors(path), path, '5 bytes');
});

test('absurd header length (2^60)', () => {
  const path = rawFile({}, 0, 2n ** 60n);
  assertBadFile(() => openSafetensors(path), path, 'header length', 'limit');
});

test('header length past end of file', () => {
  const path = rawFile({}, 0, 1000n);
  assertBadFile(() => openSafetensors(path), path, 'header length 1000', 'past the end');
});

test('header not JSON', () => {
  const path = rawFile('{"x": {"dtype": "F32",\n oops', 0);
  assertBadFile(() => openSafetensors(path), path, 'not valid JSON');
});

test('header not UTF-8', () => {
  const path = join(dir, 'latin1.safetensors');
  const text = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]); // {"\xff":1}
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(text.length));
  writeFileSync(path, Buffer.concat([prefix, text]));
  assertBadFile(() => openSafetensors(path), path, 'UTF-8');
});

test('header JSON not an object', () => {
  for (const header of ['[1, 2]', 'null', '"x"', '42']) {
    const path = rawFile(header);
    assertBadFile(() => openSafetensors(path), path, 'not a JSON object');
  }
});

test('metadata that is not strings', () => {
  const path = rawFile({ __metadata__: { step: 3 } });
  assertBadFile(() => openSafetensors(path), path, '__metadata__', 'step', 'not a string');
  const path2 = rawFile({ __metadata__: [] });
  assertBadFile(() => openSafetensors(path2), path2, '__metadata__');
});

test('tensor entry not an object', () => {
  const path = rawFile({ w: [0, 4] }, 4);
  assertBadFile(() => openSafetensors(path), path, 'w:', 'not an object');
});

test('unknown dtype', () => {
  const path = rawFile({ 'layer.0.w': entry('F12', [1], [0, 4]) }, 4);
  assertBadFile(() => openSafetensors(path), path, 'layer.0.w', 'unknown dtype "F12"');
});

test('shape/size mismatch', () => {
  const path = rawFile({ w: entry('F32', [2, 3], [0, 20]) }, 20);
  assertBadFile(() => openSafetensors(path), path, 'w:', 'needs 24 bytes', 'hold 20');
});

test('negative shape', () => {
  const path = rawFile({ w: entry('F32', [-1, 4], [0, 16]) }, 16);
  assertBadFile(() => openSafetensors(path), path, 'w:', 'shape [-1,4]');
});

test('non-integer shape', () => {
  for (const shape of [[1.5], ['2'], 3, [2 ** 60]]) {
    const path = rawFile({ w: entry('F32', shape, [0, 4]) }, 4);
    assertBadFile(() => openSafetensors(path), path, 'w:', 'shape');
  }
});

test('data_offsets that are not a pair of integers, or end before they begin', () => {
  for (const offsets of [[0], [0, 4, 8], [-4, 0], [0, 4.5], null, [2 ** 60, 2 ** 60 + 4]]) {
    const path = rawFile({ w: entry('F32', [1], offsets) }, 4);
    assertBadFile(() => openSafetensors(path), path, 'w:', 'data_offsets');
  }
  const path = rawFile({ w: entry('F32', [0], [4, 0]) }, 4);
  assertBadFile(() => openSafetensors(path), path, 'w:', 'end before they begin');
});

test('span past data area', () => {
  const path = rawFile({ w: entry('F32', [4], [0, 16]) }, 12);
  assertBadFile(() => openSafetensors(path), path, 'w:', 'past the data area of 12 bytes');
});

test('overlapping spans', () => {
  const path = rawFile({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) }, 12);
  assertBadFile(() => openSafetensors(path), path, 'b:', 'overlap a');
});

test('gap between spans', () => {
  const path = rawFile({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [12, 20]) }, 20);
  assertBadFile(() => openSafetensors(path), path, 'b:', 'gap of 4', 'after a');
});

test('gap before the first span', () => {
  const path = rawFile({ a: entry('F32', [2], [4, 12]) }, 12);
  assertBadFile(() => openSafetensors(path), path, 'a:', 'gap of 4', 'start of the data area');
});

test('trailing bytes', () => {
  const path = rawFile({ a: entry('F32', [2], [0, 8]) }, 12);
  assertBadFile(() => openSafetensors(path), path, '4 trailing bytes', 'a');
});

test('missing tensor name in readFloat32', () => {
  const path = written([{ name: 'w', dtype: 'F32', shape: [1], data: new Float32Array([1]) }]);
  const file = openSafetensors(path);
  assertBadFile(() => file.readFloat32('model.embed_tokens.weight'), path, 'model.embed_tokens.weight', 'no such tensor');
  assertBadFile(() => file.readRaw('nope'), path, 'nope');
  file.close();
});

test('integer dtype read as float', () => {
  const path = rawFile({ position_ids: entry('I64', [2], [0, 16]) }, new Uint8Array(new BigInt64Array([3n, 4n]).buffer));
  const file = openSafetensors(path);
  assertBadFile(() => file.readFloat32('position_ids'), path, 'position_ids', 'I64', 'cannot be used as weights');
  assert.deepEqual(new BigInt64Array(file.readRaw('position_ids').buffer), new BigInt64Array([3n, 4n]));
  file.close();
});

test('F64 reads as float32', () => {
  const path = rawFile({ d: entry('F64', [3], [0, 24]) }, new Uint8Array(new Float64Array([0.1, -2, 1e300]).buffer));
  assert.deepEqual([...readAll(path).get('d')!], [Math.fround(0.1), -2, Infinity]);
});

test('file shrinking after open is reported, not read past', () => {
  const path = written([{ name: 'w', dtype: 'F32', shape: [4], data: new Float32Array([1, 2, 3, 4]) }]);
  const file: SafetensorsFile = openSafetensors(path);
  truncateSync(path, readFileSync(path).length - 4);
  assertBadFile(() => file.readFloat32('w'), path, 'w:', 'ended after 12 of 16 bytes');
  file.close();
});

test('random corruption of a valid file gives a BadFileError or valid tensors, never another error', () => {
  const good = readFileSync(written([
    { name: 'a', dtype: 'F16', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
    { name: 'b', dtype: 'BF16', shape: [4], data: new Float32Array([1, 2, 3, 4]) },
  ], { format: 'pt' }));
  const random = new Random(7);
  const path = join(dir, 'fuzz.safetensors');
  for (let trial = 0; trial < 400; trial++) {
    const bytes = Buffer.from(good);
    for (let k = random.int(1, 3); k > 0; k--) {
      // Mostly in the length prefix and the header, where the checks are.
      const at = random.float() < 0.2 ? random.int(0, 7) : random.int(8, bytes.length - 1);
      bytes[at] = random.float() < 0.5 ? random.int(0, 255) : bytes[at]! ^ (1 << random.int(0, 7));
    }
    writeFileSync(path, random.float() < 0.2 ? bytes.subarray(0, random.int(0, bytes.length)) : bytes);
    try {
      readAll(path);
    } catch (err) {
      if (!(err instanceof BadFileError)) assert.fail(`trial ${trial}: ${String(err)}`);
      assert.ok(!err.message.includes('\n'));
    }
  }
});
