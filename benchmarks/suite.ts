/**
 * The benchmark suite: every method on every model of a folder, blind while attacking (model folder,
 * card.json and the clean sibling only), scored afterwards against secret.json. One JSON line per run
 * in <out>/suite-<budget>.jsonl (a rerun skips runs already there, so an interrupted suite resumes),
 * then a markdown table and SVG plots beside it. `--jobs N` runs N (model, seed) pairs at a time in
 * worker processes (the wasm backend uses one core per process).
 *
 *   npm run bench:suite -- --models models [--quick] [--jobs 2] [--methods gcg-logit,gcg-act-optimised] [--only gpt2-two-tags] [--seeds 0,1,2] [--out benchmarks/results]
 */
import { fork } from 'node:child_process';
import { adoptChild } from '../src/util/children.js';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import { TriggerfishError } from '../src/errors.js';
import { splitPrompts } from '../src/prompts/clean.js';
import { readCard } from '../src/zoo/card.js';
import type { SuiteBudget } from './suite/budget.js';
import { fullBudget, quickBudget } from './suite/budget.js';
import { methodNames, methods } from './suite/methods.js';
import type { ParsedArgs } from '../src/jobs/flags.js';
import { flagsOf, parseOptions, specFromArgs, toArgv } from '../src/jobs/flags.js';
import { suiteFields, suiteUsage } from '../src/jobs/suite.js';
import type { RunRecord } from './suite/report.js';
import { latest, lossCurvesSvg, markdownTable, successSvg } from './suite/report.js';
import type { ModelJob, RunContext } from './suite/run-model.js';
import { runModel } from './suite/run-model.js';

const { values, spec } = parseOrExit();
function parseOrExit() {
  try {
    const parsed = parseArgs({ options: parseOptions(flagsOf(suiteFields)) });
    return { values: parsed.values, spec: specFromArgs(suiteFields, parsed as ParsedArgs) };
  } catch (err) {
    return fail(`${(err as Error).message.split('\n')[0]}; usage: npm run bench:suite -- ${suiteUsage}`);
  }
}
function log(line: string) {
  process.stderr.write(`${line}\n`);
}
function fail(message: string): never {
  log(`triggerfish bench: ${message}`);
  process.exit(2);
}
const budget: SuiteBudget = { ...(spec.quick ? quickBudget : fullBudget) };
if (spec.seeds) budget.seeds = spec.seeds;
if (budget.seeds.some((s) => !Number.isInteger(s))) fail(`--seeds takes whole numbers separated by commas, e.g. 0,1,2 (got ${values.seeds})`);
const chosen = spec.methods ? spec.methods.split(',') : methodNames;
for (const m of chosen) if (!methods[m]) fail(`unknown method ${m}; known: ${methodNames.join(', ')}`);
const jobs = spec.jobs;
const root = resolve(spec.models);
if (!existsSync(root)) fail(`no folder ${root}; pass --models <folder of model folders>`);
const out = resolve(spec.out);
mkdirSync(out, { recursive: true });
const results = join(out, `suite-${budget.name}.jsonl`);

const backend = await initBackend();
const { optimise, heldOut: allHeldOut } = splitPrompts();
const controller = new AbortController();
// SIGTERM too: a suite stopped by a process manager saves like one stopped with Ctrl-C.
for (const name of ['SIGINT', 'SIGTERM'] as const) process.on(name, () => controller.abort());
const context: RunContext = { budget, backend: backend.name, results, optimise, heldOut: allHeldOut.slice(0, budget.heldOut), signal: controller.signal, log };

if (spec.worker) {
  // a worker process: run the jobs the parent sends, one at a time, and say when each is done
  process.on('message', (message: { job?: ModelJob }) => {
    if (!message.job) return process.disconnect();
    void runModel(message.job, context).then(() => process.send!({ done: message.job!.dir }));
  });
  process.send!({ ready: true });
} else {
  const started = performance.now();
  const readRecords = () => (existsSync(results) ? readFileSync(results, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord) : []);
  const existing = readRecords();
  if (spec.report && existing.length === 0) fail(`no runs in ${results} to report; run the suite there first (without --report)`);
  const done = new Set(existing.filter((r) => !r.error).map((r) => `${r.model}|${r.method}|${r.seed}`));
  // every model folder (or link to one), a card or not: a missing card is reported below, not passed over
  const folders = readdirSync(root).filter((name) => existsSync(join(root, name, 'config.json'))).map((name) => join(root, name)).sort();
  const only = spec.only ? new Set(spec.only.split(',')) : null;
  const unknown = [...(only ?? [])].filter((name) => !folders.some((dir) => basename(dir) === name));
  if (unknown.length > 0) fail(`--only names no model folder of ${root}: ${unknown.join(', ')}`);
  const queue: ModelJob[] = [];
  for (const dir of spec.report ? [] : folders) {
    const name = basename(dir);
    if (only && !only.has(name)) continue;
    let card;
    try {
      card = readCard(dir);
    } catch (err) {
      // a model with a missing or malformed card is reported and skipped; the suite goes on
      const message = err instanceof TriggerfishError ? err.message : String(err);
      log(`skipping ${name}: ${message}`);
      appendFileSync(results, JSON.stringify({ bench: 'suite_run', model: name, method: '*', seed: -1, budget: budget.name, error: message }) + '\n');
      continue;
    }
    if (card.behaviours.length === 0) {
      log(`${name} has no behaviour to recover (a clean model or a base): skipped`);
      continue;
    }
    // one job per model and seed: vectors are made per seed, and the last model's seeds still share the cores
    for (const seed of budget.seeds) {
      const todo = chosen.filter((method) => !done.has(`${name}|${method}|${seed}`)).map((method) => ({ method, seed }));
      if (todo.length > 0) queue.push({ dir, card, todo });
    }
  }
  if (jobs === 1 || queue.length <= 1) {
    for (const job of queue) if (!controller.signal.aborted) await runModel(job, context);
  } else {
    await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, () => worker(queue)));
  }
  await writeReport(latest(readRecords()));
  log(`suite done in ${((performance.now() - started) / 1000).toFixed(0)} s; table in ${join(out, `suite-${budget.name}.md`)}`);
}

/** One worker process, fed (model, seed) jobs from the shared queue until it is empty (or the suite is interrupted). */
function worker(queue: ModelJob[]): Promise<void> {
  const args = toArgv({ ...values, models: root, out, jobs: undefined, worker: true });
  return new Promise((resolveWorker) => {
    // Workers stop with the suite (Ctrl-C reaches them through the terminal, SIGTERM only through us).
    // They share the cores: each gets its share of ONNX Runtime threads unless the user chose.
    const threads = process.env.TRIGGERFISH_THREADS ?? String(Math.max(1, Math.floor(availableParallelism() / jobs)));
    const child = adoptChild(fork(fileURLToPath(import.meta.url), args, { execArgv: process.execArgv, env: { ...process.env, TRIGGERFISH_THREADS: threads } }), { signal: controller.signal });
    const next = () => {
      const job = controller.signal.aborted ? undefined : queue.shift();
      child.send(job ? { job } : {});
    };
    child.on('message', next); // 'ready' or 'done': either way it wants the next model
    child.on('exit', (code) => {
      // a worker that dies loses only its current model's unfinished runs; a rerun resumes them
      if (code !== 0 && !controller.signal.aborted) log(`a suite worker exited with code ${code}; rerun the same command to resume its runs`);
      resolveWorker();
    });
  });
}

async function writeReport(records: RunRecord[]): Promise<void> {
  const write = (file: string, text: string) => {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  };
  const table = markdownTable(records, methodNames);
  write(join(out, `suite-${budget.name}.md`), `# Suite (${budget.name} budget, ${backend.name})\n\n${table}`);
  write(join(out, `suite-${budget.name}-losses.svg`), await lossCurvesSvg(records));
  write(join(out, `suite-${budget.name}-success.svg`), await successSvg(records));
  process.stdout.write(table);
}
