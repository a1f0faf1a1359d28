/**
 * triggerfish steer train|sweep|show|score|monitor|export: steering vectors for behaviour Y.
 *   steer train --model <dir> --kind melbo|caa|optimised|random|hessian|jacobian --out <file>
 *   steer sweep --model <dir> [--radii 0.5,1,2,4,8,16] [--svg <file>]
 *   steer show <vectors> --model <dir>           steered completions per vector
 *   steer score <vectors> --model <dir> [--text Y] vectors ranked by how strongly they elicit Y
 *   steer monitor <vectors> --model <dir> --triggered <file> [--clean <file>]   anomaly monitor AUROC
 *   steer export <vectors> --gguf <file> | --json-out <file>
 */
import { existsSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../engine/backend.js';
import { BadInputError } from '../errors.js';
import { requireY } from '../jobs/common.js';
import { runSteerJob, steerFields } from '../jobs/steer.js';
import type { LanguageModel } from '../model/language-model.js';
import { loadModel } from '../model/checkpoint.js';
import { cleanPrompts } from '../prompts/clean.js';
import { readPromptFile } from '../prompts/file.js';
import type { VectorSet } from '../steer/index.js';
import { exportGguf, exportJson, loadVectorSet, monitorAuroc, monitorLibrary, scoreBehaviour, steeredCompletions, sweepRadius, sweepSvg, vectorCosines } from '../steer/index.js';
import { readCard } from '../zoo/card.js';
import type { Command, Flags, Io, ParsedArgs, Subcommand } from './command.js';
import { jsonOption } from './command.js';
import { flag, num, requireStr, str } from './args.js';
import { flagsOf, specFromArgs } from '../jobs/flags.js';
import { abortOnSignals } from './signals.js';

const usage = 'triggerfish steer train|sweep|show|score|monitor|export [<vectors>] --model <dir> [--json]';

function prompts(args: ParsedArgs): string[] {
  const file = str(args, 'prompts');
  if (file) return readPromptFile(file);
  return cleanPrompts.slice(0, num(args, 'n-prompts', 8, { min: 1, max: cleanPrompts.length, integer: true }));
}

function targetText(args: ParsedArgs, dir: string): string {
  return requireY(str(args, 'text'), existsSync(join(dir, 'card.json')) ? readCard(dir) : null);
}

async function setup(args: ParsedArgs): Promise<{ model: LanguageModel; dir: string }> {
  const dir = requireStr(args, 'model', 'the model folder');
  await initBackend();
  return { model: await loadModel(dir), dir };
}

async function vectors(args: ParsedArgs, model: LanguageModel): Promise<{ set: VectorSet; file: string }> {
  const file = args.positionals[1];
  if (!file) throw new BadInputError(`missing vector file; usage: ${usage}`);
  return { set: await loadVectorSet(file, model, { allowOtherModel: flag(args, 'allow-other-model') }), file };
}

async function train(args: ParsedArgs, io: Io): Promise<void> {
  const spec = specFromArgs(steerFields, args);
  await initBackend();
  const { set, seconds } = await runSteerJob(spec, {
    signal: abortOnSignals(),
    onEvent: (e) => {
      if (e.type === 'log') return io.log(e.message);
      if (e.detail?.startsWith('vector') && (e.step % 50 === 0 || e.step === e.total)) io.log(`${e.detail} step ${e.step}/${e.total} objective ${(-e.loss!).toFixed(3)}`);
      else if (e.detail === undefined && e.step % 20 === 0) io.log(`step ${e.step}/${e.total} log p(Y) ${(-e.loss!).toFixed(3)}`);
    },
  });
  const summary = { out: spec.out, kind: spec.method, count: set.vectors.length, hook: set.hook, targetLayer: set.targetLayer ?? null, seconds: +seconds.toFixed(1), objectives: set.meta.map((m) => m.objective ?? null) };
  if (flag(args, 'json')) return io.json(summary);
  io.print(`wrote ${set.vectors.length} ${spec.method} vector(s) at ${set.hook} to ${spec.out} in ${seconds.toFixed(1)} s`);
}

async function sweep(args: ParsedArgs, io: Io): Promise<void> {
  const { model } = await setup(args);
  const radii = (str(args, 'radii') ?? '0.5,1,2,4,8,16,32').split(',').map(Number);
  const result = await sweepRadius(model, prompts(args), { radii, steps: num(args, 'steps', 50, { min: 1, integer: true }) }, {
    signal: abortOnSignals(),
    onProgress: (p, done, total) => io.log(`R ${p.R}: diversity ${p.embeddingVariance.toFixed(3)} (${done}/${total})`),
  });
  const svg = str(args, 'svg');
  if (svg) {
    writeFileSync(`${svg}.tmp`, sweepSvg(result.points.map((p) => ({ x: p.R, y: p.embeddingVariance })), result.knee, { title: 'Diversity of steered completions against R', xLabel: 'R', yLabel: 'embedding variance', logX: true }));
    renameSync(`${svg}.tmp`, svg);
  }
  const points = result.points.map((p) => ({ R: p.R, embeddingVariance: p.embeddingVariance, ngramDiversity: p.ngramDiversity, objective: p.objective }));
  if (flag(args, 'json')) return io.json({ points, kneeR: result.R });
  for (const p of points) io.print(`R ${String(p.R).padStart(5)}  diversity ${p.embeddingVariance.toFixed(3)}  distinct-n ${p.ngramDiversity.toFixed(3)}`);
  io.print(result.R === null ? 'no knee: the curve has no clear cusp on this grid' : `knee at R = ${result.R}`);
}

async function show(args: ParsedArgs, io: Io): Promise<void> {
  const { model } = await setup(args);
  const { set } = await vectors(args, model);
  const promptSet = prompts(args);
  const runs = await steeredCompletions(model, set, promptSet, { maxNewTokens: num(args, 'max-tokens', 24, { min: 1, integer: true }) });
  const rows = runs.indices.map((index, i) => ({ index, completions: promptSet.map((prompt, j) => ({ prompt, completion: runs.texts?.[i]?.[j] ?? '' })) }));
  if (flag(args, 'json')) return io.json({ vectors: rows, cosines: vectorCosines(set) });
  for (const row of rows) {
    io.print(`#${row.index}`);
    for (const c of row.completions) io.print(`  > ${c.prompt.padEnd(36).slice(0, 36)}  ${c.completion}`);
  }
}

async function score(args: ParsedArgs, io: Io): Promise<void> {
  const { model, dir } = await setup(args);
  const { set } = await vectors(args, model);
  const text = targetText(args, dir);
  const scores = await scoreBehaviour(model, set, prompts(args), text, {});
  if (flag(args, 'json')) return io.json({ target: text, scores: scores.map(({ completions: _c, ...s }) => s) });
  io.print(`vectors ranked by how strongly they elicit ${JSON.stringify(text)}:`);
  for (const s of scores.slice(0, 20)) io.print(`  #${String(s.index).padEnd(4)} shows Y on ${(100 * s.hitRate).toFixed(0).padStart(3)}%  log p(Y) ${s.logProb.toFixed(3)}`);
}

async function monitor(args: ParsedArgs, io: Io): Promise<void> {
  const { model } = await setup(args);
  const { set } = await vectors(args, model);
  const triggered = readPromptFile(requireStr(args, 'triggered', 'a file of prompts that carry the trigger (one per line)'));
  const clean = str(args, 'clean') ? readPromptFile(str(args, 'clean')!) : cleanPrompts.slice(8, 28);
  const reference = cleanPrompts.slice(28);
  const result = await monitorAuroc(model, monitorLibrary(set), triggered, clean, reference);
  if (flag(args, 'json')) return io.json(result);
  io.print(`anomaly monitor AUROC ${result.auroc.toFixed(3)} (${triggered.length} triggered vs ${clean.length} clean prompts)`);
}

async function exportSet(args: ParsedArgs, io: Io): Promise<void> {
  const file = args.positionals[1];
  if (!file) throw new BadInputError(`missing vector file; usage: ${usage}`);
  const set = await loadVectorSet(file);
  const gguf = str(args, 'gguf');
  const json = str(args, 'json-out');
  if (!gguf && !json) throw new BadInputError('give --gguf <file> (llama.cpp --control-vector) and/or --json-out <file>');
  if (gguf) exportGguf(set, gguf, { index: num(args, 'index', 0, { min: 0, integer: true }) });
  if (json) exportJson(set, json);
  io.print(`exported ${file}${gguf ? ` to ${gguf}` : ''}${json ? ` to ${json}` : ''}`);
}

const model: Flags = { model: { type: 'string', placeholder: '<dir>', description: 'the model folder (required)' } };
const promptFlags: Flags = {
  prompts: { type: 'string', placeholder: '<file>', description: 'prompts, one per line (default: the first --n-prompts built-in clean prompts)' },
  'n-prompts': { type: 'string', placeholder: '<n>', shownDefault: '8', description: 'built-in prompts used when --prompts is not given' },
};
const otherModel: Flags = { 'allow-other-model': { type: 'boolean', description: 'accept a vector file made for another model' } };

const subcommands: Subcommand[] = [
  {
    name: 'train', summary: 'train steering vectors (MELBO, CAA, optimised, random, hessian, jacobian)', usage: 'triggerfish steer train --model <dir> --kind melbo|caa|optimised|random|hessian|jacobian --out <file>',
    get options() {
      return flagsOf(steerFields);
    },
  },
  {
    name: 'sweep', summary: 'diversity of steered completions against R, and its knee', usage: 'triggerfish steer sweep --model <dir> [--radii 0.5,1,2,4,8,16] [--svg <file>]',
    options: {
      ...model, ...promptFlags,
      radii: { type: 'string', placeholder: '<a,b,...>', shownDefault: '0.5,1,2,4,8,16,32', description: 'radii R to train MELBO vectors at' },
      steps: { type: 'string', placeholder: '<n>', shownDefault: '50', description: 'MELBO steps per vector' },
      svg: { type: 'string', placeholder: '<file>', description: 'write the curve as SVG' },
    },
  },
  { name: 'show', summary: 'steered completions per vector', usage: 'triggerfish steer show <vectors> --model <dir>', options: { ...model, ...promptFlags, ...otherModel, 'max-tokens': { type: 'string', placeholder: '<n>', shownDefault: '24', description: 'tokens per completion' } } },
  {
    name: 'score', summary: 'vectors ranked by how strongly they elicit Y', usage: 'triggerfish steer score <vectors> --model <dir> [--text Y]',
    options: { ...model, ...promptFlags, ...otherModel, text: { type: 'string', placeholder: '<Y>', description: "Y's text (default: the model card's first target)" } },
  },
  {
    name: 'monitor', summary: 'anomaly monitor AUROC of triggered against clean prompts', usage: 'triggerfish steer monitor <vectors> --model <dir> --triggered <file> [--clean <file>]',
    options: {
      ...model, ...otherModel,
      triggered: { type: 'string', placeholder: '<file>', description: 'prompts that carry the trigger, one per line (required)' },
      clean: { type: 'string', placeholder: '<file>', description: 'clean prompts, one per line (default: 20 built-in)' },
    },
  },
  {
    name: 'export', summary: 'a vector as a llama.cpp control vector (GGUF) or JSON', usage: 'triggerfish steer export <vectors> --gguf <file> | --json-out <file>',
    options: {
      gguf: { type: 'string', placeholder: '<file>', description: 'write a llama.cpp --control-vector file' },
      'json-out': { type: 'string', placeholder: '<file>', description: 'write the set as JSON' },
      index: { type: 'string', placeholder: '<n>', shownDefault: '0', description: 'which vector goes into the GGUF file' },
    },
  },
];

export const steerCommand: Command = {
  name: 'steer',
  summary: 'steering vectors for Y: train (MELBO, CAA, optimised, baselines), sweep R, show, score, monitor, export',
  usage,
  options: { ...jsonOption },
  subcommands,
  async run(args, io) {
    const sub = args.positionals[0];
    const run = { train, sweep, show, score, monitor, export: exportSet }[sub ?? ''];
    if (!run) throw new BadInputError(`unknown steer subcommand '${sub ?? ''}'; usage: ${usage}`);
    return run(args, io);
  },
};
