/** Counts per kind and in total, as the JSON lines the campaign prints. */
import type { CaseResult } from './run.js';

const tallies = {
  stackTraces: 'stack trace',
  internalErrors: 'internal error',
  hangs: 'hang',
  memory: 'memory',
  crashes: 'crash',
  silentAcceptances: 'silent acceptance',
  wrongExitCodes: 'wrong exit code',
  notOneErrorLine: 'not one error line',
  stdout: 'output on stdout',
  rawControlBytes: 'raw control bytes',
} as const;

function count(results: CaseResult[]) {
  const counts: Record<string, number> = { cases: results.length, passed: results.filter((r) => r.failures.length === 0).length };
  for (const [key, failure] of Object.entries(tallies)) counts[key] = results.filter((r) => r.failures.includes(failure)).length;
  counts.filesChangedOrDeleted = results.filter((r) => r.failures.some((f) => f.startsWith('file changed') || f.startsWith('half-written'))).length;
  counts.inProcess = results.filter((r) => r.mode === 'in-process').length;
  counts.childProcesses = results.filter((r) => r.mode === 'process').length;
  counts.exit1 = results.filter((r) => r.code === 1).length;
  counts.exit2 = results.filter((r) => r.code === 2).length;
  counts.meanMs = Math.round(results.reduce((s, r) => s + r.ms, 0) / Math.max(1, results.length));
  return counts;
}

export function summarise(results: CaseResult[], basesChanged: string[], seconds: number, seed: number): object[] {
  const fuzzed = results.filter((r) => !r.control);
  const kinds = [...new Set(fuzzed.map((r) => r.kind))];
  return [
    ...kinds.map((kind) => ({ kind, ...count(fuzzed.filter((r) => r.kind === kind)) })),
    { controls: results.length - fuzzed.length, controlsPassed: results.filter((r) => r.control && r.failures.length === 0).length },
    { total: true, seed, ...count(fuzzed), baseFilesChanged: basesChanged.length, seconds: Math.round(seconds) },
  ];
}
