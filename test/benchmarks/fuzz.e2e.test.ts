/**
 * A fast subset of the fuzz campaign (benchmarks/fuzz.ts runs 1000+ cases): every kind of malformed
 * input through the real CLI, plus the controls, judged by the same rules. Also checks that the
 * campaign's cases are the same for the same seed, and that its judge catches what it should.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeBases } from '../../benchmarks/fuzz/bases.js';
import type { Bases, FuzzCase } from '../../benchmarks/fuzz/case.js';
import { kinds } from '../../benchmarks/fuzz/case.js';
import { generateCases } from '../../benchmarks/fuzz/cases.js';
import { judge, killAllCases, runCases, snapshot } from '../../benchmarks/fuzz/run.js';

const work = mkdtempSync(join(tmpdir(), 'tf-fuzz-test-'));
after(() => {
  killAllCases();
  rmSync(work, { recursive: true, force: true });
});
let bases: Bases;
before(() => {
  bases = makeBases(join(work, 'bases'));
}, { timeout: 180_000 });

test('the fuzz subset: every kind refused in one line with the right exit code, controls pass', { timeout: 300_000 }, async () => {
  const cases = generateCases(45, 11, bases);
  const basesBefore = snapshot(bases.dir);
  const results = await runCases(cases, { workDir: work, basesDir: bases.dir, concurrency: 2, timeoutMs: 60_000, memoryMb: 3072, processEvery: 9, niceness: 5 });
  const failed = results.filter((r) => r.failures.length > 0).map((r) => `${r.id} (${r.mutation}): ${r.failures.join(', ')}; exit ${r.code}; ${r.stderr.trim().slice(-200)}`);
  assert.deepEqual(failed, []);
  assert.deepEqual(new Set(results.map((r) => r.kind)), new Set(kinds));
  assert.ok(results.some((r) => r.control) && results.filter((r) => r.control).every((r) => r.failures.length === 0));
  assert.ok(results.some((r) => r.mode === 'process') && results.some((r) => r.mode === 'in-process'));
  assert.deepEqual(snapshot(bases.dir), basesBefore, 'no base file changed');
});

test('the same seed gives the same cases', () => {
  const ids = (cs: FuzzCase[]) => cs.map((c) => `${c.id} ${c.mutation} ${c.argv.join(' ')}`);
  assert.deepEqual(ids(generateCases(60, 3, bases)), ids(generateCases(60, 3, bases)));
  assert.notDeepEqual(ids(generateCases(60, 3, bases)), ids(generateCases(60, 4, bases)));
});

test('the judge flags a silent acceptance, a stack trace, two error lines and a changed file', () => {
  const c: FuzzCase = { id: 'x', kind: 'config', mutation: 'm', files: {}, argv: [], expect: 1 };
  const none = new Map<string, string>();
  assert.deepEqual(judge(c, { code: 0, stdout: 'ok\n', stderr: '', ms: 1 }, none, none), ['silent acceptance', 'not one error line', 'output on stdout']);
  assert.ok(judge(c, { code: 1, stdout: '', stderr: 'TypeError: x\n    at f (/a/b.ts:1:2)\n', ms: 1 }, none, none).includes('stack trace'));
  assert.ok(judge(c, { code: 1, stdout: '', stderr: 'triggerfish: a\ntriggerfish: b\n', ms: 1 }, none, none).includes('not one error line'));
  assert.ok(judge(c, { code: 1, stdout: '', stderr: 'triggerfish: bad \u0000 byte\n', ms: 1 }, none, none).includes('raw control bytes'));
  assert.deepEqual(judge(c, { code: 1, stdout: '', stderr: 'triggerfish: fine\n', ms: 1 }, new Map([['/f', 'a']]), new Map([['/f', 'b']])), ['file changed or deleted: f']);
  assert.deepEqual(judge(c, { code: 1, stdout: '', stderr: 'progress\ntriggerfish: fine\n', ms: 1 }, none, none), []);
});
