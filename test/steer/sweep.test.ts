import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findKnee } from '../../src/steer/knee.js';
import { distinctN, sweepRadius, totalVariance } from '../../src/steer/sweep.js';
import { useBackend } from '../helpers/backend.js';
import { randomModel } from '../helpers/models.js';

await useBackend();

describe('knee', () => {
  const xs = [-1, 0, 1, 2, 3, 4, 5]; // log2 R for R = 0.5 .. 32

  test('a clear elbow: the cusp before the jump', () => {
    const ys = [0.1, 0.11, 0.13, 0.15, 0.2, 2.5, 3.0];
    const knee = findKnee(xs, ys, { shape: 'convex' });
    assert.equal(knee?.index, 4);
    assert.ok(knee!.distance > 0.3);
    assert.equal(findKnee(xs, ys)?.index, 4, 'auto finds the same');
  });

  test('a concave curve (rise, then plateau) has its knee where the plateau starts', () => {
    const ys = [0, 2.5, 2.8, 2.9, 2.95, 3, 3];
    assert.equal(findKnee(xs, ys, { shape: 'concave' })?.index, 1);
    assert.equal(findKnee(xs, ys, { shape: 'convex' }), null, 'nothing lies below the chord');
  });

  test('a straight line, a flat line or too few points have no knee', () => {
    assert.equal(findKnee(xs, xs.map((x) => 2 * x + 1)), null);
    assert.equal(findKnee(xs, xs.map((x) => 2 * x + 1 + (x % 2) * 0.01)), null, 'within tolerance of the chord');
    assert.equal(findKnee(xs, xs.map(() => 4)), null);
    assert.equal(findKnee([1, 2], [1, 5]), null);
  });
});

describe('diversity measures', () => {
  test('distinct-n and total variance', () => {
    assert.equal(distinctN([[1, 2, 1, 2], [1, 2]], 2), 2 / 4);
    assert.equal(distinctN([[1, 2, 3], [3, 1]], 2), 1);
    assert.equal(distinctN([[1]], 2), 0);
    assert.equal(totalVariance([new Float32Array([0, 0]), new Float32Array([2, 0])]), 1);
    assert.equal(totalVariance([new Float32Array([5, 5])]), 0);
  });

  test('a small sweep on a tiny model returns a point per radius', async () => {
    const model = randomModel('gpt2', 3);
    const points: number[] = [];
    const result = await sweepRadius(model, [[1, 2, 3, 4], [9, 8, 7]], {
      radii: [0.5, 4, 32],
      vectorsPerRadius: 2,
      steps: 3,
      maxNewTokens: 4,
      melbo: { source: 0, target: 2 },
    }, { onProgress: (p) => points.push(p.R) });
    assert.deepEqual(points, [0.5, 4, 32]);
    assert.equal(result.points.length, 3);
    for (const p of result.points) {
      assert.equal(p.completions.length, 2);
      assert.ok(p.embeddingVariance >= 0 && p.ngramDiversity >= 0 && p.ngramDiversity <= 1);
    }
    // the objective grows with R (about as R² while the model responds linearly)
    assert.ok(result.points[0]!.objective < result.points[1]!.objective && result.points[1]!.objective < result.points[2]!.objective);
  });
});
