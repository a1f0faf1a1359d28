import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dot, gram, logBisect, orthonormalRows, rightSingularVectors, solve, symmetricEigen } from '../../src/steer/dct-linalg.js';
import { BadInputError } from '../../src/errors.js';

describe('DCT host linear algebra', () => {
  test('orthonormalRows: orthonormal, each row keeps its sign, a dependent row is completed', () => {
    const rows = orthonormalRows([[-2, 1, 0], [1, 1, 0], [3, -1.5, 0]]); // the third is −1.5 × the first
    const g = gram(rows, rows);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(g[i]![j]! - (i === j ? 1 : 0)) < 1e-12);
    assert.ok(dot(rows[0]!, [-2, 1, 0]) > 0 && dot(rows[1]!, [1, 1, 0]) > 0, 'no sign flips (LAPACK would flip the first)');
    assert.ok(Math.abs(rows[2]![2]!) > 0.999, 'the completion is the axis left over');
    assert.throws(() => orthonormalRows([[1, 0], [0, 1], [1, 1]]), BadInputError);
  });

  test('symmetricEigen and rightSingularVectors on known matrices', () => {
    const { values, vectors } = symmetricEigen([[2, 1], [1, 2]]);
    assert.ok(Math.abs(values[0]! - 3) < 1e-12 && Math.abs(values[1]! - 1) < 1e-12);
    assert.ok(Math.abs(Math.abs(vectors[0]![0]!) - Math.SQRT1_2) < 1e-12);
    const svd = rightSingularVectors([[3, 0, 0], [0, 0, 2]]); // σ 3 along e1, 2 along e3
    assert.deepEqual(svd.values.map((v) => +v.toFixed(12)), [3, 2]);
    assert.ok(Math.abs(Math.abs(svd.vectors[0]![0]!) - 1) < 1e-12 && Math.abs(Math.abs(svd.vectors[1]![2]!) - 1) < 1e-12);
    assert.equal(rightSingularVectors([[0, 0], [0, 0]]).vectors.length, 0);
  });

  test('solve needs pivoting, and names a singular kernel', () => {
    const x = solve([[0, 1], [2, 3]], [4, 14]);
    assert.ok(Math.abs(x[0]! - 1) < 1e-12 && Math.abs(x[1]! - 4) < 1e-12);
    assert.throws(() => solve([[1, 2], [2, 4]], [1, 2]), /singular/);
  });

  test('logBisect finds a root to the relative tolerance and refuses a bracket without one', async () => {
    const root = await logBisect(async (x) => x * x - 2, 0.01, 100, 1e-6);
    assert.ok(Math.abs(root - Math.SQRT2) < 2e-6);
    await assert.rejects(logBisect(async (x) => x + 1, 0.1, 10), BadInputError);
  });
});
