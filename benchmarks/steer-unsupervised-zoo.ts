/**
 * Issue 14's table: benchmarks/steer-unsupervised.ts on every backdoored model of a zoo folder with a
 * string trigger (the benchmark inserts X to measure δ_X; content triggers are skipped), for each seed,
 * on the model's default steering pair (defaultLayers: the pair every attack uses), appending the
 * benchmark's JSON lines to --out. Resumable: a (model, seed) whose summary line is already in --out is
 * not run again. Then (or with --table alone) a markdown table per model, over seeds: the best held-out
 * share of prompts showing Y for MELBO, DCT, the θ_Y-ranked feature and random vectors of the same
 * norm, θ_Y steering alone, δ_X (the trigger's own shift, scorer side), θ_Y's landscape percentiles on
 * MELBO's and DCT's objective, and the anomaly monitor's AUROC against clean prompts (mean over seeds).
 *
 *   npx tsx benchmarks/steer-unsupervised-zoo.ts --models models --seeds 0,1,2 --out benchmarks/results/steer-unsupervised-v2.jsonl [--table]
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { listModelDirs, readCard } from '../src/zoo/card.js';
import { readSecret } from '../src/zoo/secret.js';
import { defaultLayers } from '../src/steer/layers.js';
import { readConfig } from '../src/model/checkpoint.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'models' },
    seeds: { type: 'string', default: '0,1,2' },
    out: { type: 'string', default: 'benchmarks/results/steer-unsupervised-v2.jsonl' },
    only: { type: 'string' },
    table: { type: 'boolean', default: false },
  },
});
const out = values.out!;
type Row = Record<string, any>;
const readRows = (): Row[] => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Row) : []);

/** Backdoored models of the folder whose (first) trigger is a string the benchmark can insert. */
function stringTriggerModels(root: string): string[] {
  const only = values.only ? new Set(values.only.split(',')) : null;
  return listModelDirs(root)
    .map((dir) => basename(dir))
    .filter((name) => (!only || only.has(name)) && readCard(join(root, name)).behaviours.length > 0 && readSecret(join(root, name)).backdoors[0]!.trigger.kind !== 'content');
}

if (!values.table) {
  const seeds = values.seeds!.split(',').map(Number);
  const done = new Set(readRows().filter((r) => r.bench === 'steer_unsupervised_summary').map((r) => `${r.model}|${r.seed}`));
  for (const name of stringTriggerModels(values.models!)) {
    const dir = join(values.models!, name);
    const { source, target } = defaultLayers(readConfig(dir).nLayers);
    for (const seed of seeds) {
      if (done.has(`${name}|${seed}`)) continue;
      process.stderr.write(`${name} seed ${seed}, pair ${source}-${target}\n`);
      const run = spawnSync(process.execPath, [...process.execArgv, 'benchmarks/steer-unsupervised.ts', '--model', dir, '--seed', String(seed), '--pairs', `${source}-${target}`, '--skip-sweep'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      // only a finished run's lines are kept: a run cut short is run again in full
      if (run.status !== 0) throw new Error(`${name} seed ${seed} failed (exit ${run.status}); rerun to resume`);
      appendFileSync(out, run.stdout);
    }
  }
}

const rows = readRows();
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const fmt = (xs: number[]) => `${(100 * mean(xs)).toFixed(0)} % (${xs.map((x) => (100 * x).toFixed(0)).join(', ')})`;
const lines = [
  '| model, pair | seeds | best MELBO | best DCT | θ_Y-ranked feature | log p-ranked feature | random, same norm | θ_Y itself | δ_X (own norm) | θ_Y percentile MELBO / DCT | monitor AUROC vs clean: DCT / MELBO / θ_Y / random |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const name of [...new Set(rows.filter((r) => r.bench === 'steer_unsupervised_summary').map((r) => r.model as string))].sort()) {
  const summaries = rows.filter((r) => r.bench === 'steer_unsupervised_summary' && r.model === name);
  const details = rows.filter((r) => r.bench === 'steer_unsupervised' && r.model === name);
  const percentiles = details.map((d) => `${d.percentiles['θ_Y'].melbo.toFixed(0)} / ${d.percentiles['θ_Y'].dct.toFixed(0)}`);
  const auroc = (kind: string) => mean(details.map((d) => d.monitor[kind].clean)).toFixed(2);
  lines.push(
    `| ${name}, ${details[0]?.pair ?? '?'} | ${summaries.map((s) => s.seed).join(', ')} | ${fmt(summaries.map((s) => s.bestMelbo))} | ${fmt(summaries.map((s) => s.bestDct))} | ${fmt(summaries.map((s) => s.bestThetaRanked))} | ${fmt(summaries.map((s) => s.bestLogpRanked))} | ${fmt(summaries.map((s) => s.bestRandom))} | ${fmt(summaries.map((s) => s.thetaY))} | ${fmt(details.map((d) => d.probes.deltaX))} | ${percentiles.join('; ')} | ${['dct', 'melbo', 'supervised', 'random'].map(auroc).join(' / ')} |`,
  );
}
console.log(lines.join('\n'));
