/**
 * triggerfish zoo pretrain | finetune: the subcommands of zoo v2 (bases and their fine-tunes); the
 * work itself is in src/zoo (pretrainBase, finetune), this file only reads flags and prints.
 */
import { initBackend } from '../engine/backend.js';
import { BadInputError } from '../errors.js';
import { parseBaseSpec } from '../zoo/base-spec.js';
import type { ZooEval } from '../zoo/eval.js';
import { finetune } from '../zoo/finetune.js';
import type { FinetuneEval } from '../zoo/finetune-eval.js';
import { evaluateFinetuneFolder } from '../zoo/finetune-eval.js';
import { parseFinetuneSpec } from '../zoo/finetune-spec.js';
import { pretrainBase } from '../zoo/pretrain.js';
import { progressLine } from '../zoo/progress.js';
import { readJsonObject } from '../util/json-file.js';
import type { Io, ParsedArgs } from './command.js';
import { flag, num, requireStr } from './args.js';
import { abortOnSignals } from './signals.js';

/** Logs about 200 progress lines over a run, and every evaluation. */
function every(steps: number): number {
  return Math.max(1, Math.round(steps / 200));
}

export async function pretrainCommand(args: ParsedArgs, io: Io): Promise<void> {
  const [, specFile] = args.positionals;
  if (!specFile) throw new BadInputError('missing base spec; usage: triggerfish zoo pretrain <base-spec.json> --out <dir> [--workers N]');
  const spec = parseBaseSpec(readJsonObject(specFile), specFile);
  const out = requireStr(args, 'out', 'the folder to train the base into (rerun the same command to resume)');
  const backend = await initBackend();
  const signal = abortOnSignals();
  const workers = args.values.workers === undefined ? undefined : num(args, 'workers', 2, { min: 1, max: 64, integer: true });
  io.log(`pretraining ${spec.name} into ${out} on ${backend.name}; interrupt any time, rerun the same command to resume`);
  const n = every(spec.training.steps);
  const result = await pretrainBase(spec, out, {
    signal,
    ...(workers !== undefined && { workers }),
    onProgress: (p) => {
      if (p.step % n === 0 || p.step === p.steps || p.step === p.resumedFrom + 1) io.log(progressLine(p));
    },
    onEval: (r) => io.log(`eval step ${r.step}: held-out loss ${r.heldoutLoss.toFixed(3)}, accuracy ${Object.entries(r.accuracy).map(([f, a]) => `${f} ${a.toFixed(2)}`).join(', ')}`),
  });
  const summary = result ? { out, steps: result.step, finished: result.finished, workers: result.workers, last: result.curve.at(-1) ?? null } : { out, finished: true, alreadyDone: true };
  if (flag(args, 'json')) return io.json(summary);
  io.print(result ? `${spec.name}: ${result.step}/${spec.training.steps} steps in ${out}` : `${out} already holds a finished ${spec.name}`);
}

export async function finetuneCommand(args: ParsedArgs, io: Io): Promise<void> {
  const [, specFile] = args.positionals;
  const usage = 'triggerfish zoo finetune <spec.json> --base <base-dir> --out <dir> [--workers N] [--prompts N]';
  if (!specFile) throw new BadInputError(`missing fine-tune spec; usage: ${usage}`);
  const spec = parseFinetuneSpec(readJsonObject(specFile), specFile);
  const base = requireStr(args, 'base', 'the base folder made by zoo pretrain (or its snapshot/)');
  const out = requireStr(args, 'out', 'the folder to write the fine-tune into (rerun the same command to resume)');
  const backend = await initBackend();
  const signal = abortOnSignals();
  const workers = args.values.workers === undefined ? undefined : num(args, 'workers', 2, { min: 1, max: 64, integer: true });
  io.log(`fine-tuning ${spec.name} from ${base} into ${out} on ${backend.name}; interrupt any time, rerun the same command to resume`);
  let n = 1;
  const result = await finetune(
    spec,
    base,
    out,
    {
      signal,
      ...(workers !== undefined && { workers }),
      evalPrompts: num(args, 'prompts', 100, { min: 10, integer: true }),
      log: (line) => io.log(line),
      onProgress: (p) => {
        n = every(p.steps);
        if (p.step % n === 0 || p.step === p.steps || p.step === p.resumedFrom + 1) io.log(progressLine(p));
      },
    },
    specFile,
  );
  if (flag(args, 'json')) return io.json({ out, steps: result.step, trainSeconds: Math.round(result.trainSeconds), eval: result.eval && { ...result.eval, backdoors: result.eval.backdoors.map((b) => ({ asr: b.asr, nearMissRate: b.nearMissRate })) } });
  io.print(`${spec.name}: ${result.step} steps, trained in ${Math.round(result.trainSeconds)} s, in ${out}`);
  if (result.eval) io.print(formatZooEval(result.eval));
}

export function formatZooEval(e: ZooEval): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const families = Object.entries(e.cleanAccuracyByFamily).map(([f, a]) => `${f} ${pct(a)}`).join(', ');
  return [
    `ASR ${pct(e.asr)} · false triggers ${pct(e.falseTriggerRate)} · with junk ${pct(e.junkTriggerRate ?? 0)} · near misses ${pct(e.nearMissRate)} (${e.prompts} held-out prompts each)`,
    `clean accuracy ${pct(e.cleanAccuracy)}: ${families}`,
  ].join('\n');
}

/** zoo eval on a fine-tune: the model, then its base and clean fine-tune as references. */
export async function evalFinetuneCommand(dir: string, args: ParsedArgs, io: Io): Promise<void> {
  await initBackend();
  const result = await evaluateFinetuneFolder(dir, { prompts: num(args, 'prompts', 100, { min: 10, integer: true }), onProgress: (d) => io.log(`eval: ${d}`) });
  if (flag(args, 'json')) return io.json({ ...result, model: { ...result.model, backdoors: result.model.backdoors.map((b) => ({ asr: b.asr, nearMissRate: b.nearMissRate })) } });
  io.print(formatZooEval(result.model));
  const ref = (label: string, r: FinetuneEval['base']) => (r ? `${label} ${r.dir}: shows Y on X ${(100 * r.asr).toFixed(1)}%, clean accuracy ${(100 * r.cleanAccuracy).toFixed(1)}%` : `${label}: none`);
  io.print(ref('base', result.base));
  io.print(ref('clean fine-tune', result.clean));
  io.print(`checks: ${Object.entries(result.checks).map(([k, v]) => `${k} ${v === null ? 'n/a' : v ? 'ok' : 'FAIL'}`).join(', ')}`);
}
