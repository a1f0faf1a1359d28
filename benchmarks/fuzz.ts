/**
 * The fuzz campaign (npm run bench:fuzz): malformed inputs of every kind triggerfish reads, made from the
 * shipped fixtures and models, each run through the real CLI with a time and memory limit. Prints one
 * JSON line per failing case, one per kind with its counts, and a total; exits 1 if any case failed.
 *
 *   npm run bench:fuzz -- [--cases 1000] [--seed 1] [--concurrency 2] [--kinds config,state] [--process-every 20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeBases } from './fuzz/bases.js';
import type { Kind } from './fuzz/case.js';
import { kinds } from './fuzz/case.js';
import { generateCases } from './fuzz/cases.js';
import { summarise } from './fuzz/summary.js';
import { killAllCases, runCases, snapshot } from './fuzz/run.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '2' },
    kinds: { type: 'string' },
    'process-every': { type: 'string', default: '20' },
    'timeout-ms': { type: 'string', default: '60000' },
    'memory-mb': { type: 'string', default: '3072' },
    keep: { type: 'boolean', default: false },
  },
});
const only = values.kinds ? (values.kinds.split(',') as Kind[]) : [];
const unknown = only.find((k) => !kinds.includes(k));
if (unknown) {
  process.stderr.write(`fuzz: unknown kind ${unknown}; kinds: ${kinds.join(', ')}\n`);
  process.exit(2);
}
const log = (line: string) => process.stderr.write(`${line}\n`);
// Case processes lead their own process groups, out of the terminal's reach: stopping the campaign stops them.
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.on(name, () => {
    killAllCases();
    process.exit(130);
  });
}
const work = mkdtempSync(join(tmpdir(), 'triggerfish-fuzz-'));
const started = performance.now();
const bases = makeBases(join(work, 'bases'), log);
const basesBefore = snapshot(bases.dir);
const cases = generateCases(Number(values.cases), Number(values.seed), bases, only);
log(`fuzz: ${cases.length} cases in ${work}`);
let done = 0;
const results = await runCases(
  cases,
  {
    workDir: work,
    basesDir: bases.dir,
    concurrency: Number(values.concurrency),
    timeoutMs: Number(values['timeout-ms']),
    memoryMb: Number(values['memory-mb']),
    processEvery: Number(values['process-every']),
    niceness: 10,
  },
  (r) => {
    if (r.failures.length > 0) process.stdout.write(JSON.stringify({ failed: r.id, failures: r.failures, mutation: r.mutation, mode: r.mode, expect: r.expect, code: r.code, stderr: r.stderr.slice(-400) }) + '\n');
    if (++done % 50 === 0) log(`fuzz: ${done}/${cases.length}`);
  },
);
const basesAfter = snapshot(bases.dir);
const basesChanged = [...basesBefore].filter(([path, hash]) => basesAfter.get(path) !== hash).map(([path]) => path);
const lines = summarise(results, basesChanged, (performance.now() - started) / 1000, Number(values.seed));
for (const line of lines) process.stdout.write(JSON.stringify(line) + '\n');
const failed = results.filter((r) => r.failures.length > 0).length + basesChanged.length;
if (!values.keep && failed === 0) rmSync(work, { recursive: true, force: true });
process.exitCode = failed > 0 ? 1 : 0;
