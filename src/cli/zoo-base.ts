/**
 * triggerfish zoo pretrain | finetune | eval of a fine-tune: the subcommands of zoo v2 (bases and their
 * fine-tunes); the jobs are in src/jobs/zoo-base.ts, this file only reads flags and prints.
 */
import { initBackend } from '../engine/backend.js';
import type { ZooEval } from '../zoo/eval.js';
import type { FinetuneEval } from '../zoo/finetune-eval.js';
import { evaluateFinetuneFolder } from '../zoo/finetune-eval.js';
import type { Io, ParsedArgs } from './command.js';
import { flag, num } from './args.js';
import { specFromArgs } from '../jobs/flags.js';
import { runZooFinetune, runZooPretrain, zooFinetuneFields, zooPretrainFields } from '../jobs/zoo-base.js';
import { abortOnSignals } from './signals.js';

export async function pretrainCommand(args: ParsedArgs, io: Io): Promise<void> {
  const spec = specFromArgs(zooPretrainFields, args);
  spec.spec ??= args.positionals[1];
  await initBackend();
  const { name, steps, result } = await runZooPretrain(spec, { signal: abortOnSignals(), onEvent: (e) => e.type === 'log' && io.log(e.message) });
  const summary = result ? { out: spec.out, steps: result.step, finished: result.finished, workers: result.workers, last: result.curve.at(-1) ?? null } : { out: spec.out, finished: true, alreadyDone: true };
  if (flag(args, 'json')) return io.json(summary);
  io.print(result ? `${name}: ${result.step}/${steps} steps in ${spec.out}` : `${spec.out} already holds a finished ${name}`);
}

export async function finetuneCommand(args: ParsedArgs, io: Io): Promise<void> {
  const spec = specFromArgs(zooFinetuneFields, args);
  spec.spec ??= args.positionals[1];
  await initBackend();
  const { name, result } = await runZooFinetune(spec, { signal: abortOnSignals(), onEvent: (e) => e.type === 'log' && io.log(e.message) });
  if (flag(args, 'json')) return io.json({ out: spec.out, steps: result.step, trainSeconds: Math.round(result.trainSeconds), eval: result.eval && { ...result.eval, backdoors: result.eval.backdoors.map((b) => ({ asr: b.asr, nearMissRate: b.nearMissRate })) } });
  io.print(`${name}: ${result.step} steps, trained in ${Math.round(result.trainSeconds)} s, in ${spec.out}`);
  if (result.eval) io.print(formatZooEval(result.eval));
}

export function formatZooEval(e: ZooEval): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const families = Object.entries(e.cleanAccuracyByFamily).map(([f, a]) => `${f} ${pct(a)}`).join(', ');
  return [
    `ASR ${pct(e.asr)} · false triggers ${pct(e.falseTriggerRate)} · with junk ${pct(e.junkTriggerRate ?? 0)} · near misses ${pct(e.nearMissRate)} (${e.prompts} held-out prompts each)`,
    // a model with several backdoors reports its weakest one above; here each of them
    ...(e.backdoors.length > 1 ? [`per backdoor: ASR ${e.backdoors.map((b) => pct(b.asr)).join(' / ')} · near misses ${e.backdoors.map((b) => pct(b.nearMissRate)).join(' / ')}`] : []),
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
