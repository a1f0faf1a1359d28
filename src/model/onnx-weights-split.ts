/**
 * The weights as the ONNX graph uses them: params.ts fuses q/k/v and gate/up into one matrix each
 * (one tfjs matmul); on ONNX Runtime a fused matmul needs a Split that copies its output, so the
 * graph gets the pieces as separate matrices instead, plus rotate_half(q) and rotate_half(k)
 * projections for RoPE models (rotate_half(x·W + b) = x·(W·R) + b·R, R a signed permutation).
 */
import type { ModelConfig } from './config.js';
import type { HostWeights } from './onnx-layers.js';

type Entry = { data: Float32Array; shape: number[] };

/** Columns [start, start + count) of a [rows, cols] matrix, or of a [cols] vector. */
function columns(t: Entry, start: number, count: number): Entry {
  if (t.shape.length === 1) return { data: t.data.slice(start, start + count), shape: [count] };
  const [rows, cols] = t.shape as [number, number];
  const data = new Float32Array(rows * count);
  for (let r = 0; r < rows; r++) data.set(t.data.subarray(r * cols + start, r * cols + start + count), r * count);
  return { data, shape: [rows, count] };
}

/** rotate_half applied to every head's block of columns: out[i] = -x[i + hd/2], out[i + hd/2] = x[i]. */
function rotateHalf(t: Entry, hd: number): Entry {
  const cols = t.shape[t.shape.length - 1]!;
  const rows = t.data.length / cols;
  const half = hd / 2;
  const data = new Float32Array(t.data.length);
  for (let r = 0; r < rows; r++) {
    for (let head = 0; head < cols; head += hd) {
      for (let i = 0; i < half; i++) {
        data[r * cols + head + i] = -t.data[r * cols + head + i + half]!;
        data[r * cols + head + i + half] = t.data[r * cols + head + i]!;
      }
    }
  }
  return { data, shape: t.shape.slice() };
}

export function splitWeights(c: ModelConfig, weights: HostWeights): HostWeights {
  const out = new Map<string, Entry>(weights);
  const { nHeads: H, nKvHeads: KV, headDim: hd, dFf: F } = c;
  const rope = c.arch !== 'gpt2';
  for (let l = 0; l < c.nLayers; l++) {
    const p = `blocks.${l}.`;
    const pieces: [string, number, number][] = [['Q', 0, H * hd], ['K', H * hd, KV * hd], ['V', (H + KV) * hd, KV * hd]];
    for (const [kind, w] of [['w', weights.get(p + 'wQkv')], ['b', weights.get(p + 'bQkv')]] as const) {
      if (!w) continue;
      for (const [name, start, count] of pieces) {
        const piece = columns(w, start, count);
        out.set(`${p}${kind}${name}`, piece);
        if (rope && name !== 'V') out.set(`${p}${kind}${name}.rot`, rotateHalf(piece, hd));
      }
    }
    if (c.arch === 'gpt2') continue;
    for (const [kind, w] of [['w', weights.get(p + 'wIn')], ['b', weights.get(p + 'bIn')]] as const) {
      if (!w) continue;
      out.set(`${p}${kind}Gate`, columns(w, 0, F));
      out.set(`${p}${kind}Up`, columns(w, F, F));
    }
  }
  return out;
}
