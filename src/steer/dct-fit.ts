/**
 * Deep Causal Transcoding (Mack & Turner, Dec 2024; reference code amack315/melbo-dct-post, src/dct.py),
 * fitted to any Δ map (dct-delta.ts): the algorithm only ever asks for Δ̄(θ) and vector-Jacobian products.
 *
 * The exponential model: Δ̄(θ) ≈ Σ_f α_f u_f (exp(⟨v_f, θ⟩ / R) − 1) with unit u_f (target space) and
 * unit v_f (source space), R the input scale. Its fit maximises Σ_f u_f · Δ̄(R v_f) with the v_f
 * orthonormal, by "orthogonalised gradient iteration": each iteration QR-orthogonalises V, then replaces,
 * for every factor at once,
 *   u_f ← normalise(Δ̄(R v_f))                 (the best u for the current v)
 *   v_f ← normalise(R · ∇_θ (u_f · Δ̄(θ))|θ=R·v_f)   (a normalised vector-Jacobian product)
 * (with damping β: normalise(β·new + (1 − β)·old); the reference's default β = 1). The linear variant
 * stops after the initialisation: the top right singular vectors of the (projected) Jacobian at θ = 0.
 * The quadratic variant fits Δ̄(θ) ≈ ½ Σ_f α_f u_f (v_f·θ)² with the same iteration on the second-order
 * term at scale R, by central differences of what the exponential variant already computes:
 *   H(v, v) ≈ (Δ̄(Rv) + Δ̄(−Rv)) / R²,   H(u, v, ·) ≈ (u·J̄(Rv) − u·J̄(−Rv)) / 2R   (exact for a quadratic Δ).
 * (The reference's QuadraticDCT, as written, differentiates J̄(0)·v, which is linear in v: its "H(u,v,·)" is
 * J̄(0)ᵀu and its "H(·,v,v)" is J̄(0)v, so it computes the linear variant's SVD by power iteration.)
 *
 * Everything per factor is host data (rows of Float64Array); the device sees one chunk of factors at a
 * time (`factorBatch` rows of Θ, so F·N·T activations), with reads at chunk boundaries only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { yieldToEventLoop } from '../engine/yield.js';
import { BadInputError, throwIfAborted } from '../errors.js';
import type { Random } from '../util/random.js';
import type { DeltaMap } from './dct-delta.js';
import { meanDeltas, vectorJacobianProducts } from './dct-delta.js';
import type { Rows } from './dct-linalg.js';
import { dot, gram, logBisect, norm, normalized, orthonormalRows, rightSingularVectors, solve } from './dct-linalg.js';

export type DctVariant = 'exponential' | 'quadratic' | 'linear';
export type DctInit = 'jacobian' | 'random';

export interface DctFitOptions {
  signal?: AbortSignal;
  onIteration?: (p: { iteration: number; iterations: number; objective: number; ms: number }) => void;
}

export interface DctFit {
  /** Unit input directions v_f, [F][dIn]; steering vectors are R·v_f. */
  V: Rows;
  /** Unit output directions u_f, [F][dOut]. */
  U: Rows;
  /** Σ_f u_f·Δ̄(R v_f) / F at the start of every iteration (the reference's objective_values). */
  objectives: number[];
  /** u_f·Δ̄(R v_f) per factor at every iteration, [F][iterations]. */
  histories: number[][];
}

function toTensor(rows: readonly ArrayLike<number>[], scale = 1): tf.Tensor2D {
  const F = rows.length;
  const D = rows[0]!.length;
  const flat = new Float32Array(F * D);
  rows.forEach((row, f) => {
    for (let d = 0; d < D; d++) flat[f * D + d] = row[d]! * scale;
  });
  return tf.tensor2d(flat, [F, D]);
}

function toRows(flat: Float32Array, F: number, D: number): Rows {
  return Array.from({ length: F }, (_, f) => Float64Array.from(flat.subarray(f * D, (f + 1) * D)));
}

/** Δ̄(scale·v_f) for every row, [F][dOut], a chunk of `factorBatch` rows at a time. */
export async function meanDeltaRows(map: DeltaMap, rows: readonly ArrayLike<number>[], scale: number, factorBatch: number, signal?: AbortSignal): Promise<Rows> {
  const out: Rows = [];
  for (let start = 0; start < rows.length; start += factorBatch) {
    throwIfAborted(signal, 'DCT');
    await yieldToEventLoop();
    const chunk = rows.slice(start, start + factorBatch);
    const delta = tidy(() => meanDeltas(map, toTensor(chunk, scale)));
    out.push(...toRows((await delta.data()) as Float32Array, chunk.length, map.dOut));
    delta.dispose();
  }
  return out;
}

/** For every factor: Δ̄(θ_f), u_f·Δ̄(θ_f) and the VJP u_fᵀ J̄(θ_f), chunk by chunk. */
export async function vjpRows(
  map: DeltaMap,
  thetas: readonly ArrayLike<number>[],
  us: readonly ArrayLike<number>[],
  factorBatch: number,
  signal?: AbortSignal,
): Promise<{ delta: Rows; value: number[]; grad: Rows }> {
  const out = { delta: [] as Rows, value: [] as number[], grad: [] as Rows };
  for (let start = 0; start < thetas.length; start += factorBatch) {
    throwIfAborted(signal, 'DCT');
    await yieldToEventLoop();
    const end = Math.min(thetas.length, start + factorBatch);
    const inputs = tidy(() => ({ t: toTensor(thetas.slice(start, end)), u: toTensor(us.slice(start, end)) }));
    const r = vectorJacobianProducts(map, inputs.t, inputs.u);
    const [delta, value, grad] = await Promise.all([r.delta.data(), r.value.data(), r.grad.data()]);
    tf.dispose([inputs.t, inputs.u, r.delta, r.value, r.grad]);
    out.delta.push(...toRows(delta as Float32Array, end - start, map.dOut));
    out.value.push(...Array.from(value));
    out.grad.push(...toRows(grad as Float32Array, end - start, map.dIn));
  }
  return out;
}

/** Rows w_kᵀ J̄(0) for output directions w_k [K][dOut]: the Jacobian at θ = 0 seen through them. */
export async function jacobianRows(map: DeltaMap, ws: readonly ArrayLike<number>[], factorBatch: number, signal?: AbortSignal): Promise<Rows> {
  const zeros = ws.map(() => new Float64Array(map.dIn));
  return (await vjpRows(map, zeros, ws, factorBatch, signal)).grad;
}

/** The whole mean Jacobian J̄(0) [dOut][dIn], one VJP per output coordinate. */
export async function meanJacobian(map: DeltaMap, factorBatch: number, signal?: AbortSignal): Promise<Rows> {
  const identity = Array.from({ length: map.dOut }, (_, k) => Float64Array.from({ length: map.dOut }, (_, j) => (j === k ? 1 : 0)));
  return jacobianRows(map, identity, factorBatch, signal);
}

/** n unit rows of width D from the seeded generator. */
export function randomUnitRows(n: number, D: number, rng: Random): Rows {
  return Array.from({ length: n }, () => normalized(Float64Array.from({ length: D }, () => rng.normal())));
}

export interface CalibrationConfig {
  /** Random directions (reference: 30). */
  samples: number;
  /** The nonlinearity ratio random directions should reach (reference: 0.5). */
  targetRatio: number;
  /** Bracket for R (reference: [0.001, 100]). */
  bracket: readonly [number, number];
  factorBatch: number;
}

export const defaultCalibrationConfig: CalibrationConfig = { samples: 30, targetRatio: 0.5, bracket: [0.001, 100], factorBatch: 32 };

/**
 * R such that random unit directions v reach the nonlinearity ratio
 *   λ(r) = sqrt(mean_v ‖Δ̄(r·v) − r·J̄v‖² / ‖r·J̄v‖²)
 * of `targetRatio`: past it Δ is no longer nearly linear in θ. J̄v is exact (J̄ from VJPs at θ = 0).
 * The reference solves λ(r) = target with scipy's root_scalar on [0.001, 100]; this bisects on log r.
 */
export async function calibrateRadius(map: DeltaMap, rng: Random, config: Partial<CalibrationConfig> = {}, signal?: AbortSignal): Promise<number> {
  const c = { ...defaultCalibrationConfig, ...config };
  const measure = await nonlinearityRatio(map, rng, c, signal);
  // each λ(r) is 30 forward passes; the bracket's ends are asked for again by the bisection and the error
  const seen = new Map<number, Promise<number>>();
  const ratio = (r: number): Promise<number> => {
    if (!seen.has(r)) seen.set(r, measure(r));
    return seen.get(r)!;
  };
  // Departure from the reference: when random directions are still nearly linear at the bracket's top,
  // the top grows tenfold, twice at most (residual norms reach 50-130 after a few blocks of zoo v2's
  // models, where R = 100 is still small: ratio 0.45 on llama-spyl4bb-cheese after block 2).
  let hi = c.bracket[1];
  for (let grown = 0; grown < 2 && (await ratio(hi)) < c.targetRatio; grown++) hi *= 10;
  try {
    return await logBisect(async (r) => (await ratio(r)) - c.targetRatio, c.bracket[0], hi);
  } catch (err) {
    if (!(err instanceof BadInputError)) throw err;
    const [atLo, atHi] = [await ratio(c.bracket[0]), await ratio(hi)];
    throw new BadInputError(
      `R calibration: random directions reach nonlinearity ratio ${atLo.toPrecision(3)} at R = ${c.bracket[0]} and ${atHi.toPrecision(3)} at R = ${hi}, never ${c.targetRatio}; give R yourself`,
    );
  }
}

/** λ(r) of calibrateRadius for `samples` seeded random directions. */
export async function nonlinearityRatio(map: DeltaMap, rng: Random, config: Partial<CalibrationConfig> = {}, signal?: AbortSignal): Promise<(r: number) => Promise<number>> {
  const c = { ...defaultCalibrationConfig, ...config };
  return ratioForDirections(map, randomUnitRows(c.samples, map.dIn, rng), c.factorBatch, signal);
}

/** λ(r) for given unit directions; J̄ is computed once, here, from VJPs at θ = 0. */
export async function ratioForDirections(map: DeltaMap, directions: Rows, factorBatch: number, signal?: AbortSignal): Promise<(r: number) => Promise<number>> {
  const J = await meanJacobian(map, factorBatch, signal);
  const linear = directions.map((v) => Float64Array.from(J, (row) => dot(row, v))); // J̄v, [samples][dOut]
  return async (r: number): Promise<number> => {
    const deltas = await meanDeltaRows(map, directions, r, factorBatch, signal);
    let sum = 0;
    deltas.forEach((d, i) => {
      const lin = linear[i]!;
      let num = 0;
      let den = 0;
      for (let k = 0; k < d.length; k++) {
        num += (d[k]! - r * lin[k]!) ** 2;
        den += (r * lin[k]!) ** 2;
      }
      sum += num / den;
    });
    return Math.sqrt(sum / deltas.length);
  };
}

export interface DctFitConfig {
  variant: DctVariant;
  count: number;
  /** Input scale: steering vectors are R·v_f. */
  R: number;
  init: DctInit;
  /** Random output directions the Jacobian is projected onto at initialisation (reference: 32). */
  dProj: number;
  iterations: number;
  /** Damping of the update (reference default 1: none). */
  beta: number;
  factorBatch: number;
}

/**
 * Initial V and U. Jacobian: the top right singular vectors of P·J̄(0) for dProj random unit output
 * directions P (the reference's "projected" LinearDCT; it keeps the first `count` *columns* of torch's
 * Vh, which past the first row are not singular vectors; here they are), each signed towards the larger
 * effect, the factors past the projection's rank random, and u_f = normalise(Δ̄(R v_f)). Random: random
 * unit V, and again u_f = normalise(Δ̄(R v_f)) (the reference draws U at random too, and since U and V are
 * updated together from the old U, a U that starts against Δ̄ makes every factor flip sign each iteration:
 * measured on the closed-form exponential model, the objective cycled between −1.26 and −3.44).
 */
async function initialise(map: DeltaMap, c: DctFitConfig, rng: Random, signal?: AbortSignal): Promise<{ V: Rows; U: Rows }> {
  if (c.init === 'random') {
    const V = randomUnitRows(c.count, map.dIn, rng.fork('V'));
    return { V, U: (await meanDeltaRows(map, V, c.R, c.factorBatch, signal)).map((d) => normalized(d)) };
  }
  const projection = randomUnitRows(c.dProj, map.dOut, rng.fork('projection'));
  const singular = rightSingularVectors(await jacobianRows(map, projection, c.factorBatch, signal)).vectors.slice(0, c.count);
  const V = orthonormalRows([...singular, ...randomUnitRows(c.count - singular.length, map.dIn, rng.fork('V'))]);
  // A singular vector's sign is arbitrary, and ±v are different exp features: keep the side that moves
  // the target more (‖Δ̄(R·v)‖ vs ‖Δ̄(−R·v)‖), which for a planted exp feature is +v (e − 1 against 1 − 1/e).
  const plus = await meanDeltaRows(map, V, c.R, c.factorBatch, signal);
  const minus = await meanDeltaRows(map, V, -c.R, c.factorBatch, signal);
  const flip = plus.map((d, f) => norm(minus[f]!) > norm(d));
  return {
    V: V.map((v, f) => (flip[f] ? v.map((x) => -x) : v)),
    U: plus.map((d, f) => normalized(flip[f] ? minus[f]! : d)),
  };
}

function blend(next: ArrayLike<number>, old: ArrayLike<number>, beta: number): Float64Array {
  return normalized(Float64Array.from(next, (x, i) => beta * x + (1 - beta) * old[i]!));
}

/** Fits DCT to a Δ map: initialisation, then (exponential) `iterations` orthogonalised gradient iterations. */
export async function fitDct(map: DeltaMap, c: DctFitConfig, rng: Random, options: DctFitOptions = {}): Promise<DctFit> {
  if (c.count > map.dIn) throw new BadInputError(`${c.count} orthogonal DCT features do not fit in d_model ${map.dIn}; ask for at most ${map.dIn} (more come from other source/target pairs)`);
  const { V, U } = await initialise(map, c, rng, options.signal);
  return iterateDct(map, V, U, { ...c, iterations: c.variant === 'linear' ? 0 : c.iterations }, options);
}

/** The orthogonalised gradient iteration from given V and U (rows). */
export async function iterateDct(
  map: DeltaMap,
  V0: Rows,
  U0: Rows,
  c: Pick<DctFitConfig, 'R' | 'iterations' | 'beta' | 'factorBatch'> & { variant?: DctVariant },
  options: DctFitOptions = {},
): Promise<DctFit> {
  let [V, U] = [V0, U0];
  const objectives: number[] = [];
  const histories: number[][] = V.map(() => []);
  const step = c.variant === 'quadratic' ? quadraticStep : exponentialStep;
  for (let iteration = 1; iteration <= c.iterations; iteration++) {
    const start = performance.now();
    V = orthonormalRows(V);
    const r = await step(map, V, U, c.R, c.factorBatch, options.signal);
    r.value.forEach((value, f) => histories[f]!.push(value));
    const objective = r.value.reduce((a, b) => a + b, 0) / r.value.length;
    objectives.push(objective);
    U = r.gu.map((d, f) => blend(d, U[f]!, c.beta));
    V = r.gv.map((g, f) => blend(g, V[f]!, c.beta));
    options.onIteration?.({ iteration, iterations: c.iterations, objective, ms: performance.now() - start });
  }
  return { V, U, objectives, histories };
}

interface Step {
  /** The update directions of U and V (before normalising), and each factor's objective. */
  gu: Rows;
  gv: Rows;
  value: number[];
}

/** Exponential: u ← Δ̄(R v), v ← R·u·J̄(R v). */
async function exponentialStep(map: DeltaMap, V: Rows, U: Rows, R: number, factorBatch: number, signal?: AbortSignal): Promise<Step> {
  const r = await vjpRows(map, V.map((v) => v.map((x) => x * R)), U, factorBatch, signal);
  return { gu: r.delta, gv: r.grad.map((g) => g.map((x) => x * R)), value: r.value };
}

/** Quadratic: u ← H(·, v, v), v ← H(u, v, ·), both by central differences at ±R v. */
async function quadraticStep(map: DeltaMap, V: Rows, U: Rows, R: number, factorBatch: number, signal?: AbortSignal): Promise<Step> {
  const plus = await vjpRows(map, V.map((v) => v.map((x) => x * R)), U, factorBatch, signal);
  const minus = await vjpRows(map, V.map((v) => v.map((x) => -x * R)), U, factorBatch, signal);
  const gu = plus.delta.map((d, f) => d.map((x, k) => (x + minus.delta[f]![k]!) / (R * R)));
  return {
    gu,
    gv: plus.grad.map((g, f) => g.map((x, k) => (x - minus.grad[f]![k]!) / (2 * R))),
    value: gu.map((h, f) => dot(U[f]!, h)),
  };
}

/** The quadratic model's α (Δ̄ ≈ ½ Σ α u (v·θ)²): a_f = u_f·H(v_f, v_f), K_fg = (u_f·u_g)(v_f·v_g)², K α = a. */
export function quadraticAlphas(U: Rows, V: Rows, second: Rows): Float64Array {
  const a = second.map((h, f) => dot(U[f]!, h));
  const uu = gram(U, U);
  const vv = gram(V, V);
  return solve(uu.map((row, f) => row.map((x, g) => x * vv[f]![g]! ** 2)), a);
}

/**
 * The exponential model's coefficients: with a_f = u_f·Δ̄(R v_f) and the kernel
 * K_fg = (u_f·u_g)·(exp(v_f·v_g) − 1), the α that make the model exact at every θ = R v_f along u_f
 * solve K α = a (the reference's `rank` with no target vector; features are ranked by α²).
 */
export function exponentialAlphas(U: Rows, V: Rows, deltas: Rows): Float64Array {
  const a = deltas.map((d, f) => dot(U[f]!, d));
  const uu = gram(U, U);
  const vv = gram(V, V);
  const kernel = uu.map((row, f) => row.map((x, g) => x * Math.expm1(vv[f]![g]!)));
  return solve(kernel, a);
}

/** Indices sorted by score, highest first (ties by index, so the order is deterministic). */
export function rankOrder(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((i, j) => scores[j]! - scores[i]! || i - j);
}
