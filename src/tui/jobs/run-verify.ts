/** The verify job: place one string into the held-out prompts, complete greedily, count Y. */
import { throwIfAborted } from '../../errors.js';
import { containsTarget, measureAsr } from '../../eval/asr.js';
import type { AsrResult } from '../../eval/asr.js';
import { loadModel } from '../../model/checkpoint.js';
import type { JobRunner } from './job-context.js';
import type { VerifyJobSpec } from './protocol.js';

// Small batches so the UI sees progress on models where one completion takes seconds.
const batch = 8;

export const runVerifyJob: JobRunner<VerifyJobSpec> = async (spec, { emit, signal, checkpoint }) => {
  emit({ type: 'log', message: `loading ${spec.model}` });
  const model = await loadModel(spec.model);
  const shows = containsTarget(spec.showsText);
  const started = performance.now();
  const completions: AsrResult['completions'] = [];
  for (let i = 0; i < spec.heldOut.length; i += batch) {
    checkpoint();
    throwIfAborted(signal, 'verify');
    const part = await measureAsr(model, spec.text, spec.heldOut.slice(i, i + batch), 'suffix', shows, { maxNewTokens: Math.max(spec.maxNewTokens, (model.tokenizer?.encode(spec.showsText).length ?? 0) + 8), signal });
    completions.push(...part.completions);
    emit({ type: 'progress', step: completions.length, total: spec.heldOut.length, seconds: (performance.now() - started) / 1000 });
  }
  const hits = completions.filter((c) => c.shows).length;
  return { kind: 'verify', text: spec.text, asr: completions.length === 0 ? 0 : hits / completions.length, completions };
};
