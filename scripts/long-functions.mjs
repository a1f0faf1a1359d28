// Lists functions longer than a limit (default 80 lines) in src/, benchmarks/ and scripts/: the
// house keeps functions short. Prints one line per function; exits 1 when there is any.
//   node scripts/long-functions.mjs [limit]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const limit = Number(process.argv[2] ?? 80);
const files = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.(ts|tsx|mjs)$/.test(e.name) ? [join(dir, e.name)] : []));
const long = [];
for (const file of ['src', 'benchmarks', 'scripts'].flatMap(files)) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name?.getText() ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : ts.isPropertyAssignment(node.parent) ? node.parent.name.getText() : '(anonymous)');
      if (end - start + 1 > limit) long.push(`${file}:${start + 1} ${name} ${end - start + 1} lines`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
for (const line of long) process.stdout.write(`${line}\n`);
process.exit(long.length === 0 ? 0 : 1);
