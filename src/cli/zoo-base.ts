/**
 * triggerfish zoo pretrain | finetune: the subcommands of zoo v2 (bases and their fine-tunes); the
 * work itself is in src/zoo (pretrainBase, finetune), this file only reads flags and prints.
 */
import { initBackend } from '../engine/backend.js';
import { BadInputError } from '../errors.js';
import { parseBaseSpec } from '../zoo/base-spec.js';
import { pretrainBase } from '../zoo/pretrain.js';
import { progressLine } from '../zoo/progress.js';
import { readJsonFile } from '../zoo/spec-file.js';
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
  const spec = parseBaseSpec(readJsonFile(specFile), specFile);
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
