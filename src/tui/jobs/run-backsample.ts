/**
 * The backsample job: src/backsample's steering arithmetic with a marked vector as θ_Y (θ_clean is
 * trained first), candidates over-represented in the steered samples, the top ones verified by ASR.
 * It has no state file: a stopped or interrupted run starts again from the beginning.
 */
import { throwIfAborted } from '../../errors.js';
import type { BacksampleProgress } from '../../backsample/run.js';
import { runBacksample } from '../../backsample/run.js';
import { containsTarget } from '../../eval/asr.js';
import { loadModel } from '../../model/checkpoint.js';
import { loadVectorSet } from '../../steer/index.js';
import type { JobRunner } from './job-context.js';
import type { BacksampleJobSpec, JobEvent } from './protocol.js';

// Candidates kept in the result (the session file keeps every job's result).
const keep = 20;
const progressEveryMs = 250;

function progressOf(p: BacksampleProgress, seconds: number): JobEvent {
  if (p.phase === 'clean') return { type: 'progress', step: p.step, total: p.steps, seconds, loss: -p.logLik, detail: 'θ_clean' };
  if (p.phase === 'sample') return { type: 'progress', step: p.done, total: p.total, seconds, detail: `α ${p.alpha} (set ${p.set + 1}/${p.sets})` };
  return { type: 'progress', step: p.done, total: p.total, seconds, detail: 'verifying' };
}

export const runBacksampleJob: JobRunner<BacksampleJobSpec> = async (spec, { emit, signal, checkpoint }) => {
  emit({ type: 'log', message: `loading ${spec.model}` });
  const model = await loadModel(spec.model);
  const set = await loadVectorSet(spec.vector.file, model);
  checkpoint();
  throwIfAborted(signal, 'backward sampling');
  const started = performance.now();
  let last = 0;
  const report = await runBacksample(model, {
    thetaY: { set, index: spec.vector.index },
    mode: 'arithmetic',
    samples: spec.samples,
    maxNewTokens: spec.sampleTokens,
    clean: { steps: spec.cleanSteps },
    heldOut: spec.heldOut,
    shows: containsTarget(spec.showsText),
    verifyTop: spec.verifyTop,
    asrTokens: Math.max(spec.maxNewTokens, (model.tokenizer?.encode(spec.showsText).length ?? 0) + 8), // Y must fit in full
    signal,
    onProgress: (p) => {
      checkpoint();
      const done = p.phase === 'clean' ? p.step === p.steps : p.done === p.total;
      if (!done && performance.now() - last < progressEveryMs) return;
      last = performance.now();
      emit(progressOf(p, (performance.now() - started) / 1000));
    },
  });
  return {
    kind: 'backsample',
    candidates: report.candidates.slice(0, keep).map((c) => ({
      text: c.text,
      asr: c.asr,
      ...(c.placement !== undefined && { placement: typeof c.placement === 'string' ? c.placement : 'template' }),
      score: c.score,
      steered: `${c.steeredCount}/${c.steeredTotal}`,
      unsteered: `${c.unsteeredCount}/${c.unsteeredTotal}`,
    })),
    gcgInit: report.gcgInit,
    seconds: report.timings.totalSeconds,
  };
};
