/**
 * Knee finding, Kneedle-style (Satopää et al. 2011): normalise both axes to [0, 1], draw the chord from
 * the first point to the last, and take the point farthest from it. For the R sweep's curve (diversity
 * flat while the vectors are too weak, then a jump once they break the model) the farthest point below
 * the chord is the last R before the jump: the cusp MELBO wants.
 *
 * Documented answers: fewer than three points, a flat curve, or a curve with every point within
 * `tolerance` (in normalised units) of the chord — a straight line — has no knee: null.
 */

export interface Knee {
  index: number;
  x: number;
  y: number;
  /** Distance from the chord in normalised units (> 0: below the chord, the convex case). */
  distance: number;
}

export interface KneeOptions {
  /** 'convex' looks below the chord (flat, then a jump), 'concave' above (a rise, then a plateau),
   * 'auto' (default) takes the largest distance either way. */
  shape?: 'convex' | 'concave' | 'auto';
  /** Smallest normalised distance that counts as a bend (default 0.05). */
  tolerance?: number;
}

export function findKnee(xs: readonly number[], ys: readonly number[], options: KneeOptions = {}): Knee | null {
  if (xs.length !== ys.length) throw new Error(`findKnee: ${xs.length} xs but ${ys.length} ys`);
  const n = xs.length;
  if (n < 3) return null;
  const xMin = Math.min(...xs);
  const xRange = Math.max(...xs) - xMin;
  const yMin = Math.min(...ys);
  const yRange = Math.max(...ys) - yMin;
  if (!(xRange > 0) || !(yRange > 0)) return null;
  const nx = xs.map((x) => (x - xMin) / xRange);
  const ny = ys.map((y) => (y - yMin) / yRange);
  // chord from point 0 to point n−1; signed distance, positive below it
  const [x0, y0, x1, y1] = [nx[0]!, ny[0]!, nx[n - 1]!, ny[n - 1]!];
  const length = Math.hypot(x1 - x0, y1 - y0);
  const shape = options.shape ?? 'auto';
  const score = (below: number) => (shape === 'convex' ? below : shape === 'concave' ? -below : Math.abs(below));
  let best: Knee | null = null;
  for (let i = 1; i < n - 1; i++) {
    const below = ((x1 - x0) * (y0 - ny[i]!) - (x0 - nx[i]!) * (y1 - y0)) / length;
    if (best === null || score(below) > score(best.distance)) best = { index: i, x: xs[i]!, y: ys[i]!, distance: below };
  }
  return best && score(best.distance) >= (options.tolerance ?? 0.05) ? best : null;
}
