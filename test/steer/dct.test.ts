import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../../src/errors.js';
import { tidy } from '../../src/engine/tidy.js';
import { trainDct } from '../../src/steer/dct.js';
import type { DeltaMap } from '../../src/steer/dct-delta.js';
import { meanDeltas, modelDeltaMap, promptDeltas } from '../../src/steer/dct-delta.js';
import { calibrateRadius, exponentialAlphas, fitDct, meanDeltaRows, meanJacobian, quadraticAlphas, randomUnitRows, vjpRows } from '../../src/steer/dct-fit.js';
import { dot, orthonormalRows } from '../../src/steer/dct-linalg.js';
import { disposePromptBatch, encodePrompts } from '../../src/steer/prompts.js';
import { hiddenRows, targetShift } from '../../src/steer/shift.js';
import { loadVectorSet, saveVectorSet } from '../../src/steer/vector-set.js';
import { Random } from '../../src/util/random.js';
import { leakedTensors, maxAbsDiff, useBackend } from '../helpers/backend.js';
import { randomModel } from '../helpers/models.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

await useBackend();

const prompts = [[5, 9, 2, 33, 17, 8], [40, 1, 7], [7, 7, 7, 12, 3], [20, 21, 22, 23]];
const model = randomModel('llama', 7);
const D = model.config.dModel;

/** Δ̄(θ) = Σ_i α_i u_i (exp(v_i·θ/R) − 1): the exponential model itself, in closed form. */
function toyMap(V: number[][], U: number[][], alphas: number[], R: number): DeltaMap {
  const v = tf.tensor2d(V);
  const ua = tf.tensor2d(U.map((u, i) => u.map((x) => x * alphas[i]!)));
  const averaging = tf.tensor2d([[1]]);
  return {
    dIn: V[0]!.length, dOut: U[0]!.length, prompts: 1, rows: 1, averaging,
    rowShifts: (thetas) => {
      const F = thetas.shape[0];
      const out = tf.matMul(tf.expm1(tf.div(tf.matMul(thetas, v, false, true), R)), ua); // [F, I] @ [I, dOut]
      return tf.reshape(out, [F, 1, U[0]!.length]);
    },
    dispose: () => tf.dispose([v, ua, averaging]),
  };
}

function rows(n: number, d: number, seed: string): number[][] {
  return orthonormalRows(randomUnitRows(n, d, new Random(seed))).map((r) => Array.from(r));
}

describe('DCT Δ map of a model', () => {
  test('resuming from the source residual gives the same shifts as steering the whole forward by a hook (padding, positions)', async () => {
    const batch = encodePrompts(model, prompts, { chat: false, targets: 3 });
    const rng = new Random('theta');
    const theta = Array.from({ length: D }, () => rng.normal());
    for (const positions of [undefined, [1, 3]]) {
      const map = modelDeltaMap(model, batch, 0, 2, { ...(positions && { positions }) });
      const [sliced, hooked] = await Promise.all(
        tidy(() => [
          tf.reshape(map.rowShifts(tf.tensor2d([theta])), [-1]),
          targetShift(model, batch, { hook: 'blocks.0.hook_resid_post', targetLayer: 2, ...(positions && { positions }) }, tf.tensor1d(theta), hiddenRows(model, batch, 2, batch.targetRows)),
        ]).map(async (t) => { const d = await t.data(); t.dispose(); return d; }),
      );
      assert.ok(maxAbsDiff(sliced!, hooked!) < 1e-4, `positions ${positions}: ${maxAbsDiff(sliced!, hooked!)}`);
      map.dispose();
    }
    disposePromptBatch(batch);
  });

  test('the direct path: with no block between source and target Δ is θ itself, and zero once subtracted', async () => {
    const batch = encodePrompts(model, prompts, { chat: false, targets: 2 });
    const theta = randomUnitRows(2, D, new Random('direct')).map((r) => Array.from(r, (x) => 3 * x));
    const keep = modelDeltaMap(model, batch, 0, 1);
    const drop = modelDeltaMap(model, batch, 0, 1, { subtractDirect: true });
    const kept = await meanDeltaRows(keep, theta, 1, 2);
    const dropped = await meanDeltaRows(drop, theta, 1, 2);
    assert.ok(maxAbsDiff(kept.flatMap((r) => Array.from(r)), theta.flat()) < 1e-5);
    assert.ok(Math.max(...dropped.flatMap((r) => Array.from(r, Math.abs))) < 1e-5);
    tf.dispose([]);
    keep.dispose();
    drop.dispose();
    disposePromptBatch(batch);
  });

  test('vector-Jacobian products and the Jacobian at 0 agree with central finite differences', async () => {
    const batch = encodePrompts(model, prompts, { chat: false, targets: 3 });
    const map = modelDeltaMap(model, batch, 0, 2);
    const rng = new Random('fd');
    const thetas = randomUnitRows(3, D, rng.fork('t')).map((r) => r.map((x) => 2 * x));
    const us = randomUnitRows(3, D, rng.fork('u'));
    const ws = randomUnitRows(3, D, rng.fork('w'));
    const { grad } = await vjpRows(map, thetas, us, 2);
    const eps = 1e-2;
    for (let f = 0; f < 3; f++) {
      const plus = await meanDeltaRows(map, [thetas[f]!.map((x, i) => x + eps * ws[f]![i]!)], 1, 1);
      const minus = await meanDeltaRows(map, [thetas[f]!.map((x, i) => x - eps * ws[f]![i]!)], 1, 1);
      const fd = (dot(us[f]!, plus[0]!) - dot(us[f]!, minus[0]!)) / (2 * eps);
      const exact = dot(grad[f]!, ws[f]!);
      assert.ok(Math.abs(fd - exact) < 2e-2 * Math.max(1e-3, Math.abs(exact)) + 2e-4, `VJP ${f}: ${exact} vs finite difference ${fd}`);
    }
    const J = await meanJacobian(map, 16);
    for (const w of ws) {
      const plus = (await meanDeltaRows(map, [w], eps, 1))[0]!;
      const minus = (await meanDeltaRows(map, [w], -eps, 1))[0]!;
      const fd = plus.map((x, k) => (x - minus[k]!) / (2 * eps));
      const exact = J.map((row) => dot(row, w));
      const scale = Math.max(...exact.map(Math.abs));
      assert.ok(maxAbsDiff(fd, exact) < 2e-2 * scale, `Jv off by ${maxAbsDiff(fd, exact)} (scale ${scale})`);
    }
    map.dispose();
    disposePromptBatch(batch);
  });
});

describe('DCT on the exponential model in closed form', () => {
  const Dt = 8;
  const V = rows(3, Dt, 'toy V');
  const U = rows(3, Dt, 'toy U');
  const alphas = [3, 2, 1];
  const R = 2;

  test('the gradient of u·Δ̄ matches its closed form α_i/R·exp(v_i·θ/R)(u·u_i)·v_i', async () => {
    const map = toyMap(V, U, alphas, R);
    const theta = [V[0]!.map((x, i) => 0.7 * x + 0.4 * V[1]![i]!)];
    const u = [U[0]!.map((x, i) => 0.6 * x + 0.8 * U[2]![i]!)];
    const { grad } = await vjpRows(map, theta, u, 1);
    const expected = new Array<number>(Dt).fill(0);
    V.forEach((v, i) => {
      const coefficient = (alphas[i]! / R) * Math.exp(dot(v, theta[0]!) / R) * dot(u[0]!, U[i]!);
      v.forEach((x, k) => (expected[k] = expected[k]! + coefficient * x));
    });
    assert.ok(maxAbsDiff(grad[0]!, expected) < 1e-5, `${Array.from(grad[0]!)} vs ${expected}`);
    map.dispose();
  });

  test('α solves the kernel system exactly at the true features', async () => {
    const map = toyMap(V, U, alphas, R);
    const deltas = await meanDeltaRows(map, V, R, 3);
    const fitted = exponentialAlphas(U.map((u) => Float64Array.from(u)), V.map((v) => Float64Array.from(v)), deltas);
    assert.ok(maxAbsDiff(fitted, alphas) < 1e-4, `α ${Array.from(fitted)}`);
    map.dispose();
  });

  for (const init of ['jacobian', 'random'] as const) {
    test(`${init} initialisation: the iteration recovers every planted feature${init === 'jacobian' ? ', sign included' : ' up to sign'}`, async () => {
      const map = toyMap(V, U, alphas, R);
      const fit = await fitDct(map, { variant: 'exponential', count: 3, R, init, dProj: 8, iterations: init === 'random' ? 30 : 5, beta: 1, factorBatch: 2 }, new Random(`toy ${init}`));
      for (const v of V) {
        const best = Math.max(...fit.V.map((w) => (init === 'jacobian' ? dot(w, v) : Math.abs(dot(w, v)))));
        assert.ok(best > 0.999, `feature found with cosine ${best}`);
      }
      assert.ok(fit.objectives.at(-1)! >= fit.objectives[0]! - 1e-6, `objective ${fit.objectives}`);
      map.dispose();
    });
  }

  test('quadratic variant: central differences are exact on Σ α u (v·θ)², α comes back doubled (½ of the Hessian), features are recovered', async () => {
    const vt = tf.tensor2d(V);
    const ua = tf.tensor2d(U.map((u, i) => u.map((x) => x * alphas[i]!)));
    const averaging = tf.tensor2d([[1]]);
    const map: DeltaMap = {
      dIn: Dt, dOut: Dt, prompts: 1, rows: 1, averaging,
      rowShifts: (t) => tf.reshape(tf.matMul(tf.square(tf.matMul(t, vt, false, true)), ua), [t.shape[0], 1, Dt]), // [F, I] @ [I, D]
      dispose: () => tf.dispose([vt, ua, averaging]),
    };
    const vRows = V.map((v) => Float64Array.from(v));
    const uRows = U.map((u) => Float64Array.from(u));
    const plus = await meanDeltaRows(map, vRows, R, 3);
    const minus = await meanDeltaRows(map, vRows, -R, 3);
    const second = plus.map((d, f) => d.map((x, k) => (x + minus[f]![k]!) / (R * R)));
    assert.ok(maxAbsDiff(quadraticAlphas(uRows, vRows, second), alphas.map((a) => 2 * a)) < 1e-4);
    const fit = await fitDct(map, { variant: 'quadratic', count: 3, R, init: 'random', dProj: 4, iterations: 40, beta: 1, factorBatch: 3 }, new Random('quad'));
    for (const v of V) assert.ok(Math.max(...fit.V.map((w) => Math.abs(dot(w, v)))) > 0.999);
    assert.ok(fit.objectives.at(-1)! > 0);
    map.dispose();
  });

  test('R calibration on Δ(θ) = exp(θ) − 1 (coordinatewise) hits the ratio computed on the host', async () => {
    const averaging = tf.tensor2d([[1]]);
    const map: DeltaMap = { dIn: Dt, dOut: Dt, prompts: 1, rows: 1, averaging, rowShifts: (t) => tf.reshape(tf.expm1(t), [t.shape[0], 1, Dt]), dispose: () => averaging.dispose() };
    const found = await calibrateRadius(map, new Random('cal'), { samples: 10, targetRatio: 0.3, factorBatch: 4 });
    const dirs = randomUnitRows(10, Dt, new Random('cal')); // the same draws calibrateRadius made
    const ratio = Math.sqrt(dirs.reduce((s, v) => s + v.reduce((a, x) => a + (Math.expm1(found * x) - found * x) ** 2, 0) / found ** 2, 0) / 10);
    assert.ok(Math.abs(ratio - 0.3) < 2e-3, `R ${found}: ratio ${ratio}`);
    await assert.rejects(calibrateRadius(map, new Random('cal'), { samples: 4, targetRatio: 0.3, bracket: [1e-3, 1e-2] }), BadInputError);
    // a map that stays nearly linear past the bracket's top (R = 100): the top grows tenfold until it bites
    const wide: DeltaMap = { ...map, rowShifts: (t) => tf.reshape(tf.expm1(tf.div(t, 1000)), [t.shape[0], 1, Dt]) };
    const far = await calibrateRadius(wide, new Random('cal'), { samples: 10, targetRatio: 0.3, factorBatch: 4 });
    assert.ok(Math.abs(far / (1000 * found) - 1) < 1e-2, `R ${far} should be 1000 × ${found}`);
    map.dispose();
  });
});

describe('trainDct', () => {
  const small = { count: 6, source: 0, target: 2, iterations: 3, seed: 3, chat: false } as const;

  test('a ranked vector set of R-norm, orthogonal-at-start features with deltas, readable after saving', async () => {
    const progress: string[] = [];
    const set = await trainDct(model, prompts, small, { onProgress: (p) => progress.push(p.stage) });
    assert.equal(set.kind, 'dct');
    assert.equal(set.vectors.length, 6);
    assert.equal(set.hook, 'blocks.0.hook_resid_post');
    assert.equal(set.targetLayer, 2);
    const R = set.settings['R'] as number;
    assert.ok(R > 0 && set.settings['calibrated'] === true);
    for (const v of set.vectors) assert.ok(Math.abs(Math.hypot(...v) - R) < 1e-3 * R);
    const scores = set.meta.map((m) => m.score!);
    assert.deepEqual([...scores].sort((a, b) => b - a), scores);
    assert.equal(set.deltas?.length, 6);
    assert.ok(set.meta.every((m) => m.history?.length === 3));
    assert.deepEqual([...new Set(progress)], ['calibrate', 'fit', 'rank']);
    const file = join(mkdtempSync(join(tmpdir(), 'dct-')), 'v.safetensors');
    saveVectorSet(set, file);
    const back = await loadVectorSet(file, model);
    assert.equal(back.kind, 'dct');
    assert.deepEqual(back.meta.map((m) => m.score), set.meta.map((m) => Math.fround(m.score!)).map((_, i) => set.meta[i]!.score));
  });

  test('the same seed gives identical vectors, another seed others', async () => {
    const a = await trainDct(model, prompts, { ...small, R: 2, iterations: 2, init: 'random' });
    const b = await trainDct(model, prompts, { ...small, R: 2, iterations: 2, init: 'random' });
    const c = await trainDct(model, prompts, { ...small, R: 2, iterations: 2, init: 'random', seed: 4 });
    assert.deepEqual(a.vectors, b.vectors);
    assert.notDeepEqual(a.vectors, c.vectors);
  });

  test('the quadratic variant trains on a model and ranks by α²', async () => {
    const set = await trainDct(model, prompts, { ...small, R: 2, variant: 'quadratic', count: 4, iterations: 2 });
    const scores = set.meta.map((m) => m.score!);
    assert.deepEqual([...scores].sort((a, b) => b - a), scores);
    assert.equal(set.settings['variant'], 'quadratic');
  });

  test('the linear variant is the projected Jacobian\'s top right singular vectors, no iterations', async () => {
    const set = await trainDct(model, prompts, { ...small, R: 2, variant: 'linear', count: 4 });
    for (let i = 0; i < 4; i++) for (let j = 0; j < i; j++) assert.ok(Math.abs(dot(set.vectors[i]!, set.vectors[j]!)) < 1e-3);
    assert.ok(set.meta.every((m) => m.history?.length === 0));
  });

  test('numTensors stays flat across iterations and nothing leaks', async () => {
    const counts: number[] = [];
    const leaked = await leakedTensors(() => trainDct(model, prompts, { ...small, iterations: 4 }, { onProgress: (p) => { if (p.stage === 'fit') counts.push(tf.memory().numTensors); } }));
    assert.equal(leaked, 0);
    assert.deepEqual(counts, Array(4).fill(counts[0]));
  });

  test('bad settings fail with one clear line', async () => {
    await assert.rejects(trainDct(model, prompts, { ...small, count: D + 1 }), /d_model/);
    await assert.rejects(trainDct(model, prompts, { ...small, R: -1 }), /positive/);
    await assert.rejects(trainDct(model, prompts, { ...small, variant: 'cubic' as 'linear' }), /variant/);
    await assert.rejects(trainDct(model, prompts, { ...small, source: 1, target: 2 }), /source layer/);
  });

  test('promptDeltas averages each prompt over its own target tokens', async () => {
    const batch = encodePrompts(model, prompts, { chat: false, targets: 2 });
    const map = modelDeltaMap(model, batch, 0, 2);
    const [perPrompt, mean] = await Promise.all(tidy(() => {
      const t = tf.tensor2d([Array.from({ length: D }, (_, i) => Math.sin(i))]);
      const shifts = map.rowShifts(t); // [1, K, D]
      const byHand = tf.stack(prompts.map((_, n) => tf.mean(tf.slice(shifts, [0, 2 * n, 0], [1, 2, D]), 1).reshape([D])));
      return [tf.sub(promptDeltas(map, t).reshape([prompts.length, D]), byHand), meanDeltas(map, t)];
    }).map(async (x) => { const d = await x.data(); x.dispose(); return d; }));
    assert.ok(Math.max(...Array.from(perPrompt!, Math.abs)) < 1e-6);
    assert.equal(mean!.length, D);
    map.dispose();
    disposePromptBatch(batch);
  });
});
