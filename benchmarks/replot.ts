/**
 * Redraws the committed plots from their data, without rerunning anything: the suite's plots from
 * each <results>/suite-<budget>.jsonl, and each docs/steer/r-sweep-*.json (the output of
 * `triggerfish steer sweep --json`) as the SVG beside it.
 *
 *   npm run bench:replot [-- --results benchmarks/results --sweeps docs/steer]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rSweepLabels, sweepChart, writeFileAtomic } from '../src/plot/index.js';
import type { RunRecord } from './suite/report.js';
import { latest, lossCurvesSvg, successSvg } from './suite/report.js';

const { values } = parseArgs({ options: { results: { type: 'string', default: 'benchmarks/results' }, sweeps: { type: 'string', default: 'docs/steer' } } });
const written: string[] = [];
const write = (file: string, svg: string) => {
  writeFileAtomic(file, svg);
  written.push(file);
};

for (const name of existsSync(values.results) ? readdirSync(values.results).sort() : []) {
  const match = /^suite-(.+)\.jsonl$/.exec(name);
  if (!match) continue;
  const records = latest(readFileSync(join(values.results, name), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord));
  write(join(values.results, `suite-${match[1]}-losses.svg`), await lossCurvesSvg(records));
  write(join(values.results, `suite-${match[1]}-success.svg`), await successSvg(records));
}

interface SweepFile {
  points: { R: number; embeddingVariance: number }[];
  kneeR: number | null;
}
for (const name of existsSync(values.sweeps) ? readdirSync(values.sweeps).sort() : []) {
  if (!/^r-sweep-.+\.json$/.test(name)) continue;
  const sweep = JSON.parse(readFileSync(join(values.sweeps, name), 'utf8')) as SweepFile;
  const points = sweep.points.map((p) => ({ x: p.R, y: p.embeddingVariance }));
  const knee = points.find((p) => p.x === sweep.kneeR) ?? null;
  write(join(values.sweeps, name.replace(/\.json$/, '.svg')), await sweepChart(points, knee, rSweepLabels));
}
process.stdout.write(`${JSON.stringify({ bench: 'replot', written })}\n`);
