/**
 * The zoo v2 jobs: pretrain a clean base from a base spec, and fine-tune a base with the backdoors of
 * a fine-tune spec (or none: the clean fine-tune) and evaluate it. The work is in src/zoo (pretrainBase,
 * finetune); these read the job's settings and report progress as log lines (about 200 per run, and
 * every evaluation). Both resume from their last checkpoint when run again with the same spec.
 */
import { BadInputError } from '../errors.js';
import { readJsonObject } from '../util/json-file.js';
import { parseBaseSpec } from '../zoo/base-spec.js';
import type { FinetuneResult } from '../zoo/finetune.js';
import { finetune } from '../zoo/finetune.js';
import { parseFinetuneSpec } from '../zoo/finetune-spec.js';
import type { DataParallelResult, ProgressRecord } from '../zoo/dp-trainer.js';
import { pretrainBase } from '../zoo/pretrain.js';
import { progressLine } from '../zoo/progress.js';
import type { RunOptions } from './common.js';
import type { Fields } from './fields.js';
import { checkSpec } from './fields.js';

export interface ZooPretrainSpec {
  spec: string | undefined;
  out: string | undefined;
  workers: number | undefined;
}

const workersField = {
  type: 'number',
  default: undefined,
  integer: true,
  min: 1,
  max: 64,
  description: "worker threads (default: one per core, at most the spec's shards; the weights do not depend on it)",
  resumable: true,
} as const;

export const zooPretrainFields: Fields<ZooPretrainSpec> = {
  spec: { type: 'string', default: undefined, placeholder: '<base-spec.json>', description: 'the base spec file (also the first argument; required)' },
  out: { type: 'string', default: undefined, placeholder: '<dir>', description: 'where the base goes (required); rerun the same command to resume' },
  workers: workersField,
};

export interface ZooFinetuneSpec {
  spec: string | undefined;
  base: string | undefined;
  out: string | undefined;
  workers: number | undefined;
  prompts: number;
}

export const zooFinetuneFields: Fields<ZooFinetuneSpec> = {
  spec: { type: 'string', default: undefined, placeholder: '<spec.json>', description: 'the fine-tune spec file (also the first argument; required)' },
  base: { type: 'string', default: undefined, placeholder: '<dir>', description: 'the base folder made by zoo pretrain, or its snapshot/ (required)' },
  out: { type: 'string', default: undefined, placeholder: '<dir>', description: 'where the fine-tune goes (required); rerun the same command to resume' },
  workers: workersField,
  prompts: { type: 'number', default: 100, integer: true, min: 10, description: 'held-out prompts per evaluation measurement', resumable: true },
};

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new BadInputError(what);
  return value;
}

/** Logs the first step after a (re)start, about 200 lines over the run, and the last step. */
function progressLogger(options: RunOptions): (p: ProgressRecord) => void {
  return (p) => {
    const every = Math.max(1, Math.round(p.steps / 200));
    if (p.step % every === 0 || p.step === p.steps || p.step === p.resumedFrom + 1) options.onEvent?.({ type: 'log', message: progressLine(p) });
  };
}

/** Trains the base; null when `out` already holds it, finished. */
export async function runZooPretrain(spec: ZooPretrainSpec, options: RunOptions = {}): Promise<{ name: string; steps: number; result: DataParallelResult | null }> {
  checkSpec(zooPretrainFields, spec);
  const file = required(spec.spec, 'missing base spec; usage: triggerfish zoo pretrain <base-spec.json> --out <dir> [--workers N]');
  const out = required(spec.out, '--out is required: the folder to train the base into (rerun the same command to resume)');
  const base = parseBaseSpec(readJsonObject(file), file);
  options.onEvent?.({ type: 'log', message: `pretraining ${base.name} into ${out}; interrupt any time, rerun the same command to resume` });
  const result = await pretrainBase(base, out, {
    signal: options.signal,
    ...(spec.workers !== undefined && { workers: spec.workers }),
    onProgress: progressLogger(options),
    onEval: (r) =>
      options.onEvent?.({ type: 'log', message: `eval step ${r.step}: held-out loss ${r.heldoutLoss.toFixed(3)}, accuracy ${Object.entries(r.accuracy).map(([f, a]) => `${f} ${a.toFixed(2)}`).join(', ')}` }),
  });
  return { name: base.name, steps: base.training.steps, result };
}

export async function runZooFinetune(spec: ZooFinetuneSpec, options: RunOptions = {}): Promise<{ name: string; result: FinetuneResult }> {
  checkSpec(zooFinetuneFields, spec);
  const usage = 'triggerfish zoo finetune <spec.json> --base <base-dir> --out <dir> [--workers N] [--prompts N]';
  const file = required(spec.spec, `missing fine-tune spec; usage: ${usage}`);
  const base = required(spec.base, '--base is required: the base folder made by zoo pretrain (or its snapshot/)');
  const out = required(spec.out, '--out is required: the folder to write the fine-tune into (rerun the same command to resume)');
  const parsed = parseFinetuneSpec(readJsonObject(file), file);
  options.onEvent?.({ type: 'log', message: `fine-tuning ${parsed.name} from ${base} into ${out}; interrupt any time, rerun the same command to resume` });
  const result = await finetune(
    parsed,
    base,
    out,
    {
      signal: options.signal,
      ...(spec.workers !== undefined && { workers: spec.workers }),
      evalPrompts: spec.prompts,
      log: (message) => options.onEvent?.({ type: 'log', message }),
      onProgress: progressLogger(options),
    },
    file,
  );
  return { name: parsed.name, result };
}
