import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../../src/errors.js';
import { checkLayers, defaultLayers } from '../../src/steer/layers.js';
import { orthonormalBasis, projectOut, randomOnSphere, rowsTensor, tangent, toBall, toSphere } from '../../src/steer/sphere.js';
import { Random } from '../../src/util/random.js';
import { useBackend } from '../helpers/backend.js';

await useBackend();

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));

describe('sphere helpers', () => {
  test('randomOnSphere has norm R and follows its seed', async () => {
    const a = randomOnSphere(48, 4, new Random(1));
    const b = randomOnSphere(48, 4, new Random(1));
    const c = randomOnSphere(48, 4, new Random(2));
    const [da, db, dc] = await Promise.all([a.data(), b.data(), c.data()]);
    assert.ok(Math.abs(norm(da) - 4) < 1e-5);
    assert.deepEqual(da, db);
    assert.notDeepEqual(da, dc);
    tf.dispose([a, b, c]);
  });

  test('orthonormalBasis spans the vectors and drops dependent ones', () => {
    const rng = new Random(3);
    const v = Array.from({ length: 3 }, () => Float32Array.from({ length: 16 }, () => rng.normal()));
    const dependent = v[0]!.map((x, i) => 2 * x - 0.5 * v[1]![i]!);
    const basis = orthonormalBasis([v[0]!, v[1]!, dependent, v[2]!]);
    assert.equal(basis.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.ok(Math.abs(norm(basis[i]!) - 1) < 1e-6);
      for (let j = 0; j < i; j++) assert.ok(Math.abs(dot(basis[i]!, basis[j]!)) < 1e-6);
    }
    // the first basis vector is the first vector's direction (Gram-Schmidt keeps the order)
    assert.ok(Math.abs(dot(basis[0]!, v[0]!) - norm(v[0]!)) < 1e-4);
    assert.deepEqual(orthonormalBasis([]), []);
  });

  test('projectOut leaves x orthogonal to every basis row and keeps the rest', async () => {
    const rng = new Random(4);
    const rows = Array.from({ length: 5 }, () => Float32Array.from({ length: 12 }, () => rng.normal()));
    const basis = rowsTensor(orthonormalBasis(rows))!;
    const x = tf.tensor1d(Float32Array.from({ length: 12 }, () => rng.normal()));
    const projected = tf.tidy(() => projectOut(x, basis));
    const p = await projected.data();
    for (const row of rows) assert.ok(Math.abs(dot(p, row)) < 1e-4, `dot ${dot(p, row)}`);
    // projecting twice changes nothing more
    const again = await tf.tidy(() => projectOut(projected, basis)).data();
    assert.ok(Math.max(...Array.from(again, (a, i) => Math.abs(a - p[i]!))) < 1e-5);
    assert.equal(projectOut(x, undefined), x);
    tf.dispose([basis, x, projected]);
  });

  test('tangent projection is orthogonal to θ; toSphere and toBall set the norm', async () => {
    const rng = new Random(5);
    const theta = randomOnSphere(20, 3, rng);
    const g = tf.tensor1d(Float32Array.from({ length: 20 }, () => rng.normal()));
    const [t, s, inside, outside] = tf.tidy(() => [
      tangent(g, theta, 3),
      toSphere(tf.mul(g, 7) as tf.Tensor1D, 3),
      toBall(tf.mul(theta, 0.5) as tf.Tensor1D, 3),
      toBall(tf.mul(theta, 2) as tf.Tensor1D, 3),
    ]);
    assert.ok(Math.abs(dot(await t!.data(), await theta.data())) < 1e-4);
    assert.ok(Math.abs(norm(await s!.data()) - 3) < 1e-5);
    assert.ok(Math.abs(norm(await inside!.data()) - 1.5) < 1e-5);
    assert.ok(Math.abs(norm(await outside!.data()) - 3) < 1e-5);
    tf.dispose([theta, g, t!, s!, inside!, outside!]);
  });
});

describe('default layers', () => {
  test('the reference model: source 7, target L − 8', () => {
    assert.deepEqual(defaultLayers(24), { source: 7, target: 16 });
    assert.deepEqual(defaultLayers(32), { source: 7, target: 24 });
  });

  test('at least one block lies between source and target', () => {
    assert.deepEqual(defaultLayers(16), { source: 7, target: 9 });
    assert.deepEqual(defaultLayers(12), { source: 4, target: 6 });
    assert.deepEqual(defaultLayers(6), { source: 2, target: 4 });
    assert.deepEqual(defaultLayers(2), { source: 0, target: 2 });
    assert.deepEqual(defaultLayers(1), { source: 0, target: 1 });
    for (let L = 2; L <= 40; L++) {
      const { source, target } = defaultLayers(L);
      assert.ok(target >= source + 2 && target <= L, `L=${L}`);
      checkLayers({ source, target }, L);
    }
  });

  test('layers outside the model are refused', () => {
    assert.throws(() => checkLayers({ source: 2, target: 2 }, 4), BadInputError);
    assert.throws(() => checkLayers({ source: 4, target: 5 }, 4), BadInputError);
    assert.throws(() => defaultLayers(0), BadInputError);
  });
});
