/**
 * triggerfish steer train|sweep|show|score|monitor|export: steering vectors for behaviour Y.
 *   steer train --model <dir> --kind melbo|caa|optimised|random|hessian|jacobian --out <file>
 *   steer sweep --model <dir> [--radii 0.5,1,2,4,8,16] [--svg <file>]
 *   steer show <vectors> --model <dir>           steered completions per vector
 *   steer score <vectors> --model <dir> [--text Y] vectors ranked by how strongly they elicit Y
 *   steer monitor <vectors> --model <dir> --triggered <file> [--clean <file>]   anomaly monitor AUROC
 *   steer export <vectors> --gguf <file> | --json-out <file>
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../engine/backend.js';
import { BadInputError } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import { loadModel } from '../model/checkpoint.js';
import { cleanPrompts } from '../prompts/clean.js';
import type { VectorSet } from '../steer/index.js';
import {
  caaVector, defaultLayers, defaultMelboConfig, exportGguf, exportJson, hessianVectors, jacobianVectors, loadVectorSet, monitorAuroc,
  monitorLibrary, optimisedVector, randomVectors, saveVectorSet, scoreBehaviour, sourceHook, steeredCompletions, sweepRadius, trainMelbo, vectorCosines,
} from '../steer/index.js';
import { readCard } from '../zoo/card.js';
import type { Command, Io, ParsedArgs } from './command.js';
import { jsonOption } from './command.js';
import { flag, num, requireStr, str, strList } from './args.js';
import { readPromptFile } from './prompts.js';
import { abortOnSignals } from './signals.js';

const usage = 'triggerfish steer train|sweep|show|score|monitor|export [<vectors>] --model <dir> [--json]';

function prompts(args: ParsedArgs): string[] {
  const given = strList(args, 'prompt');
  const file = str(args, 'prompts');
  if (given.length > 0) return given;
  if (file) return readPromptFile(file);
  return cleanPrompts.slice(0, num(args, 'n-prompts', 8, { min: 1, max: cleanPrompts.length, integer: true }));
}

function targetText(args: ParsedArgs, dir: string): string {
  const text = str(args, 'text') ?? (existsSync(join(dir, 'card.json')) ? readCard(dir).behaviours[0]?.target : undefined);
  if (!text) throw new BadInputError('give the behaviour text Y with --text (the model has no card.json to take it from)');
  return text;
}

function layerOption(args: ParsedArgs, name: string): number | undefined {
  return str(args, name) === undefined ? undefined : num(args, name, 0, { min: 0, integer: true });
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
  const kind = str(args, 'kind') ?? 'melbo';
  const out = requireStr(args, 'out', 'the vector file to write, e.g. vectors.safetensors');
  const { model, dir } = await setup(args);
  const signal = abortOnSignals();
  const layers = defaultLayers(model.config.nLayers);
  const source = layerOption(args, 'source') ?? layers.source;
  const target = layerOption(args, 'target') ?? layers.target;
  const R = num(args, 'R', defaultMelboConfig.R, { min: 0 });
  const count = num(args, 'count', 8, { min: 1, integer: true });
  const steps = num(args, 'steps', defaultMelboConfig.steps, { min: 1, integer: true });
  const seed = num(args, 'seed', 0, { integer: true });
  const promptSet = prompts(args);
  let set: VectorSet;
  const started = performance.now();
  if (kind === 'melbo') {
    const orthogonality = str(args, 'orthogonality') ?? 'hard';
    if (!['hard', 'soft-vector', 'soft-delta', 'none'].includes(orthogonality)) throw new BadInputError(`--orthogonality must be hard, soft-vector, soft-delta or none`);
    set = await trainMelbo(model, promptSet, {
      count, R, steps, seed, source, target,
      p: num(args, 'p', 2, { min: 0.1 }), q: num(args, 'q', 1, { min: 0.1 }),
      orthogonality: orthogonality as 'hard',
      contrastiveWeight: num(args, 'contrastive', 0, { min: 0 }),
    }, { signal, onProgress: (p) => { if (p.step === p.steps || p.step % 50 === 0) io.log(`vector ${p.vector + 1}/${p.count} step ${p.step}/${p.steps} objective ${p.objective.toFixed(3)} ${p.msPerStep.toFixed(1)} ms/step`); } });
  } else if (kind === 'caa') {
    set = await caaVector(model, promptSet, targetText(args, dir), { hook: sourceHook(source), signal });
  } else if (kind === 'optimised') {
    set = await optimisedVector(model, promptSet, targetText(args, dir), { R, steps, seed, hook: sourceHook(source), ...(str(args, 'lr') !== undefined && { lr: num(args, 'lr', 0, { min: 0 }) }) }, { signal, onProgress: (p) => { if (p.step % 20 === 0) io.log(`step ${p.step}/${p.steps} log p(Y) ${p.logProb.toFixed(3)}`); } });
  } else if (kind === 'random') {
    set = await randomVectors(model, count, R, seed, sourceHook(source));
  } else if (kind === 'hessian' || kind === 'jacobian') {
    const make = kind === 'hessian' ? hessianVectors : jacobianVectors;
    set = await make(model, promptSet, { count, R, source, target, seed }, { signal });
  } else {
    throw new BadInputError(`--kind must be melbo, caa, optimised, random, hessian or jacobian, got '${kind}'`);
  }
  saveVectorSet(set, out);
  const seconds = (performance.now() - started) / 1000;
  const summary = { out, kind, count: set.vectors.length, hook: set.hook, targetLayer: set.targetLayer ?? null, seconds: +seconds.toFixed(1), objectives: set.meta.map((m) => m.objective ?? null) };
  if (flag(args, 'json')) return io.json(summary);
  io.print(`wrote ${set.vectors.length} ${kind} vector(s) at ${set.hook} to ${out} in ${seconds.toFixed(1)} s`);
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
    // vega takes about half a second to load: only when a plot is asked for, not on every command
    const { rSweepLabels, sweepChart, writeFileAtomic } = await import('../plot/index.js');
    writeFileAtomic(svg, await sweepChart(result.points.map((p) => ({ x: p.R, y: p.embeddingVariance })), result.knee, rSweepLabels));
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

export const steerCommand: Command = {
  name: 'steer',
  summary: 'steering vectors for Y: train (MELBO, CAA, optimised, baselines), sweep R, show, score, monitor, export',
  usage,
  options: {
    ...jsonOption,
    model: { type: 'string' }, kind: { type: 'string', default: 'melbo' }, out: { type: 'string' },
    count: { type: 'string', default: '8' }, R: { type: 'string', default: '4' }, steps: { type: 'string', default: '300' },
    p: { type: 'string', default: '2' }, q: { type: 'string', default: '1' }, source: { type: 'string' }, target: { type: 'string' },
    orthogonality: { type: 'string', default: 'hard' }, contrastive: { type: 'string', default: '0' }, lr: { type: 'string' }, seed: { type: 'string', default: '0' },
    prompt: { type: 'string', multiple: true }, prompts: { type: 'string' }, 'n-prompts': { type: 'string', default: '8' },
    text: { type: 'string' }, radii: { type: 'string' }, svg: { type: 'string' }, 'max-tokens': { type: 'string', default: '24' },
    triggered: { type: 'string' }, clean: { type: 'string' }, gguf: { type: 'string' }, 'json-out': { type: 'string' }, index: { type: 'string', default: '0' },
    'allow-other-model': { type: 'boolean', default: false },
  },
  async run(args, io) {
    const sub = args.positionals[0];
    const run = { train, sweep, show, score, monitor, export: exportSet }[sub ?? ''];
    if (!run) throw new BadInputError(`unknown steer subcommand '${sub ?? ''}'; usage: ${usage}`);
    return run(args, io);
  },
};
