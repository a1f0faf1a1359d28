/**
 * The GCG job: runGcg with its state file in the job folder, so a job started again after a quit,
 * kill -9 or crash continues from the last finished step. Past steps of a resumed run are replayed
 * as progress events first, so the UI's loss history is whole even if it missed some.
 */
import { existsSync, readFileSync } from 'node:fs';
import { throwIfAborted } from '../../errors.js';
import { containsTarget } from '../../eval/asr.js';
import type { GcgTargetSpec } from '../../gcg/config.js';
import type { GcgStep } from '../../gcg/result.js';
import { runGcg } from '../../gcg/run.js';
import { loadModel } from '../../model/checkpoint.js';
import type { LanguageModel } from '../../model/language-model.js';
import type { JobRunner } from './job-context.js';
import type { GcgJobSpec, JobEvent } from './protocol.js';
import { vectorDirection } from './vector-direction.js';

async function resolveTarget(model: LanguageModel, spec: GcgJobSpec): Promise<GcgTargetSpec> {
  if (spec.target.kind === 'logit') return spec.target;
  const { direction, layer } = await vectorDirection(model, spec.target.vector);
  return { kind: 'activation', direction, layer, positions: 'last' };
}

export function progressOf(step: GcgStep, total: number): JobEvent {
  return {
    type: 'progress',
    step: step.step,
    total,
    seconds: step.seconds,
    loss: step.loss,
    bestLoss: step.bestLoss,
    best: step.bestString,
    ...(step.asr !== undefined && { asr: step.asr }),
  };
}

/** The steps a state file holds (empty when there is none or it cannot be read: runGcg then reports why). */
export function savedSteps(stateFile: string): GcgStep[] {
  if (!existsSync(stateFile)) return [];
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { history?: GcgStep[] };
    return Array.isArray(state.history) ? state.history : [];
  } catch {
    return [];
  }
}

export const runGcgJob: JobRunner<GcgJobSpec> = async (spec, { files, emit, signal, checkpoint }) => {
  emit({ type: 'log', message: `loading ${spec.model}` });
  const model = await loadModel(spec.model);
  checkpoint();
  throwIfAborted(signal, 'GCG');
  const target = await resolveTarget(model, spec);
  for (const step of savedSteps(files.state)) emit(progressOf(step, spec.steps));
  const result = await runGcg(model, {
    prompts: spec.prompts,
    heldOut: spec.heldOut,
    target,
    shows: containsTarget(spec.showsText),
    config: {
      steps: spec.steps,
      searchWidth: spec.searchWidth,
      topK: spec.topK,
      batchSize: spec.batchSize,
      asrEvery: spec.asrEvery,
      initString: spec.initString,
      seed: spec.seed,
    },
    statePath: files.state,
    signal,
    onStep: (step) => {
      emit(progressOf(step, spec.steps));
      checkpoint();
    },
  });
  return {
    kind: 'gcg',
    bestString: result.bestString,
    bestLoss: result.bestLoss,
    asr: result.asr,
    steps: result.history.length,
    seconds: result.seconds,
    stoppedBy: result.stoppedBy,
    samples: result.samples,
  };
};
