// Compares two suite result files record by record, ignoring every field named "seconds" (wall
// time differs between runs; nothing else may). Prints one JSON line; exits 1 on any difference.
//   node scripts/suite-diff.mjs <before/suite-quick.jsonl> <after/suite-quick.jsonl>
import { readFileSync } from 'node:fs';

const [beforeFile, afterFile] = process.argv.slice(2);
if (!beforeFile || !afterFile) {
  process.stderr.write('usage: node scripts/suite-diff.mjs <before.jsonl> <after.jsonl>\n');
  process.exit(2);
}
const strip = (v) => (Array.isArray(v) ? v.map(strip) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().filter((k) => k !== 'seconds').map((k) => [k, strip(v[k])])) : v);
const load = (file) => new Map(readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).map((r) => [`${r.model}|${r.method}|${r.seed}`, JSON.stringify(strip(r))]));
const before = load(beforeFile);
const after = load(afterFile);
const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
const differing = keys.filter((k) => before.get(k) !== after.get(k));
for (const k of differing) process.stderr.write(`${k}\n  before ${before.get(k) ?? '(missing)'}\n  after  ${after.get(k) ?? '(missing)'}\n`);
process.stdout.write(JSON.stringify({ bench: 'suite_diff', records: keys.length, identical: keys.length - differing.length, differing: differing.length }) + '\n');
process.exit(differing.length === 0 ? 0 : 1);
