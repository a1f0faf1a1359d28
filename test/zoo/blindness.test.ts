/**
 * Attack code never reads a model's secret.json. Checked statically: from every attack module
 * (src/steer, src/gcg, src/backsample, src/recover, src/jobs, src/tui, src/cli/recover.ts, and the benchmark suite's methods), follow every relative import transitively; none
 * may reach src/zoo/secret.ts, and no file but secret.ts may spell the secret's file name.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '..', '..');
const src = join(root, 'src');
const secretModule = join(src, 'zoo', 'secret.ts');

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : /\.tsx?$/.test(e.name) ? [path] : [];
  });
}

/** Relative imports of a file (static and dynamic), resolved to .ts/.tsx paths. */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.map((s) => {
    const base = resolve(dirname(file), s).replace(/\.js$/, '');
    return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((p) => existsSync(p)) ?? base;
  });
}

function reachable(entries: string[]): Map<string, string> {
  const parent = new Map<string, string>(entries.map((e) => [e, '']));
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (!existsSync(file)) continue;
    for (const next of importsOf(file)) {
      if (!parent.has(next)) {
        parent.set(next, file);
        queue.push(next);
      }
    }
  }
  return parent;
}

test('no attack module can reach secret.ts through its imports', () => {
  // src/jobs/zoo.ts and zoo-base.ts are the zoo's build jobs, not attacks: they write the secret they plant
  const builders = [join(src, 'jobs', 'zoo.ts'), join(src, 'jobs', 'zoo-base.ts')];
  const entries = [...['steer', 'gcg', 'backsample', 'recover', 'jobs', 'tui'].flatMap((d) => sources(join(src, d))).filter((f) => !builders.includes(f)), join(root, 'benchmarks', 'suite', 'methods.ts'), join(src, 'cli', 'recover.ts')];
  assert.ok(entries.some((e) => e.includes(join('src', 'recover', 'pipeline.ts'))), 'the recover pipeline is among the attack modules scanned');
  const seen = reachable(entries);
  if (seen.has(secretModule)) {
    const chain: string[] = [];
    for (let at: string | undefined = secretModule; at; at = seen.get(at) || undefined) chain.push(relative(root, at));
    assert.fail(`attack code reaches secret.ts: ${chain.reverse().join(' -> ')}`);
  }
});

test('the import scan itself finds secret.ts where it is imported (the check can fail)', () => {
  assert.ok(reachable([join(src, 'zoo', 'build.ts')]).has(secretModule));
});

/** A file's code without its comments (so prose may mention the file). */
function code(file: string): string {
  return readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

test("only secret.ts spells the secret file's name in code", () => {
  const offenders = sources(src).filter((f) => f !== secretModule && code(f).includes('secret.json'));
  assert.deepEqual(offenders.map((f) => relative(root, f)), []);
});
