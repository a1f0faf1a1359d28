/**
 * DCT against golden values from an independent PyTorch implementation (scripts/golden/make-dct-golden.py
 * over shared/reference/torch_ref.py, float64, one prompt and one vector at a time, autograd for every
 * derivative): Δ̄(θ), the vector-Jacobian products, the projected Jacobian, the nonlinearity ratio,
 * two exponential DCT iterations from the same start, and the exponential model's α.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../src/model/checkpoint.js';
import { modelDeltaMap } from '../../src/steer/dct-delta.js';
import { exponentialAlphas, iterateDct, jacobianRows, meanDeltaRows, ratioForDirections, vjpRows } from '../../src/steer/dct-fit.js';
import { normalized } from '../../src/steer/dct-linalg.js';
import { encodePrompts, disposePromptBatch } from '../../src/steer/prompts.js';
import { leakedTensors, maxAbsDiff, useBackend } from '../helpers/backend.js';

await useBackend();

interface GoldenCase {
  arch: string;
  prompts: number[][];
  source: number;
  target: number;
  targets: number;
  R: number;
  V0: number[][];
  U0: number[][];
  deltas: number[][];
  values: number[];
  grads: number[][];
  projection: number[][];
  projectedJacobian: number[][];
  calibrationDirections: number[][];
  ratios: Record<string, number>;
  iterations: number;
  objectives: number[];
  V: number[][];
  U: number[][];
  alphas: number[];
}

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const golden = JSON.parse(readFileSync(`${fixtures}dct/golden.json`, 'utf8')) as { cases: GoldenCase[] };
const flat = (rows: ArrayLike<number>[]) => rows.flatMap((r) => Array.from(r));
const scaleOf = (rows: number[][]) => Math.max(...rows.flat().map(Math.abs));

for (const g of golden.cases) {
  describe(`DCT golden (${g.arch}, source ${g.source} → target ${g.target})`, async () => {
    const model = await loadModel(`${fixtures}tiny-${g.arch}-f32`);
    const batch = encodePrompts(model, g.prompts, { chat: false, targets: g.targets });
    const map = modelDeltaMap(model, batch, g.source, g.target, { subtractDirect: true });
    const thetas = g.V0.map((v) => v.map((x) => x * g.R));

    test('Δ̄(R·v) and the vector-Jacobian products match torch autograd', async () => {
      const r = await vjpRows(map, thetas, g.U0, 3);
      assert.ok(maxAbsDiff(flat(r.delta), flat(g.deltas)) < 2e-4 * scaleOf(g.deltas), `Δ̄ off by ${maxAbsDiff(flat(r.delta), flat(g.deltas))}`);
      assert.ok(maxAbsDiff(r.value, g.values) < 2e-4 * Math.max(...g.values.map(Math.abs)));
      assert.ok(maxAbsDiff(flat(r.grad), flat(g.grads)) < 5e-4 * scaleOf(g.grads), `VJP off by ${maxAbsDiff(flat(r.grad), flat(g.grads))} (scale ${scaleOf(g.grads)})`);
    });

    test('the projected Jacobian at θ = 0 matches torch', async () => {
      const pj = await jacobianRows(map, g.projection, 2);
      assert.ok(maxAbsDiff(flat(pj), flat(g.projectedJacobian)) < 5e-4 * scaleOf(g.projectedJacobian));
    });

    test('two orthogonalised gradient iterations from the same start land where torch does', async () => {
      const fit = await iterateDct(map, g.V0.map((v) => Float64Array.from(v)), g.U0.map((u) => Float64Array.from(u)), { R: g.R, iterations: g.iterations, beta: 1, factorBatch: 4 });
      assert.ok(maxAbsDiff(fit.objectives, g.objectives) < 1e-3 * Math.max(...g.objectives.map(Math.abs)), `objectives ${fit.objectives} vs ${g.objectives}`);
      assert.ok(maxAbsDiff(flat(fit.V), flat(g.V)) < 2e-3, `V off by ${maxAbsDiff(flat(fit.V), flat(g.V))}`);
      assert.ok(maxAbsDiff(flat(fit.U), flat(g.U)) < 2e-3, `U off by ${maxAbsDiff(flat(fit.U), flat(g.U))}`);
      const deltas = await meanDeltaRows(map, fit.V, g.R, 4);
      const alphas = exponentialAlphas(fit.U, fit.V, deltas);
      assert.ok(maxAbsDiff(alphas, g.alphas) < 2e-3 * Math.max(...g.alphas.map(Math.abs)), `α ${Array.from(alphas)} vs ${g.alphas}`);
    });

    test('the nonlinearity ratio at r = 1 and 4 matches torch for the same directions', async () => {
      const ratio = await ratioForDirections(map, g.calibrationDirections.map((v) => normalized(v)), 4);
      for (const [r, expected] of Object.entries(g.ratios)) {
        const got = await ratio(Number(r));
        assert.ok(Math.abs(got - expected) < 1e-3, `ratio at ${r}: ${got} vs ${expected}`);
      }
    });

    test('the Δ map leaks no tensors', async () => {
      assert.equal(await leakedTensors(() => vjpRows(map, thetas, g.U0, 2)), 0);
      assert.equal(await leakedTensors(() => meanDeltaRows(map, thetas, 1, 3)), 0);
      map.dispose();
      disposePromptBatch(batch);
    });
  });
}
