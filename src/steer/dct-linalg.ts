/**
 * The little dense linear algebra DCT needs, on the host in double precision: matrices are arrays of
 * rows (one row per factor), small (at most a few hundred rows of d_model), and touched once per
 * iteration, never per token. tfjs has no SVD and a slow QR; these stay off the device.
 */
import { BadInputError } from '../errors.js';

export type Rows = Float64Array[];

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** a/‖a‖ (a zero row stays zero). */
export function normalized(a: ArrayLike<number>): Float64Array {
  const n = norm(a);
  return Float64Array.from(a, (x) => (n > 0 ? x / n : 0));
}

/**
 * The Q of a thin QR decomposition of the matrix whose columns are `rows` (F ≤ D), as rows: modified
 * Gram-Schmidt done twice ("twice is enough"), so R's diagonal is positive and every q_f keeps the
 * sign of the v_f it came from. (torch.linalg.qr, which the reference calls, follows LAPACK's
 * Householder convention and may flip a column's sign; for DCT's asymmetric exp features that flip
 * would swap a feature for its opposite, so this file does not reproduce it.) A row inside the span of
 * earlier ones is replaced by a deterministic direction orthogonal to them.
 */
export function orthonormalRows(rows: readonly ArrayLike<number>[]): Rows {
  const D = rows[0]?.length ?? 0;
  if (rows.length > D) throw new BadInputError(`${rows.length} orthogonal directions do not fit in ${D} dimensions; ask for at most ${D} features`);
  const out: Rows = [];
  for (const row of rows) {
    let q: Float64Array = Float64Array.from(row);
    const before = norm(q);
    orthogonalise(q, out);
    if (!(norm(q) > 1e-10 * Math.max(before, 1e-300))) q = completion(out, D);
    out.push(normalized(q));
  }
  return out;
}

function orthogonalise(q: Float64Array, basis: Rows): void {
  for (let pass = 0; pass < 2; pass++) {
    for (const b of basis) {
      const c = dot(q, b);
      for (let i = 0; i < q.length; i++) q[i] = q[i]! - c * b[i]!;
    }
  }
}

/** The first unit axis left with the most weight after projecting out `basis`. */
function completion(basis: Rows, D: number): Float64Array {
  let best = new Float64Array(D);
  let bestNorm = -1;
  for (let axis = 0; axis < D; axis++) {
    const e = new Float64Array(D);
    e[axis] = 1;
    orthogonalise(e, basis);
    const n = norm(e);
    if (n > bestNorm + 1e-9) [best, bestNorm] = [e, n];
  }
  return best;
}

/** Σ_i a[i]·b[i] over matrices given as rows: the Gram matrix A·Bᵀ [rows(A), rows(B)]. */
export function gram(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): Rows {
  return a.map((x) => Float64Array.from(b, (y) => dot(x, y)));
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: eigenvalues descending, with
 * their unit eigenvectors as rows. Exact to round-off for the few-hundred-wide matrices used here.
 */
export function symmetricEigen(matrix: readonly ArrayLike<number>[], sweeps = 60): { values: number[]; vectors: Rows } {
  const n = matrix.length;
  const a = matrix.map((row) => Float64Array.from(row));
  const v = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p]![q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vpk = v[p]![k]!;
          const vqk = v[q]![k]!;
          v[p]![k] = c * vpk - s * vqk;
          v[q]![k] = s * vpk + c * vqk;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j]![j]! - a[i]![i]!);
  return { values: order.map((i) => a[i]![i]!), vectors: order.map((i) => v[i]!) };
}

/**
 * The top right singular vectors of M [K, D] (K small): eigenvectors w of M·Mᵀ give v = Mᵀw/σ.
 * Returns at most K of them with their singular values, largest first (those with σ ≈ 0 dropped).
 */
export function rightSingularVectors(m: readonly ArrayLike<number>[]): { values: number[]; vectors: Rows } {
  const { values, vectors } = symmetricEigen(gram(m, m));
  const D = m[0]?.length ?? 0;
  const top = Math.max(0, ...values);
  const out: { values: number[]; vectors: Rows } = { values: [], vectors: [] };
  values.forEach((lambda, i) => {
    if (!(lambda > 1e-12 * top)) return;
    const sigma = Math.sqrt(lambda);
    const v = new Float64Array(D);
    m.forEach((row, k) => {
      const w = vectors[i]![k]!;
      for (let d = 0; d < D; d++) v[d] = v[d]! + w * row[d]!;
    });
    out.values.push(sigma);
    out.vectors.push(normalized(v));
  });
  return out;
}

/** x with A·x = b, by Gaussian elimination with partial pivoting; throws if A is singular. */
export function solve(matrix: readonly ArrayLike<number>[], rhs: ArrayLike<number>): Float64Array {
  const n = matrix.length;
  const a = matrix.map((row, i) => Float64Array.from([...Array.from(row), rhs[i]!]));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (!(Math.abs(a[pivot]![col]!) > 1e-300)) throw new BadInputError('the DCT feature kernel is singular (two features coincide); train with fewer features');
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const head = a[col]!;
    for (let r = col + 1; r < n; r++) {
      const row = a[r]!;
      const f = row[col]! / head[col]!;
      if (f === 0) continue;
      for (let k = col; k <= n; k++) row[k] = row[k]! - f * head[k]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = a[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= a[r]![k]! * x[k]!;
    x[r] = s / a[r]![r]!;
  }
  return x;
}

/** The root of a continuous f on [lo, hi] where f(lo) and f(hi) differ in sign: bisection on log x. */
export async function logBisect(f: (x: number) => Promise<number>, lo: number, hi: number, relTol = 1e-3): Promise<number> {
  let [a, b] = [Math.log(lo), Math.log(hi)];
  let fa = await f(lo);
  const fb = await f(hi);
  if (fa === 0) return lo;
  if (fb === 0) return hi;
  if (Math.sign(fa) === Math.sign(fb)) throw new BadInputError(`no root between ${lo} and ${hi} (f = ${fa.toPrecision(3)} and ${fb.toPrecision(3)})`);
  while (b - a > relTol) {
    const m = (a + b) / 2;
    const fm = await f(Math.exp(m));
    if (fm === 0) return Math.exp(m);
    if (Math.sign(fm) === Math.sign(fa)) [a, fa] = [m, fm];
    else b = m;
  }
  return Math.exp((a + b) / 2);
}
