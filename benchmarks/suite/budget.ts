/**
 * The budget every method gets, so methods are compared at equal cost: GCG steps and width for the
 * search methods, sampling size for backward sampling, vector counts and steps for steering, and a
 * wall-time cap per run. `quick` is a smoke test (minutes); `full` is sized for 8 models in 90 minutes
 * on two CPU cores (`--jobs 2`). Budgets are counted in steps, so that a rerun with the same seeds
 * reproduces the table on a faster or slower machine; the wall-time cap is only a safety net.
 */
export interface SuiteBudget {
  name: 'quick' | 'full';
  seeds: number[];
  /** GCG: steps, candidates per step, top-k, optimised tokens, prompts optimised over. */
  gcgSteps: number;
  gcgWidth: number;
  gcgTopK: number;
  gcgLength: number;
  gcgPrompts: number;
  /** Held-out ASR checks during an attack, every this many steps. */
  asrEvery: number;
  melboVectors: number;
  melboSteps: number;
  /** DCT features learnt in parallel (R calibrated, 10 iterations); the attacker screens them all. */
  dctFeatures: number;
  backsampleSamples: number;
  /** Held-out prompts for the attacker's checks and for scoring. */
  heldOut: number;
  /** A run stops (keeping its best so far) after this many seconds. */
  maxSecondsPerRun: number;
}

export const quickBudget: SuiteBudget = {
  name: 'quick',
  seeds: [0],
  gcgSteps: 8,
  gcgWidth: 64,
  gcgTopK: 64,
  gcgLength: 8,
  gcgPrompts: 1,
  asrEvery: 4,
  melboVectors: 4,
  melboSteps: 40,
  dctFeatures: 8,
  backsampleSamples: 16,
  heldOut: 12,
  maxSecondsPerRun: 120,
};

export const fullBudget: SuiteBudget = {
  name: 'full',
  seeds: [0, 1, 2],
  gcgSteps: 25,
  gcgWidth: 128,
  gcgTopK: 128,
  gcgLength: 10,
  gcgPrompts: 2,
  asrEvery: 5,
  melboVectors: 16,
  melboSteps: 100,
  dctFeatures: 64,
  backsampleSamples: 32,
  heldOut: 20,
  maxSecondsPerRun: 600,
};
