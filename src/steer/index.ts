/** Steering vectors: supervised (CAA, optimised) and unsupervised (MELBO), baselines, analysis, export. */
export type { SteerLayers } from './layers.js';
export { checkLayers, defaultLayers, sourceHook } from './layers.js';
export type { PromptBatch, PromptBatchOptions, PromptInput } from './prompts.js';
export { disposePromptBatch, encodePrompts, leftPad, promptTokens, segmentMatrix } from './prompts.js';
export type { SteerSite } from './shift.js';
export { hiddenRows, measureDeltas, targetShift } from './shift.js';
export { orthonormalBasis, projectOut, randomOnSphere, rowsTensor, tangent, toBall, toSphere } from './sphere.js';
export type { DeltaSpan, ObjectiveWeights, SteeredObjective } from './objectives.js';
export {
  combinedObjective,
  contrastiveObjective,
  cosinePenalty,
  flatDelta,
  magnitudeObjective,
  magnitudePerPrompt,
  promptMeanShift,
  steeredObjective,
} from './objectives.js';
export type { MelboConfig, MelboOptions, MelboProgress, Orthogonality } from './melbo.js';
export { defaultMelboConfig, melboLearningRate, trainMelbo } from './melbo.js';
export type { CaaOptions, OptimisedConfig, OptimisedProgress } from './supervised.js';
export { caaVector, defaultOptimisedConfig, meanCompletionActivation, optimisedVector, stopAfterHook, targetTokens } from './supervised.js';
export type { ForcedBatch } from './teacher-forcing.js';
export { disposeForcedBatch, forcedBatch, targetLogProbs } from './teacher-forcing.js';
export type { ModelInfo } from './fingerprint.js';
export { describeModel } from './fingerprint.js';
export type { LoadVectorSetOptions, VectorKind, VectorMeta, VectorSet, VectorSetParts, VectorSettings } from './vector-set.js';
export { exportJson, loadVectorSet, makeVectorSet, modelFingerprint, saveVectorSet, vectorKinds, vectorSetFormat, vectorSetJson } from './vector-set.js';
export type { GgufOptions } from './gguf.js';
export { controlVectorLayer, exportGguf } from './gguf.js';
export type { BehaviourScore, SteeredCompletions, SteerRunOptions } from './analysis.js';
export { cosineMatrix, randomVectors, scoreBehaviour, steeredCompletions, vectorCosines } from './analysis.js';
export type { Knee, KneeOptions } from './knee.js';
export { findKnee } from './knee.js';
export type { SvgOptions } from './sweep-svg.js';
export { sweepSvg } from './sweep-svg.js';
export type { SweepConfig, SweepPoint, SweepResult } from './sweep.js';
export { completionEmbeddings, defaultSweepConfig, distinctN, sweepRadius, totalVariance } from './sweep.js';
export type { BaselineConfig, BaselineOperators, BaselineOptions, BaselineProgress } from './baselines.js';
export { baselineOperators, defaultBaselineConfig, hessianVectors, jacobianVectors } from './baselines.js';
export type { MonitorEvaluation, MonitorLibrary, MonitorOptions } from './monitor.js';
export { lastTokenStates, monitorAuroc, monitorLibrary, monitorScores } from './monitor.js';
