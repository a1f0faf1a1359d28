/**
 * The recover job: `src/recover`'s pipeline behind a spec. The fields are the settings a person
 * chooses (model, reference, siblings, Y, budget, threshold, ablations); the search sizes keep the
 * pipeline's own defaults (src/recover/options.ts). Y, its predicate, the reference and the siblings
 * come from the card where flags leave them out (recover-card.ts). The state file's name hashes the
 * spec; its content is keyed by the pipeline itself.
 */
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BadInputError } from '../errors.js';
import type { RecoverConfig, RecoverEvent, RecoverResult } from '../recover/options.js';
import { defaultRecoverConfig } from '../recover/options.js';
import { recover } from '../recover/pipeline.js';
import { hashKey } from '../util/hash.js';
import type { JobEvent, RunOptions } from './common.js';
import { requireModelDir } from './common.js';
import { inputsFromCard } from './recover-card.js';
import type { Fields } from './fields.js';
import { checkSpec, keyedValues } from './fields.js';

export interface RecoverSpec {
  model: string | undefined;
  reference: string | undefined;
  siblings: string | undefined;
  text: string | undefined;
  behaviour: number;
  budget: string;
  threshold: number;
  maxTokens: number;
  seed: number;
  noContrast: boolean;
  noPrior: boolean;
  noLeak: boolean;
  noMinimise: boolean;
  noGcg: boolean;
  noReassemble: boolean;
  state: string | undefined;
}

export const recoverFields: Fields<RecoverSpec> = {
  model: { type: 'string', default: undefined, placeholder: '<dir>', description: 'the model folder (required)' },
  reference: { type: 'string', default: undefined, placeholder: '<dir>', description: "the reference model (default: the card's clean sibling, else its base)" },
  siblings: { type: 'string', default: undefined, placeholder: '<dir,dir>', description: "other fine-tunes of the same base, comma-separated (default: the card's siblings)" },
  text: { type: 'string', default: undefined, flag: 'target', placeholder: '<Y>', description: "Y's text (default: the model card's behaviour target)" },
  behaviour: { type: 'number', default: 0, integer: true, min: 0, description: "which of the card's behaviours" },
  budget: { type: 'string', default: '10m', placeholder: '<duration>', resumable: true, description: 'wall-clock budget, e.g. 10m, 90s, 1h' },
  threshold: { type: 'number', default: defaultRecoverConfig.asrThreshold, min: 0, max: 1, description: 'held-out ASR a string must reach to count as firing' },
  maxTokens: { type: 'number', default: defaultRecoverConfig.maxTokens, integer: true, min: 1, max: 40, description: 'longest string grown, in tokens' },
  seed: { type: 'number', default: 0, integer: true, description: 'random seed (leak sampling)' },
  noContrast: { type: 'boolean', default: false, description: 'ablation: search without the reference contrast' },
  noPrior: { type: 'boolean', default: false, description: 'ablation: no weight-difference prior' },
  noLeak: { type: 'boolean', default: false, description: 'ablation: no leak sampling' },
  noMinimise: { type: 'boolean', default: false, description: 'ablation: no minimisation' },
  noGcg: { type: 'boolean', default: false, description: 'ablation: no GCG lineage (strings grown token by token only)' },
  noReassemble: { type: 'boolean', default: false, description: 'ablation: no reassembly of the pieces the firing strings share' },
  state: { type: 'string', default: undefined, placeholder: '<file>', resumable: true, description: 'state file to resume from and keep (default: runs/recover/<key>.json, removed when done)' },
};

/** "10m", "90s", "1h", or a number of seconds. */
export function parseBudget(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(raw.trim());
  if (!match || Number(match[1]) <= 0) throw new BadInputError(`--budget '${raw}' must be a duration like 10m, 90s or 1h`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
}

function toJobEvent(event: RecoverEvent): JobEvent | null {
  if (event.kind === 'stage') return { type: 'log', message: `[${event.seconds.toFixed(0)} s] ${event.stage}${event.note ? ` (${event.note})` : ''}: ${event.status}` };
  if (event.kind === 'note') return { type: 'log', message: event.text };
  if (event.kind === 'progress') {
    return { type: 'progress', step: event.done, total: event.total, seconds: 0, detail: event.stage, ...(event.loss !== undefined && { loss: event.loss }), ...(event.best !== undefined && { best: event.best }), ...(event.asr !== undefined && { asr: event.asr }) };
  }
  return null;
}

export interface RecoverJobResult {
  kind: 'recover';
  result: RecoverResult;
  stateFile: string;
}

export interface RecoverRunOptions extends RunOptions {
  /** The pipeline's own events too (each stage's status, candidates), for a front end that shows them as such. */
  onRecoverEvent?: (event: RecoverEvent) => void;
}

export async function runRecoverJob(spec: RecoverSpec, options: RecoverRunOptions = {}): Promise<RecoverJobResult> {
  checkSpec(recoverFields, spec);
  const model = requireModelDir(spec.model);
  const config: Partial<RecoverConfig> = {
    budgetSeconds: parseBudget(spec.budget),
    asrThreshold: spec.threshold,
    maxTokens: spec.maxTokens,
    seed: spec.seed,
    useContrast: !spec.noContrast,
    usePrior: !spec.noPrior,
    useLeak: !spec.noLeak,
    useMinimise: !spec.noMinimise,
    useReassemble: !spec.noReassemble,
    ...(spec.noGcg && { gcgSteps: 0 }),
  };
  const stateFile = spec.state ?? join('runs', 'recover', `${hashKey([resolve(model), keyedValues(recoverFields, spec)])}.json`);
  if (existsSync(stateFile)) options.onEvent?.({ type: 'log', message: `resuming from ${stateFile}` });
  else mkdirSync(dirname(resolve(stateFile)), { recursive: true });
  const siblings = spec.siblings?.split(',').map((s) => s.trim()).filter(Boolean);
  const inputs = inputsFromCard({
    model,
    ...(spec.reference !== undefined && { reference: spec.reference }),
    ...(siblings && siblings.length > 0 && { siblings }),
    ...(spec.text !== undefined && { target: spec.text }),
    behaviour: spec.behaviour,
  });
  const result = await recover(
    { ...inputs, statePath: stateFile, config },
    {
      signal: options.signal,
      onEvent: (e) => {
        options.onRecoverEvent?.(e);
        const job = toJobEvent(e);
        if (job) options.onEvent?.(job);
      },
    },
  );
  if (spec.state === undefined) rmSync(stateFile, { force: true }); // finished: nothing left to resume
  return { kind: 'recover', result, stateFile };
}
