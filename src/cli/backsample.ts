/**
 * triggerfish backsample --model <dir> --vector <θ_Y file>: steering-arithmetic backward sampling. Trains
 * (or loads) θ_clean, writes user turns from nothing with θ_clean + α·θ_Y (or guided towards θ_Y), ranks
 * the strings the steered turns over-use, and measures their ASR on held-out prompts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { trainCleanVector } from '../backsample/clean-vector.js';
import type { BacksampleReport } from '../backsample/run.js';
import { backsampleModes, runBacksample } from '../backsample/run.js';
import { initBackend } from '../engine/backend.js';
import { BadFileError, BadInputError } from '../errors.js';
import { containsTarget } from '../gcg/asr.js';
import { loadModel, writeJsonAtomic } from '../model/checkpoint.js';
import { cleanPrompts, splitPrompts } from '../prompts/clean.js';
import { readCard, noTargetReason } from '../zoo/card.js';
import type { Command, Io, ParsedArgs } from './command.js';
import { jsonOption } from './command.js';
import { flag, num, requireStr, str } from './args.js';
import { readPromptFile } from './prompts.js';
import { abortOnSignals } from './signals.js';

const usage =
  'triggerfish backsample --model <dir> --vector <θ_Y file> [--index 0] [--clean-vector <file>] [--mode arithmetic|guided|beam|unsteered] ' +
  '[--samples 64] [--alpha 0,0.5,1,2] [--beta 4] [--seed 0] [--out <report.json>] [--json]';

export const backsampleCommand: Command = {
  name: 'backsample',
  summary: 'sample prompts backwards with θ_clean + α·θ_Y (or guided towards θ_Y) and rank trigger candidates',
  usage,
  help: [
    'θ_clean is trained on the built-in clean prompts (or --clean-prompts <file>) unless --clean-vector gives one;',
    '--save-clean <file> keeps it. Y (for ASR) is --text or the first behaviour target of the model card; --no-verify skips ASR.',
    '--alpha defaults to 0,0.5,1,2,4 for arithmetic and 0 for guided and beam; α = 0 (β = 0) is always sampled as the baseline.',
    'Guided and beam modes aim at θ_Y\'s δ when the file has one (--use delta|vector|auto, --layer L).',
  ].join('\n'),
  options: {
    ...jsonOption,
    model: { type: 'string' },
    vector: { type: 'string' },
    index: { type: 'string', default: '0' },
    'clean-vector': { type: 'string' },
    'no-clean': { type: 'boolean', default: false },
    'save-clean': { type: 'string' },
    'clean-prompts': { type: 'string' },
    'clean-steps': { type: 'string', default: '100' },
    'clean-r': { type: 'string', default: '4' },
    mode: { type: 'string', default: 'arithmetic' },
    samples: { type: 'string', default: '64' },
    alpha: { type: 'string' },
    beta: { type: 'string', default: '4' },
    topk: { type: 'string', default: '8' },
    'top-p': { type: 'string', default: '0.95' },
    temperature: { type: 'string', default: '1' },
    'max-tokens': { type: 'string', default: '40' },
    start: { type: 'string', default: 'header' },
    use: { type: 'string', default: 'auto' },
    layer: { type: 'string' },
    seed: { type: 'string', default: '0' },
    text: { type: 'string' },
    'held-out': { type: 'string' },
    verify: { type: 'string', default: '10' },
    placement: { type: 'string', default: 'both' },
    'no-verify': { type: 'boolean', default: false },
    'allow-other-model': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
  async run(args, io) {
    // every flag is read before the model loads, so that a typo fails at once, not after θ_clean trains
    const dir = requireStr(args, 'model', 'the model folder to sample from');
    const vectorFile = requireStr(args, 'vector', 'a vector file that elicits Y (from triggerfish steer)');
    const mode = oneOf(args, 'mode', backsampleModes, 'arithmetic');
    const start = oneOf(args, 'start', ['header', 'bos'] as const, 'header');
    const guide = oneOf(args, 'use', ['auto', 'delta', 'vector'] as const, 'auto');
    const placement = oneOf(args, 'placement', ['both', 'prefix', 'suffix'] as const, 'both');
    const alphaFlag = str(args, 'alpha');
    const layerFlag = str(args, 'layer');
    const heldOutFile = str(args, 'held-out');
    const turnsFile = str(args, 'clean-prompts');
    const cleanFile = str(args, 'clean-vector');
    if (flag(args, 'no-clean') && cleanFile) throw new BadInputError('give --clean-vector or --no-clean, not both');
    const index = num(args, 'index', 0, { min: 0, integer: true });
    const seed = num(args, 'seed', 0, { integer: true });
    const verify = !flag(args, 'no-verify');
    const settings = {
      mode,
      samples: num(args, 'samples', 64, { min: 1, integer: true }),
      ...(alphaFlag !== undefined && { alphas: numberList(alphaFlag, 'alpha') }),
      beta: num(args, 'beta', 4, { min: 0 }),
      topK: num(args, 'topk', 8, { min: 1, integer: true }),
      topP: num(args, 'top-p', 0.95, { min: 0, max: 1 }),
      temperature: num(args, 'temperature', 1, { min: 0 }),
      maxNewTokens: num(args, 'max-tokens', 40, { min: 1, integer: true }),
      start,
      guide,
      ...(layerFlag !== undefined && { guideLayer: num(args, 'layer', 0, { min: 0, integer: true }) }),
      seed,
      heldOut: heldOutFile ? readPromptFile(heldOutFile) : splitPrompts().heldOut,
      verifyTop: num(args, 'verify', 10, { min: 0, integer: true }),
      placement,
    };
    const cleanTraining = { steps: num(args, 'clean-steps', 100, { min: 0, integer: true }), R: num(args, 'clean-r', 4, { min: 0 }), start, seed };
    const turns = turnsFile ? readPromptFile(turnsFile) : cleanPrompts;

    const backend = await initBackend();
    const model = await loadModel(dir);
    const text = str(args, 'text') ?? (existsSync(join(dir, 'card.json')) ? readCard(dir).behaviours[0]?.target : undefined);
    if (verify && !text) throw new BadInputError(`give the target text Y with --text (${noTargetReason(dir)}), or pass --no-verify`);
    const { loadVectorSet, saveVectorSet } = await import('../steer/vector-set.js');
    const allowOtherModel = flag(args, 'allow-other-model');
    const set = await loadVectorSet(vectorFile, model, { allowOtherModel });
    if (index >= set.vectors.length) throw new BadInputError(`--index ${index} is out of range: ${vectorFile} holds ${set.vectors.length} vectors`);
    const signal = abortOnSignals();

    let thetaClean = null;
    if (cleanFile) {
      thetaClean = await loadVectorSet(cleanFile, model, { allowOtherModel });
      if (thetaClean.kind !== 'clean-prompts') throw new BadFileError(cleanFile, `holds ${thetaClean.kind} vectors, not a θ_clean; train one here (it is saved with --save-clean)`);
    } else if (!flag(args, 'no-clean')) {
      io.log(`training θ_clean on ${turns.length} clean turns (${cleanTraining.steps} steps)`);
      thetaClean = await trainCleanVector(model, turns, cleanTraining, {
        signal,
        onProgress: (p) => {
          if (p.step % 10 === 0 || p.step === p.steps) io.log(`θ_clean step ${p.step}/${p.steps} log-likelihood ${p.logLik.toFixed(4)} (${p.msPerStep.toFixed(0)} ms/step)`);
        },
      });
      const saveTo = str(args, 'save-clean');
      if (saveTo) saveVectorSet(thetaClean, saveTo);
    }

    io.log(`backsample on ${dir} (${backend.name}): mode ${mode}, θ_Y ${vectorFile}[${index}] at ${set.hook}`);
    const report = await runBacksample(model, {
      ...settings,
      thetaY: { set, index },
      thetaClean,
      ...(verify && text && { shows: containsTarget(text) }),
      ...(text && { yText: text }),
      signal,
      onProgress: (p) => {
        if (p.phase === 'sample' && p.done === p.total) io.log(`set ${p.set + 1}/${p.sets} (α ${p.alpha}, β ${p.beta}): ${p.total} done`);
        if (p.phase === 'verify') io.log(`verified ${p.done}/${p.total}: ASR ${p.asr.toFixed(2)} ${JSON.stringify(p.text)}`);
      },
    });
    const result = { ...report, backend: backend.name, ...(text !== undefined && { target: text }) };
    const out = str(args, 'out');
    if (out) writeJsonAtomic(out, result);
    if (flag(args, 'json')) return io.json(result);
    printReport(report, io);
  },
};

function oneOf<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[], fallback: T): T {
  const value = str(args, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new BadInputError(`--${name} must be one of ${allowed.join(', ')}, got '${value}'`);
  return value as T;
}

function numberList(raw: string, name: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  if (parts.some((p) => p === '') || values.some((v) => !Number.isFinite(v))) throw new BadInputError(`--${name} '${raw}' must be comma-separated numbers, e.g. 0,0.5,1,2`);
  return values;
}

function printReport(report: BacksampleReport, io: Io): void {
  const t = report.timings;
  io.print(`${report.mode}: ${report.samples.length} sets, ${t.tokensSampled} tokens in ${t.samplingSeconds.toFixed(1)} s (${t.msPerToken.toFixed(2)} ms/token), total ${t.totalSeconds.toFixed(1)} s`);
  for (const set of report.samples) {
    io.print(`\nα ${set.alpha} β ${set.beta}${set.baseline ? ' (baseline)' : ''}: ${set.samples.length} turns, e.g.`);
    for (const s of set.samples.slice(0, 3)) io.print(`  ${JSON.stringify(s.text)}`);
  }
  if (report.candidates.length === 0) return io.print('\nno candidates (unsteered mode, or nothing over-represented)');
  io.print('\nrank  ASR    where   score  steered  base   candidate');
  report.candidates.slice(0, 20).forEach((c, i) => {
    const asr = c.asr === null ? '  -  ' : c.asr.toFixed(2).padStart(5);
    const where = (typeof c.placement === 'string' ? c.placement : c.placement ? 'tmpl' : '-').padEnd(6);
    io.print(`${String(i + 1).padStart(4)}  ${asr}  ${where}  ${c.score.toFixed(2).padStart(5)}  ${`${c.steeredCount}/${c.steeredTotal}`.padStart(7)}  ${`${c.unsteeredCount}/${c.unsteeredTotal}`.padStart(5)}  ${JSON.stringify(c.text)}`);
  });
  if (report.gcgInit.length > 0) io.print(`\nGCG initial strings: ${report.gcgInit.map((s) => JSON.stringify(s)).join(', ')}`);
}
