/**
 * Bit-exact conversions between float32 and the 16-bit float formats of checkpoints, matching PyTorch's
 * `.float()`, `.half()` and `.bfloat16()` on CPU so that a weight saved here and loaded by PyTorch (or
 * the other way round) has exactly the same value. Everything works on the bit patterns through
 * Uint32Array views: storing a NaN through a Float32Array may change its payload, a bit view never does.
 */

/** float16 bit pattern → float32 bit pattern for all 65,536 halves, built on first use (256 KiB). */
let halfTable: Uint32Array | undefined;

function buildHalfTable(): Uint32Array {
  const table = new Uint32Array(65536);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) {
      // Inf stays Inf; a NaN keeps its payload and becomes quiet, as the x86 F16C conversion does.
      table[h] = (sign | 0x7f800000 | (mant << 13) | (mant === 0 ? 0 : 0x400000)) >>> 0;
    } else if (exp === 0) {
      f32[0] = mant * 2 ** -24; // zero or subnormal: exact in float32
      table[h] = (sign | u32[0]!) >>> 0;
    } else {
      table[h] = (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0; // rebias 15 → 127
    }
  }
  return table;
}

function bitsOf(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

/** Widens float16 bit patterns to float32 (exact). */
export function f16ToF32(bits: Uint16Array): Float32Array {
  const table = (halfTable ??= buildHalfTable());
  const out = new Float32Array(bits.length);
  const o = bitsOf(out);
  for (let i = 0; i < bits.length; i++) o[i] = table[bits[i]!]!;
  return out;
}

/**
 * Rounds float32 to float16 bit patterns, to nearest with ties to even: magnitudes from 65520 up become
 * Inf, those below 2^-14 become subnormals (down to 2^-24; at most 2^-25 rounds to zero), NaN becomes
 * the quiet NaN 0x7e00 with its sign, as PyTorch writes it.
 */
export function f32ToF16(x: Float32Array): Uint16Array {
  const u = bitsOf(x);
  const out = new Uint16Array(x.length);
  for (let i = 0; i < u.length; i++) {
    const w = u[i]!;
    const sign = (w >>> 16) & 0x8000;
    const a = w & 0x7fffffff;
    let h: number;
    if (a >= 0x38800000) {
      if (a > 0x7f800000) h = 0x7e00; // NaN
      else if (a >= 0x477ff000) h = 0x7c00; // ≥ 65520, halfway from 65504 to 2^16: Inf
      else h = (a - 0x38000000 + 0xfff + ((a >>> 13) & 1)) >>> 13; // rebias 127 → 15, round the 13 dropped bits
    } else {
      // Below 2^-14 the result is mant · 2^-24: shift the full significand down by 126 − exp and round.
      const shift = 126 - (a >>> 23);
      if (shift > 24) h = 0; // under 2^-25: less than half the smallest subnormal
      else {
        const m = (a & 0x7fffff) | 0x800000;
        const half = 1 << (shift - 1);
        const rest = m & ((half << 1) - 1);
        h = m >>> shift;
        if (rest > half || (rest === half && (h & 1) === 1)) h++; // may carry into the smallest normal, which is right
      }
    }
    out[i] = sign | h;
  }
  return out;
}

/** Widens bfloat16 bit patterns to float32 (exact: bfloat16 is the top half of a float32). */
export function bf16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const o = bitsOf(out);
  for (let i = 0; i < bits.length; i++) o[i] = bits[i]! << 16;
  return out;
}

/**
 * Rounds float32 to bfloat16 bit patterns, to nearest with ties to even (overflow rounds to Inf). NaN
 * becomes the quiet NaN 0x7fc0, as PyTorch's scalar conversion writes it (its vectorised CPU path
 * writes 0xffff, which is NaN as well).
 */
export function f32ToBf16(x: Float32Array): Uint16Array {
  const u = bitsOf(x);
  const out = new Uint16Array(x.length);
  for (let i = 0; i < u.length; i++) {
    const w = u[i]!;
    out[i] = (w & 0x7fffffff) > 0x7f800000 ? 0x7fc0 : (w + 0x7fff + ((w >>> 16) & 1)) >>> 16;
  }
  return out;
}
