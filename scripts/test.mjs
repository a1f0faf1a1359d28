// The test runner behind `npm test` (Node 20's --test takes no globs):
//   node scripts/test.mjs            checks, then the unit pass, then the end-to-end pass (what CI runs)
//   node scripts/test.mjs --check    the house rules only: layers (dependency-cruiser), unused files and
//                                    exports (knip), functions over 80 lines, types (tsc)
//   node scripts/test.mjs --unit     test files that run in this process (seconds to a few minutes)
//   node scripts/test.mjs --e2e      *.e2e.test.ts: test files that start child processes or tmux (the CLI, the UI's
//                                    job processes, the suite)
//   node scripts/test.mjs <files>    just those test files
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : findTests(path);
    return /\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/**
 * A test is end-to-end when it starts processes (the CLI as a user runs it, job processes, tmux); its
 * name says so: *.e2e.test.ts. A file that starts processes under another name is an error, so the
 * unit pass never waits on a child process unawares.
 */
const startsProcesses = (file) => /from 'node:child_process'|\blaunchJob\(|\brunCases\(|\btmux\b/.test(readFileSync(file, 'utf8'));
const isEndToEnd = (file) => /\.e2e\.test\.tsx?$/.test(file);

function run(label, command, args) {
  process.stderr.write(`\n== ${label}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  return result.status ?? 1;
}

const bin = (name) => join('node_modules', '.bin', name);
const checks = () =>
  [
    run('layers (dependency-cruiser)', bin('depcruise'), ['src', 'benchmarks']),
    run('unused files and exports (knip)', bin('knip'), []),
    run('functions over 80 lines', process.execPath, ['scripts/long-functions.mjs']),
    run('types (tsc)', bin('tsc'), ['--noEmit']),
  ].find((code) => code !== 0) ?? 0;
const tests = (label, files) => (files.length === 0 ? 0 : run(label, process.execPath, ['--import', 'tsx', '--test', ...files]));

const [mode, ...rest] = process.argv.slice(2);
const all = findTests('test').sort();
const misnamed = all.filter((f) => !isEndToEnd(f) && startsProcesses(f));
if (misnamed.length > 0) {
  process.stderr.write(`these tests start processes; name them *.e2e.test.ts: ${misnamed.join(', ')}\n`);
  process.exit(1);
}
const unit = all.filter((f) => !isEndToEnd(f));
const e2e = all.filter(isEndToEnd);
let code;
if (mode === '--check') code = checks();
else if (mode === '--unit') code = tests('unit tests', unit);
else if (mode === '--e2e') code = tests('end-to-end tests', e2e);
else if (mode !== undefined) code = tests('tests', [mode, ...rest]);
else code = [checks(), tests('unit tests', unit), tests('end-to-end tests', e2e)].find((c) => c !== 0) ?? 0;
process.exit(code);
