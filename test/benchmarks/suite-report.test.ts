import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord } from '../../benchmarks/suite/report.js';
import { latest, lossCurvesSvg, recoverTable, successSvg } from '../../benchmarks/suite/report.js';
import { textsOf } from '../plot/scene.js';

function record(model: string, method: string, seed: number, losses: number[], success: number | null): RunRecord {
  const steps = losses.length;
  const forwardPasses = 2 * steps + 2; // two prompts: the initial string, then each step, one batch per prompt
  return {
    bench: 'suite_run', model, method, seed, budget: 'quick', backend: 'cpu', exact: false, recall: 0, reasr: 0, junkRate: 0, attackerAsr: null,
    seconds: 1, steps, forwardPasses, firstSuccess: success === null ? null : { step: success, seconds: 1, forwardPasses: 2 * success + 2 }, best: 'x', losses,
  };
}

const records = [
  record('gpt2-a', 'gcg-logit', 0, [1, 0.5, 0.2, 0.1, 0.05], 5),
  record('gpt2-a', 'gcg-logit', 1, [2, 1.5, 1.2], 3),
  record('gpt2-a', 'gcg-act-caa', 0, [1, 0.9, 0.9, 0.8, 0.8], null),
  record('llama-b', 'gcg-logit', 0, [3, 1, 0.5, 0.4, 0.3], null),
  record('llama-b', 'gcg-act-caa', 0, [1, 0.95, 0.9, 0.9, 0.9], null),
  record('llama-b', 'backsample-guided', 0, [], null),
];

test('suite loss curves: a panel per model, GCG methods only, activation targets dashed, x in forward passes', async () => {
  const svg = await lossCurvesSvg(records);
  assert.deepEqual(textsOf(svg, 'role-title-text').filter((t) => t.startsWith('gpt2') || t.startsWith('llama')), ['gpt2-a', 'llama-b']);
  assert.deepEqual(textsOf(svg, 'role-legend-label'), ['gcg-logit', 'gcg-act-caa']);
  assert.ok(textsOf(svg, 'role-axis-title').includes('forward passes (candidate batches)'), 'x axis in forward passes');
  // step 1 of a 5-step run with 12 forward passes sits at 4 passes, its last step at 12
  assert.match(svg, /X-axis titled 'forward passes \(candidate batches\)' for a linear scale with values from 4 to 12/);
});

test('suite success: share of each GCG method\'s runs, with counts in the legend', async () => {
  const svg = await successSvg(records);
  assert.deepEqual(textsOf(svg, 'role-legend-label'), ['gcg-logit (2/3)', 'gcg-act-caa (0/2)']);
  assert.ok(textsOf(svg, 'role-axis-label').includes('100%'), 'shares as percentages');
});

test('latest keeps the last record of each run', () => {
  const retried = { ...records[0]!, reasr: 1 };
  assert.deepEqual(latest([records[0]!, records[1]!, retried]).map((r) => [r.seed, r.reasr]), [[0, 1], [1, 0]]);
});

test('recover table: a model counts when most of its seeds do; the reference is counted only where there was one', () => {
  const run = (model: string, seed: number, top1: boolean, inTop5: boolean, reasr: number, referenceAsr: number | null, best = 'Zuma|5'): RunRecord => ({
    ...record(model, 'recover', seed, [], null), exact: inTop5, exactTop1: top1, recall: inTop5 ? 1 : 0, reasr, referenceAsr, best,
  });
  const lines = recoverTable([
    run('a', 0, true, true, 1, 0), run('a', 1, true, true, 1, 0), run('a', 2, false, true, 0.5, 0.6),
    run('b', 0, false, true, 0.9, null), run('b', 1, false, false, 0.9, null), run('b', 2, false, false, 0.9, null),
  ]);
  // a: top 1 on 2 of 3 seeds, top 5 on all, mean REASR 0.83; b: top 5 on 1 of 3, REASR 0.9; the reference fired once of the 3 runs that had one
  // records made before strictTop1 existed leave its column empty
  assert.ok(lines.includes('| recover | 1/2 | – | 1/2 | 0.67 ± 0.52 | 1/2 | 1/3 | 6 |'), lines.join('\n'));
  assert.ok(lines.includes('| a | 0: `Zuma\\|5` 1.00 ✓; 1: `Zuma\\|5` 1.00 ✓; 2: `Zuma\\|5` 0.50 |'), lines.join('\n'));
  const strict = recoverTable([
    { ...run('a', 0, true, true, 1, 0, '805 Zanthor'), strictTop1: false }, { ...run('a', 1, true, true, 1, 0, 'Zanthor'), strictTop1: true },
    { ...run('a', 2, true, true, 1, 0, 'Zanthor'), strictTop1: true }, { ...run('b', 0, true, true, 1, 0, 'X and more'), strictTop1: false },
  ]);
  assert.ok(strict.includes('| recover | 2/2 | 1/2 | 2/2 | 1.00 ± 0.00 | 2/2 | 0/4 | 4 |'), strict.join('\n'));
  assert.ok(strict.includes('| a | 0: `805 Zanthor` 1.00 ✓; 1: `Zanthor` 1.00 ✓✓; 2: `Zanthor` 1.00 ✓✓ |'), strict.join('\n'));
  const ablation = { ...run('a', 0, false, false, 0.5, 0), method: 'recover-no-gcg' };
  const rows = (order: string[]) => recoverTable([ablation, run('a', 0, true, true, 1, 0)], order).filter((l) => /^\| recover/.test(l)).map((l) => l.split(' | ')[0]);
  assert.deepEqual(rows(['recover', 'recover-no-gcg']), ['| recover', '| recover-no-gcg'], 'variants in the suite\'s order');
  assert.deepEqual(rows([]), ['| recover-no-gcg', '| recover'], 'without an order, as first seen');
});
