/**
 * triggerfish zoo build|train|eval: planted-backdoor models.
 *   zoo build <spec.json> --out <dir>   tokenizer, backdoored model + clean sibling, eval, card, secret
 *   zoo eval <dir> [--json]             ASR, false-trigger rate, near-miss rate, clean accuracy (reads secret.json)
 *   zoo train <spec.json> --out <dir> --tokenizer <dir> [--clean]   one model (build runs two of these at once)
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../engine/backend.js';
import { BadInputError, CancelledError, TriggerfishError } from '../errors.js';
import { adoptChild } from '../util/children.js';
import { evaluateFolder, trainZooModel } from '../zoo/build.js';
import { cleanSibling } from '../zoo/spec.js';
import type { Command, Io, ParsedArgs } from './command.js';
import { jsonOption } from './command.js';
import { flag, num, requireStr } from './args.js';
import { flagsOf, specFromArgs } from '../jobs/flags.js';
import { readZooSpec, runZooBuild, zooBuildFields } from '../jobs/zoo.js';
import { zooFinetuneFields, zooPretrainFields } from '../jobs/zoo-base.js';
import { abortOnSignals } from './signals.js';
import { evalFinetuneCommand, finetuneCommand, formatZooEval, pretrainCommand } from './zoo-base.js';
import { readCard } from '../zoo/card.js';

const usage = 'triggerfish zoo pretrain <base-spec.json> --out <dir> [--workers N] | zoo finetune <spec.json> --base <dir> --out <dir> | zoo build <spec.json> --out <dir> | zoo eval <model-dir> | zoo train <spec.json> --out <dir> --tokenizer <dir> [--clean]';

const bin = fileURLToPath(new URL('../../bin/triggerfish.js', import.meta.url));

/** Runs `zoo train` in a child process (one core each), its progress lines prefixed on our stderr. */
function spawnTrainer(io: Io, signal: AbortSignal) {
  return (specFile: string, out: string, tokenizerDir: string, clean: boolean) =>
    new Promise<void>((resolvePromise, reject) => {
      const args = [bin, 'zoo', 'train', specFile, '--out', out, '--tokenizer', tokenizerDir, ...(clean ? ['--clean'] : [])];
      if (signal.aborted) return reject(new CancelledError('zoo build'));
      const child = adoptChild(spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] }), { signal });
      const label = clean ? 'clean     ' : 'backdoored';
      let tail = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        const lines = (tail + chunk.toString()).split('\n');
        tail = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) io.log(`[${label}] ${line}`);
      });
      child.on('exit', (code) => {
        if (tail.trim()) io.log(`[${label}] ${tail}`);
        if (code === 0) resolvePromise();
        else if (signal.aborted) reject(new CancelledError('zoo build'));
        else reject(new TriggerfishError(`training the ${clean ? 'clean sibling' : 'backdoored model'} failed (exit ${code}); rerun the same command to resume`));
      });
    });
}

async function build(args: ParsedArgs, io: Io): Promise<void> {
  const [, specFile] = args.positionals;
  const spec = specFromArgs(zooBuildFields, args);
  spec.spec ??= specFile;
  await initBackend(); // the evaluation runs here; training runs in the trainer processes
  const signal = abortOnSignals();
  const result = await runZooBuild(spec, { signal, onEvent: (e) => e.type === 'log' && io.log(e.message), spawnTrainer: spawnTrainer(io, signal) });
  const summary = { out: result.out, sibling: result.sibling, seconds: Math.round(result.seconds), eval: result.eval, siblingEval: result.siblingEval };
  if (flag(args, 'json')) return io.json(summary);
  io.print(`built ${result.out} in ${Math.round(result.seconds)} s`);
  io.print(formatZooEval(result.eval));
  io.print(`clean sibling ${result.sibling}: false triggers ${result.siblingEval.falseTriggerRate}, ASR ${result.siblingEval.asr}`);
}

async function trainOne(args: ParsedArgs, io: Io): Promise<void> {
  const [, specFile] = args.positionals;
  if (!specFile) throw new BadInputError(`missing spec file; usage: ${usage}`);
  const parsed = readZooSpec(specFile);
  const spec = flag(args, 'clean') ? cleanSibling(parsed) : parsed;
  const out = requireStr(args, 'out', 'the folder to write the model into');
  const tokenizerDir = requireStr(args, 'tokenizer', 'the folder holding tokenizer.json');
  await initBackend();
  const signal = abortOnSignals();
  const every = Math.max(1, Math.round(spec.training.steps / 40));
  await trainZooModel(spec, out, tokenizerDir, {
    signal,
    onProgress: (p) => {
      if (p.step % every === 0 || p.step === p.steps) {
        const eta = Math.round(((p.steps - p.step) * p.seconds) / Math.max(1, p.step - p.resumedFrom));
        io.log(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(3)} lr ${p.lr.toExponential(2)} |g| ${p.gradNorm.toFixed(2)} ${p.tokensPerSecond} tok/s eta ${eta} s`);
      }
    },
  });
}

async function evaluate(args: ParsedArgs, io: Io): Promise<void> {
  const [, dir] = args.positionals;
  if (!dir) throw new BadInputError(`missing model folder; usage: ${usage}`);
  if (existsSync(join(dir, 'card.json')) && readCard(dir).base !== undefined) return evalFinetuneCommand(dir, args, io);
  await initBackend();
  const result = await evaluateFolder(dir, { prompts: num(args, 'prompts', 100, { min: 10, integer: true }), onProgress: (d) => io.log(`eval: ${d}`) });
  if (flag(args, 'json')) {
    const { asr, falseTriggerRate, junkTriggerRate, nearMissRate, cleanAccuracy, cleanAccuracyByFamily, prompts, backdoors } = result;
    return io.json({ asr, falseTriggerRate, junkTriggerRate, nearMissRate, cleanAccuracy, cleanAccuracyByFamily, prompts, backdoors: backdoors.map((b) => ({ asr: b.asr, nearMissRate: b.nearMissRate })) });
  }
  io.print(formatZooEval(result));
}

export const zooCommand: Command = {
  name: 'zoo',
  summary: 'build, train and evaluate planted-backdoor models',
  usage,
  options: { ...jsonOption },
  subcommands: [
    {
      name: 'pretrain', summary: 'train a clean base from a base spec (zoo v2), data-parallel on every core; rerun to resume', usage: 'triggerfish zoo pretrain <base-spec.json> --out <dir> [--workers N]',
      get options() {
        return flagsOf(zooPretrainFields);
      },
    },
    {
      name: 'finetune', summary: 'plant the backdoors of a fine-tune spec into a base (or none: the clean fine-tune), evaluate, write card and secret', usage: 'triggerfish zoo finetune <spec.json> --base <dir> --out <dir> [--workers N]',
      get options() {
        return flagsOf(zooFinetuneFields);
      },
    },
    {
      name: 'build', summary: 'train a planted-backdoor model and its clean sibling, evaluate both, write its card and its secret', usage: 'triggerfish zoo build <spec.json> --out <dir> [--sibling <dir>] [--jobs 2]',
      get options() {
        return flagsOf(zooBuildFields);
      },
    },
    {
      name: 'train', summary: 'train one model of a spec (build runs two of these at once)', usage: 'triggerfish zoo train <spec.json> --out <dir> --tokenizer <dir> [--clean]',
      options: {
        out: { type: 'string', placeholder: '<dir>', description: 'where the model goes (required)' },
        tokenizer: { type: 'string', placeholder: '<dir>', description: 'the folder holding the tokenizer to use (required)' },
        clean: { type: 'boolean', description: 'train the clean sibling (no backdoor)' },
      },
    },
    {
      name: 'eval', summary: 'ASR, false-trigger rate, near-miss rate and clean accuracy of a model folder (reads its secret)', usage: 'triggerfish zoo eval <model-dir> [--json]',
      options: { prompts: { type: 'string', placeholder: '<n>', shownDefault: '100', description: 'held-out prompts per measurement' } },
    },
  ],
  async run(args, io) {
    const sub = args.positionals[0];
    if (sub === 'pretrain') return pretrainCommand(args, io);
    if (sub === 'finetune') return finetuneCommand(args, io);
    if (sub === 'build') return build(args, io);
    if (sub === 'train') return trainOne(args, io);
    if (sub === 'eval') return evaluate(args, io);
    throw new BadInputError(`unknown zoo subcommand '${sub ?? ''}'; usage: ${usage}`);
  },
};
