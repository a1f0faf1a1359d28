import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BadInputError } from '../../src/errors.js';
import type { TopLevelSpec } from '../../src/plot/index.js';
import {
  cumulativeShares, landscapeChart, landscapeChartSpec, learningCurve, learningCurveSpec, lineChart, lineChartSpec, renderSvg, shareBelow,
  stepChart, stepChartSpec, summariseLines, sweepChart, sweepChartSpec,
} from '../../src/plot/index.js';
import { measureTextWidth } from '../../src/plot/text-width.js';
import { landscape, learningRecords, lossPoints, methods, models, outcomes, sweepPoints } from './fixtures.js';
import { linePaths, sceneBoxes, textsOf } from './scene.js';

const lineOptions = { title: 'Best loss', xTitle: 'forward passes (batches)', yTitle: 'best loss / first', seriesTitle: 'method', logY: true, dashed: ['activation'] };
const stepOptions = { xTitle: 'forward passes (batches)', seriesTitle: 'method', xMax: 52 };
const learningOptions = { metrics: { loss: { title: 'held-out loss (nats/token)' }, accuracy: { title: 'clean accuracy', format: '.0%', domain: [0, 1] as [number, number] } } };
const land = landscape();

/** Axis titles present, each axis with at least three numeric tick labels. */
function assertAxes(svg: string, titles: string[]): void {
  const axisTitles = textsOf(svg, 'role-axis-title');
  for (const t of titles) assert.ok(axisTitles.includes(t), `axis title '${t}' in ${JSON.stringify(axisTitles)}`);
  const ticks = textsOf(svg, 'role-axis-label');
  assert.ok(ticks.filter((t) => /\d/.test(t)).length >= 6, `tick labels on both axes: ${JSON.stringify(ticks)}`);
}

/** The spec compiles and runs without a warning, and every legend lies right of every data mark. */
async function assertLegendOutside(spec: TopLevelSpec): Promise<void> {
  const { boxes, warnings } = await sceneBoxes(spec);
  assert.deepEqual(warnings, [], 'vega-lite and vega raise no warning');
  const legends = boxes.filter((b) => b.role === 'legend');
  const data = boxes.filter((b) => b.role === 'mark');
  assert.ok(legends.length >= 1, 'a legend is drawn');
  assert.ok(data.length >= 1, 'data marks are drawn');
  const right = Math.max(...data.map((b) => b.x2));
  for (const l of legends) assert.ok(l.x1 >= right, `legend at x ${l.x1} starts right of the data (up to x ${right})`);
}

describe('plots render from fixture data', () => {
  test('lineChart: mean ± range per (facet, series, x), one panel per model, solid and dashed series', async () => {
    const points = lossPoints();
    const summary = summariseLines(points, { spread: 'range' });
    assert.equal(summary.length, models.length * methods.length * 10);
    const first = summary.find((s) => s.facet === 'gpt2-a' && s.series === 'logit' && s.x === 4)!;
    const ys = points.filter((p) => p.facet === 'gpt2-a' && p.series === 'logit' && p.x === 4).map((p) => p.y);
    assert.equal(first.n, 3);
    assert.equal(first.low, Math.min(...ys));
    assert.equal(first.high, Math.max(...ys));
    assert.ok(Math.abs(first.mean - ys.reduce((a, b) => a + b) / 3) < 1e-12, 'the mean of the three seeds');

    const sd = summariseLines([1, 2, 3].map((y) => ({ x: 0, y, series: 's' })), { spread: 'sd' })[0]!;
    assert.deepEqual([sd.low, sd.mean, sd.high, sd.n], [1, 2, 3, 3], 'mean ± one sample standard deviation');
    const spec = lineChartSpec(points, lineOptions);
    const svg = await renderSvg(spec);
    assertAxes(svg, ['forward passes (batches)', 'best loss / first']);
    assert.deepEqual(textsOf(svg, 'role-title-text').filter((t) => models.includes(t)).sort(), [...models].sort(), 'one panel titled per model');
    assert.equal(textsOf(svg, 'role-title-text').filter((t) => models.includes(t)).length, models.length);
    assert.deepEqual(textsOf(svg, 'role-legend-label'), methods);
    assert.equal((svg.match(/class="mark-area role-mark/g) ?? []).length, models.length * methods.length, 'a band per model and method');
    assert.equal((svg.match(/stroke-dasharray="6,3"/g) ?? []).length, models.length + 1, 'activation dashed in each panel and in the legend');
    await assertLegendOutside(spec);
  });

  test('stepChart: cumulative shares are step functions that end at the budget', async () => {
    const shares = cumulativeShares(outcomes, 52).filter((p) => p.series === 'logit');
    assert.deepEqual(shares.map((p) => [p.x, p.share]), [[0, 0], [12, 0.25], [22, 0.75], [52, 0.75]], 'ties merge into one jump');
    const spec = stepChartSpec(outcomes, stepOptions);
    const svg = await stepChart(outcomes, stepOptions);
    assertAxes(svg, ['forward passes (batches)', 'share of runs']);
    assert.ok(textsOf(svg, 'role-axis-label').includes('100%'), 'shares read as percentages');
    assert.deepEqual(textsOf(svg, 'role-legend-label'), ['logit (3/4)', 'activation (1/4)']);
    const paths = linePaths(svg);
    assert.equal(paths.length, 2);
    for (const path of paths) {
      assert.ok(path.length >= 4, `a step path has its corners: ${path.length}`);
      for (let i = 1; i < path.length; i++) {
        const [[x0, y0], [x1, y1]] = [path[i - 1]!, path[i]!];
        assert.ok(x0 === x1 || y0 === y1, `segment ${i} is horizontal or vertical (a step), got (${x0},${y0}) → (${x1},${y1})`);
        assert.ok(y1 <= y0, 'a cumulative share never falls (y grows downwards)');
      }
    }
    await assertLegendOutside(spec);
  });

  test('sweepChart: the grid as ticks on a log axis, the knee marked and labelled', async () => {
    const knee = sweepPoints[3]!;
    const svg = await sweepChart(sweepPoints, knee, { title: 'diversity <vs> R', xTitle: 'R', yTitle: 'embedding variance', logX: 2, kneeLabel: (x) => `knee: R = ${x}` });
    assertAxes(svg, ['R', 'embedding variance']);
    const ticks = textsOf(svg, 'role-axis-label');
    for (const x of ['2', '4', '8', '12', '16', '24', '32']) assert.ok(ticks.includes(x), `grid value ${x} labelled`);
    assert.ok(svg.includes('diversity &lt;vs&gt; R'), 'title escaped');
    assert.ok(textsOf(svg, 'role-mark').includes('knee: R = 12'), 'the knee is labelled');
    assert.ok(svg.includes('class="mark-rule role-mark'), 'a rule marks the knee');
    assert.deepEqual((await sceneBoxes(sweepChartSpec(sweepPoints, knee, { logX: 2 }))).warnings, [], 'no warning');
    const bare = await sweepChart(sweepPoints, null);
    assert.doesNotMatch(bare, /knee/);
    const bareSpec = sweepChartSpec(sweepPoints, null);
    assert.equal('layer' in bareSpec ? bareSpec.layer.length : 0, 1, 'the curve alone');
  });

  test('learningCurve: one panel per metric with its own axis title, families coloured, legend outside', async () => {
    const records = learningRecords();
    const spec = learningCurveSpec(records, learningOptions);
    const svg = await learningCurve(records, learningOptions);
    assertAxes(svg, ['held-out loss (nats/token)', 'clean accuracy', 'training step']);
    assert.equal(textsOf(svg, 'role-axis-title').filter((t) => t === 'training step').length, 2, 'two panels');
    assert.ok(textsOf(svg, 'role-axis-label').includes('100%'), 'accuracy as a percentage on a fixed [0, 1] axis');
    assert.ok(textsOf(svg, 'role-axis-label').includes('2,000'), `steps as whole numbers: ${textsOf(svg, 'role-axis-label')}`);
    assert.deepEqual(textsOf(svg, 'role-legend-label'), ['arithmetic', 'copy']);
    assert.equal(linePaths(svg).length, 4, 'two families × two metrics');
    await assertLegendOutside(spec);
  });

  test('landscapeChart: histograms per objective and marked vectors ranked against the random ones', async () => {
    assert.equal(shareBelow([1, 2, 3, 4], 2.5), 0.5);
    assert.equal(shareBelow([1, 2, 3, 4], 2), 0.375, 'a tie counts half');
    assert.equal(shareBelow([1, 2], 9), 1);
    const options = { objectives: { 'MELBO objective': { title: 'MELBO objective (Σ‖Δh‖)' } }, logX: true };
    const spec = landscapeChartSpec(land.values, land.marks, options);
    const svg = await landscapeChart(land.values, land.marks, options);
    assertAxes(svg, ['MELBO objective (Σ‖Δh‖)', 'DCT objective', "share of the group's vectors"]);
    const randomMelbo = land.values.filter((v) => v.objective === 'MELBO objective' && v.group === 'random').map((v) => v.value);
    const labels = textsOf(svg, 'role-mark');
    // each mark: its name, and under it where it ranks among the random vectors
    assert.deepEqual(labels, ['θ_Y', 'δ_X', `above ${Math.round(shareBelow(randomMelbo, 1.5) * 100)}% of random`, 'above all random', 'θ_Y', 'above all random']);
    assert.deepEqual(textsOf(svg, 'role-legend-label'), ['random', 'MELBO vectors']);
    await assertLegendOutside(spec);
    const perNorm = [...[1, 2, 3].map((value) => ({ objective: 'o', group: 'random, R 4', value })), ...[10, 20].map((value) => ({ objective: 'o', group: 'random, R 8', value }))];
    const ranked = textsOf(await landscapeChart(perNorm, [{ objective: 'o', label: 'θ_Y', value: 15, against: 'random, R 8' }]), 'role-mark');
    assert.ok(ranked.includes('above 50% of random, R 8'), `ranked against its own norm: ${JSON.stringify(ranked)}`);
    assert.throws(() => landscapeChartSpec([{ objective: 'o', group: 'random', value: 0 }], [], { logX: true }), BadInputError);
  });

  test('the same data gives the same bytes (clip and gradient ids do not drift between renders)', async () => {
    const spec = lineChartSpec(lossPoints(), lineOptions);
    const [a, b] = [await renderSvg(spec), await renderSvg(spec)];
    assert.equal(a, b);
    assert.equal(await lineChart(lossPoints(), lineOptions), a);
  });
});

test('every chart given nothing says so instead of drawing empty axes', async () => {
  const empties: [string, TopLevelSpec][] = [
    ['points', lineChartSpec([], { xTitle: 'x', yTitle: 'y', logY: true })],
    ['runs', stepChartSpec([], { xTitle: 'x' })],
    ['sweep points', sweepChartSpec([], null)],
    ['learning-curve records', learningCurveSpec([])],
    ['objective values', landscapeChartSpec([], [])],
  ];
  for (const [what, spec] of empties) {
    const svg = await renderSvg(spec);
    assert.ok(textsOf(svg, 'role-mark').includes(`nothing to plot: no ${what}`), `${what}: ${JSON.stringify(textsOf(svg, 'role-mark'))}`);
    assert.deepEqual((await sceneBoxes(spec)).warnings, [], `${what}: no warning`);
  }
});

test('text widths come from DejaVu Sans metrics, bold a tenth wider, one line at a time', () => {
  assert.ok(Math.abs(measureTextWidth({ fontSize: 10 }, 'Hi') - (0.752 + 0.278) * 10) < 1e-9, 'H and i from the table');
  assert.ok(Math.abs(measureTextWidth({ fontSize: 10, fontWeight: 'bold' }, 'Hi') - 1.1 * (0.752 + 0.278) * 10) < 1e-9, 'bold');
  assert.equal(measureTextWidth({ fontSize: 12 }, '  0.5  '), measureTextWidth({ fontSize: 12 }, '0.5'), 'trimmed as vega trims');
  assert.equal(measureTextWidth({ fontSize: 12 }, null), 0);
  assert.ok(measureTextWidth({ fontSize: 12 }, 'θ_Y') > measureTextWidth({ fontSize: 12 }, 'a_Y'), 'non-ASCII measured wide');
});
