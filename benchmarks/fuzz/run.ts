/**
 * Runs fuzz cases against the real CLI and judges each: the exit code the case expects, one error line
 * (the last line, starting "triggerfish: "), no stack trace, no internal error, no raw control bytes,
 * nothing on stdout, no hang (time limit), no runaway memory (RSS limit), and no file of the case
 * folder changed, deleted or left half-written. Most cases run in-process in worker processes; every
 * processEvery-th case runs as its own `node bin/triggerfish.js` process.
 */
import type { ChildProcess } from 'node:child_process';
import { fork, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './bases.js';
import type { FuzzCase } from './case.js';

export interface RunOptions {
  workDir: string;
  basesDir: string;
  concurrency: number;
  timeoutMs: number;
  memoryMb: number;
  /** Every n-th case runs as a real child process (0: none). */
  processEvery: number;
  niceness: number;
  log?: (line: string) => void;
}

export interface CaseResult {
  id: string;
  kind: string;
  mutation: string;
  expect: number;
  control: boolean;
  mode: 'in-process' | 'process';
  code: number | null;
  stderr: string;
  stdout: string;
  ms: number;
  failures: string[];
}

interface Raw {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  ended?: 'hang' | 'memory' | 'crash';
}

const workerFile = fileURLToPath(new URL('./worker.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');

function substitute(argv: string[], caseDir: string, basesDir: string): string[] {
  return argv.map((a) => a.replaceAll('{case}', caseDir).replaceAll('{bases}', basesDir));
}

function layOut(c: FuzzCase, dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, file] of Object.entries(c.files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    if (Buffer.isBuffer(file)) writeFileSync(path, file);
    else symlinkSync(file.link, path);
  }
}

/**
 * path → content hash (links: their target and its content), for every file under dir. A model
 * folder's `.cache/` is skipped: it holds triggerfish's own derived files (ONNX graphs, rebuilt when
 * missing), which a run may add to; the user's files are everything else.
 */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const stat = lstatSync(path);
      if (stat.isDirectory() && name === '.cache') continue;
      if (stat.isDirectory()) walk(path);
      else if (stat.isSymbolicLink()) out.set(path, `link ${readlinkSync(path)} ${hashOf(path)}`);
      else out.set(path, hashOf(path));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

function hashOf(path: string): string {
  try {
    return createHash('sha1').update(readFileSync(path)).digest('hex');
  } catch {
    return 'unreadable';
  }
}

function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Every case process (and worker) leads its own process group, so that killing it takes along what it
 * started (zoo build's trainers): a killed parent can forward nothing.
 */
const groups = new Set<number>();

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

function adopt(child: ChildProcess, options: RunOptions): ChildProcess {
  if (child.pid === undefined) return child;
  const pid = child.pid;
  groups.add(pid);
  child.once('exit', () => {
    groups.delete(pid);
    try {
      process.kill(-pid, 'SIGKILL'); // anything the case left running in its group
    } catch {
      // the group is already empty
    }
  });
  if (options.niceness) setPriority(pid, options.niceness);
  return child;
}

/** Kills every case process group still running (the campaign itself is stopping). */
export function killAllCases(): void {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** Kills the child's group when it runs past the time or memory limit; says which limit ended it. */
function watch(child: ChildProcess, options: RunOptions): { stop(): void; reason(): 'hang' | 'memory' | undefined } {
  let reason: 'hang' | 'memory' | undefined;
  const timer = setTimeout(() => {
    reason = 'hang';
    killGroup(child);
  }, options.timeoutMs);
  const poll = setInterval(() => {
    if (child.pid !== undefined && rssMb(child.pid) > options.memoryMb) {
      reason = 'memory';
      killGroup(child);
    }
  }, 200);
  return {
    stop: () => {
      clearTimeout(timer);
      clearInterval(poll);
    },
    reason: () => reason,
  };
}

function runAsProcess(argv: string[], cwd: string, options: RunOptions): Promise<Raw> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = adopt(spawn(process.execPath, [`--max-old-space-size=${options.memoryMb}`, bin, ...argv], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true }), options);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const watcher = watch(child, options);
    child.on('close', (code) => {
      watcher.stop();
      const ended = watcher.reason() ?? (code === null ? 'crash' : undefined);
      resolve({ code, stdout, stderr, ms: performance.now() - started, ...(ended && { ended }) });
    });
  });
}

/** One worker process of a lane, started on demand and replaced after a hang, a crash or recycleEvery cases. */
class Lane {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private served = 0;
  private readonly options: RunOptions;
  private readonly cwd: string;
  constructor(options: RunOptions, cwd: string) {
    this.options = options;
    this.cwd = cwd;
  }

  private start(): Promise<void> {
    const child = adopt(fork(workerFile, [], { cwd: this.cwd, execArgv: ['--import', tsxLoader, `--max-old-space-size=${this.options.memoryMb}`], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true }), this.options);
    child.stderr!.resume(); // stray writes from outside a case (none expected) must not block the worker
    this.child = child;
    this.served = 0;
    return new Promise((resolve) => child.once('message', () => resolve()));
  }

  async run(argv: string[]): Promise<Raw> {
    if (!this.child || this.served >= 150) {
      this.kill();
      this.ready = this.start();
    }
    await this.ready;
    const child = this.child!;
    this.served++;
    const started = performance.now();
    return new Promise((resolve) => {
      const watcher = watch(child, this.options);
      const onMessage = (message: Raw) => {
        finish();
        resolve(message);
      };
      const onExit = () => {
        finish();
        this.child = null;
        resolve({ code: null, stdout: '', stderr: '', ms: performance.now() - started, ended: watcher.reason() ?? 'crash' });
      };
      const finish = () => {
        watcher.stop();
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ argv });
    });
  }

  kill(): void {
    if (this.child) killGroup(this.child);
    this.child = null;
  }
}

const stackLine = /^\s+at .+(\(.*:\d+:\d+\)|:\d+:\d+)$|node:internal|^\w*Error: /m;
const rawControl = /[\u0000-\u0008\u000b-\u001f\u007f]/;

export function judge(c: FuzzCase, raw: Raw, before: Map<string, string>, after: Map<string, string>): string[] {
  const failures: string[] = [];
  const output = raw.stdout + raw.stderr;
  if (raw.ended) failures.push(raw.ended);
  else if (raw.code !== c.expect) failures.push(c.expect !== 0 && raw.code === 0 ? 'silent acceptance' : 'wrong exit code');
  if (output.includes('internal error')) failures.push('internal error');
  if (stackLine.test(output)) failures.push('stack trace');
  if (rawControl.test(output)) failures.push('raw control bytes');
  if (c.expect !== 0 && !raw.ended) {
    const lines = raw.stderr.split('\n').filter((l) => l.trim() !== '');
    const errors = lines.filter((l) => l.startsWith('triggerfish: '));
    if (errors.length !== 1 || lines[lines.length - 1] !== errors[0]) failures.push('not one error line');
    if (raw.stdout.trim() !== '') failures.push('output on stdout');
  }
  if (!c.control) {
    for (const [path, hash] of before) if (after.get(path) !== hash) failures.push(`file changed or deleted: ${path.split('/').pop()}`);
    for (const path of after.keys()) if (/\.tmp(-\d+)?$/.test(path)) failures.push(`half-written file left: ${path.split('/').pop()}`);
  }
  return failures;
}

export async function runCases(cases: FuzzCase[], options: RunOptions, onResult: (r: CaseResult) => void = () => {}): Promise<CaseResult[]> {
  const scratch = join(options.workDir, 'cwd');
  mkdirSync(scratch, { recursive: true });
  const results: CaseResult[] = new Array(cases.length);
  let next = 0;
  const lanes = Array.from({ length: options.concurrency }, () => new Lane(options, scratch));
  await Promise.all(
    lanes.map(async (lane) => {
      for (let i = next++; i < cases.length; i = next++) {
        const c = cases[i]!;
        const dir = join(options.workDir, 'cases', c.id);
        layOut(c, dir);
        const before = snapshot(dir);
        const argv = substitute(c.argv, dir, options.basesDir);
        const mode = options.processEvery > 0 && i % options.processEvery === 0 ? 'process' : 'in-process';
        const raw = mode === 'process' ? await runAsProcess(argv, scratch, options) : await lane.run(argv);
        const failures = judge(c, raw, before, snapshot(dir));
        const result: CaseResult = { id: c.id, kind: c.kind, mutation: c.mutation, expect: c.expect, control: c.control ?? false, mode, code: raw.code, stderr: raw.stderr, stdout: raw.stdout, ms: Math.round(raw.ms), failures };
        results[i] = result;
        if (failures.length === 0) rmSync(dir, { recursive: true, force: true }); // failed cases stay for a look
        onResult(result);
      }
      lane.kill();
    }),
  );
  return results;
}
