/** The verify job: place one candidate string into held-out prompts, complete greedily, count Y. */
import { BadInputError, throwIfAborted } from '../errors.js';
import type { AsrResult } from '../eval/asr.js';
import { containsTarget, measureAsr } from '../eval/asr.js';
import { disposeModel } from '../model/language-model.js';
import type { RunOptions } from './common.js';
import { openModel, promptSets, requireModelDir, requireY } from './common.js';
import type { Fields } from './fields.js';
import { checkSpec } from './fields.js';

export interface VerifySpec {
  model: string | undefined;
  candidate: string | undefined;
  text: string | undefined;
  heldOut: string[] | undefined;
  placement: string;
  maxTokens: number;
}

export const verifyFields: Fields<VerifySpec> = {
  model: { type: 'string', default: undefined, placeholder: '<dir>', description: 'the model folder (required)' },
  candidate: { type: 'string', default: undefined, placeholder: '<text>', description: 'the candidate trigger to check (required)' },
  text: { type: 'string', default: undefined, placeholder: '<Y>', description: "Y's text (default: the model card's first target)" },
  heldOut: { type: 'lines', default: undefined, description: 'held-out prompts, one per line (default: the built-in held-out split)' },
  placement: { type: 'string', default: 'suffix', choices: ['prefix', 'suffix'], description: 'where the candidate goes in each prompt' },
  maxTokens: { type: 'number', default: 24, integer: true, min: 1, description: "tokens completed per prompt (never fewer than Y's tokens + 8)" },
};

export interface VerifyJobResult {
  kind: 'verify';
  candidate: string;
  y: string;
  asr: number;
  completions: AsrResult['completions'];
}

// Small batches, so that progress shows on models where one completion takes seconds.
const batch = 8;

export async function runVerifyJob(spec: VerifySpec, options: RunOptions = {}): Promise<VerifyJobResult> {
  checkSpec(verifyFields, spec);
  const candidate = spec.candidate;
  if (candidate === undefined || candidate.trim() === '') throw new BadInputError('--candidate is required: the string to check');
  const { model, card } = await openModel(requireModelDir(spec.model));
  try {
    const y = requireY(spec.text, card);
    const { heldOut } = promptSets(undefined, spec.heldOut);
    const maxNewTokens = Math.max(spec.maxTokens, (model.tokenizer?.encode(y).length ?? 0) + 8);
    const started = performance.now();
    const completions: AsrResult['completions'] = [];
    for (let i = 0; i < heldOut.length; i += batch) {
      throwIfAborted(options.signal, 'verify');
      const part = await measureAsr(model, candidate, heldOut.slice(i, i + batch), spec.placement as 'suffix', containsTarget(y), { maxNewTokens, signal: options.signal });
      completions.push(...part.completions);
      options.onEvent?.({ type: 'progress', step: completions.length, total: heldOut.length, seconds: (performance.now() - started) / 1000 });
    }
    const hits = completions.filter((c) => c.shows).length;
    return { kind: 'verify', candidate, y, asr: completions.length === 0 ? 0 : hits / completions.length, completions };
  } finally {
    disposeModel(model);
  }
}
