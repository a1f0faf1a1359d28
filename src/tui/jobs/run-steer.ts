/**
 * The steer job: a supervised vector (optimised: norm ≤ R, trained to maximise log p(Y) over the
 * prompts; CAA, the mean activation difference, elicited Y on none of the held-out prompts of a shipped
 * model where this one did on 92%) or unsupervised ones (MELBO), each with its δ at the target layer so that GCG's
 * activation target can aim at it; then every vector's steered completions on held-out prompts.
 * Steering has no state file: a stopped or interrupted steer job starts again from the beginning.
 */
import { throwIfAborted } from '../../errors.js';
import { loadModel } from '../../model/checkpoint.js';
import type { LanguageModel } from '../../model/language-model.js';
import type { VectorSet } from '../../steer/index.js';
import { defaultLayers, optimisedVector, defaultOptimisedConfig, disposePromptBatch, encodePrompts, makeVectorSet, measureDeltas, saveVectorSet, scoreBehaviour, trainMelbo, vectorCosines } from '../../steer/index.js';
import type { JobRunner } from './job-context.js';
import type { SteerJobSpec, VectorSummary } from './protocol.js';

/** A supervised vector records no δ; measure it where MELBO would read, on the prompts it was made from. */
async function withDeltas(model: LanguageModel, set: VectorSet, prompts: readonly string[]): Promise<VectorSet> {
  const targetLayer = defaultLayers(model.config.nLayers).target;
  const batch = encodePrompts(model, prompts);
  try {
    const deltas = await measureDeltas(model, batch, { hook: set.hook, targetLayer }, set.vectors);
    return makeVectorSet(model, { kind: set.kind, hook: set.hook, targetLayer, settings: set.settings, vectors: set.vectors, deltas, meta: set.meta });
  } finally {
    disposePromptBatch(batch);
  }
}

// A progress event per MELBO step would be thousands of UI updates; a few per second are plenty.
const progressEveryMs = 250;

export const runSteerJob: JobRunner<SteerJobSpec> = async (spec, { files, emit, signal, checkpoint }) => {
  emit({ type: 'log', message: `loading ${spec.model}` });
  const model = await loadModel(spec.model);
  checkpoint();
  throwIfAborted(signal, 'steering');
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  let set: VectorSet;
  if (spec.method === 'supervised') {
    const R = spec.supervisedRadius ?? 16;
    const steps = spec.supervisedSteps ?? defaultOptimisedConfig.steps;
    emit({ type: 'progress', step: 0, total: steps, seconds: 0 });
    let last = 0;
    const trained = await optimisedVector(model, spec.prompts, spec.target, { R, steps }, {
      signal,
      onProgress: (p) => {
        checkpoint();
        if (p.step !== p.steps && performance.now() - last < progressEveryMs) return;
        last = performance.now();
        emit({ type: 'progress', step: p.step, total: p.steps, seconds: seconds(), loss: -p.logProb });
      },
    });
    set = await withDeltas(model, trained, spec.prompts);
  } else {
    let last = 0;
    set = await trainMelbo(model, spec.prompts, { count: spec.count, steps: spec.steps, R: spec.radius }, {
      signal,
      onProgress: (p) => {
        checkpoint();
        if (p.step !== p.steps && performance.now() - last < progressEveryMs) return;
        last = performance.now();
        emit({ type: 'progress', step: p.vector * p.steps + p.step, total: p.count * p.steps, seconds: seconds(), loss: -p.objective, detail: `vector ${p.vector + 1}/${p.count}` });
      },
    });
  }
  saveVectorSet(set, files.vectors);
  emit({ type: 'log', message: `scoring ${set.vectors.length} vector(s) on ${spec.scorePrompts.length} prompts` });
  checkpoint();
  const scores = await scoreBehaviour(model, set, spec.scorePrompts, spec.target, { maxNewTokens: spec.maxNewTokens, signal, onProgress: () => checkpoint() });
  const vectors: VectorSummary[] = scores
    .map((s) => ({
      index: s.index,
      label: s.label ?? `#${s.index}`,
      hitRate: s.hitRate,
      logProb: s.logProb,
      completions: s.completions.map((completion, i) => ({ prompt: spec.scorePrompts[i] ?? '', completion, shows: completion.includes(spec.target) })),
    }))
    .sort((a, b) => a.index - b.index);
  return { kind: 'steer', method: spec.method, file: files.vectors, hook: set.hook, targetLayer: set.targetLayer ?? null, vectors, cosines: vectorCosines(set) };
};
