/**
 * The benchmark suite: every method on every model of a folder, blind while attacking (model folder,
 * card.json and the clean sibling only), scored afterwards against secret.json. One JSON line per run
 * in <out>/suite-<budget>.jsonl (a rerun skips runs already there, so an interrupted suite resumes),
 * then a markdown table and SVG plots beside it.
 *
 *   npm run bench:suite -- --models models [--quick] [--methods gcg-logit,gcg-act-caa] [--seeds 0,1,2] [--out benchmarks/results]
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import { TriggerfishError } from '../src/errors.js';
import { loadModel } from '../src/model/checkpoint.js';
import type { LanguageModel } from '../src/model/language-model.js';
import { disposeModel } from '../src/model/language-model.js';
import { splitPrompts } from '../src/prompts/clean.js';
import { readCard, siblingDir } from '../src/zoo/card.js';
import type { SuiteBudget } from './suite/budget.js';
import { fullBudget, quickBudget } from './suite/budget.js';
import { methodNames, methods } from './suite/methods.js';
import type { RunRecord } from './suite/report.js';
import { lossCurvesSvg, markdownTable, successSvg } from './suite/report.js';
import { scoreAttempt } from './suite/score.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'models' },
    quick: { type: 'boolean', default: false },
    methods: { type: 'string' },
    seeds: { type: 'string' },
    out: { type: 'string', default: 'benchmarks/results' },
  },
});
const budget: SuiteBudget = { ...(values.quick ? quickBudget : fullBudget) };
if (values.seeds) budget.seeds = values.seeds.split(',').map(Number);
const chosen = values.methods ? values.methods.split(',') : methodNames;
for (const m of chosen) if (!methods[m]) throw new Error(`unknown method ${m}; known: ${methodNames.join(', ')}`);
const out = resolve(values.out);
mkdirSync(out, { recursive: true });
const results = join(out, `suite-${budget.name}.jsonl`);
const done = new Set(existsSync(results) ? readFileSync(results, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord).map((r) => `${r.model}|${r.method}|${r.seed}`) : []);
const log = (line: string) => process.stderr.write(`${line}\n`);
const backend = await initBackend();
const root = resolve(values.models);
const folders = readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'config.json'))).map((e) => join(root, e.name)).sort();
const { optimise, heldOut: allHeldOut } = splitPrompts();
const heldOut = allHeldOut.slice(0, budget.heldOut);
const controller = new AbortController();
process.on('SIGINT', () => controller.abort());
const started = performance.now();

for (const dir of folders) {
  const name = dir.split('/').pop()!;
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
    log(`${name} is a clean sibling (no behaviour to recover): skipped`);
    continue;
  }
  const todo = chosen.flatMap((method) => budget.seeds.map((seed) => ({ method, seed }))).filter(({ method, seed }) => !done.has(`${name}|${method}|${seed}`));
  if (todo.length === 0) continue;
  let model: LanguageModel | null = null;
  let sibling: LanguageModel | null = null;
  try {
    model = await loadModel(dir);
    const siblingFolder = siblingDir(dir, card);
    sibling = siblingFolder && existsSync(join(siblingFolder, 'config.json')) ? await loadModel(siblingFolder, { tokenizer: false }) : null;
    for (const { method, seed } of todo) {
      if (controller.signal.aborted) break;
      log(`${name} · ${method} · seed ${seed}`);
      const base = { bench: 'suite_run' as const, model: name, method, seed, budget: budget.name, backend: backend.name };
      try {
        const attempt = await methods[method]!({ model, sibling, card, text: card.behaviours[0]!.target, seed, budget, optimise, heldOut, signal: controller.signal });
        const score = await scoreAttempt(dir, model, attempt); // the secret is read only here, after the attack
        const record: RunRecord = {
          ...base, exact: score.exact, recall: +score.recall.toFixed(4), reasr: score.reasr, junkRate: score.junkRate, attackerAsr: attempt.attackerAsr,
          seconds: +attempt.seconds.toFixed(1), steps: attempt.steps, forwardPasses: attempt.forwardPasses, firstSuccess: attempt.firstSuccess, best: score.best,
          losses: attempt.history.map((h) => +h.bestLoss.toFixed(5)),
        };
        appendFileSync(results, JSON.stringify(record) + '\n');
        console.log(JSON.stringify(record));
      } catch (err) {
        if (controller.signal.aborted) break;
        const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
        log(`  failed: ${message}`);
        appendFileSync(results, JSON.stringify({ ...base, error: message }) + '\n');
      }
    }
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    log(`skipping ${name}: ${message}`);
    appendFileSync(results, JSON.stringify({ bench: 'suite_run', model: name, method: '*', seed: -1, budget: budget.name, error: message }) + '\n');
  } finally {
    if (model) disposeModel(model);
    if (sibling) disposeModel(sibling);
  }
}

const records = readFileSync(results, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord);
const write = (file: string, text: string) => {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
};
const table = markdownTable(records);
write(join(out, `suite-${budget.name}.md`), `# Suite (${budget.name} budget, ${backend.name})\n\n${table}`);
write(join(out, `suite-${budget.name}-losses.svg`), lossCurvesSvg(records));
write(join(out, `suite-${budget.name}-success.svg`), successSvg(records));
log(`suite done in ${((performance.now() - started) / 1000).toFixed(0)} s; table in ${join(out, `suite-${budget.name}.md`)}`);
process.stdout.write(table);
