/** Job specs built from the session: what each start key asks a job process to do. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BadInputError } from '../../errors.js';
import type { JobRecord, MarkedVector, Session } from '../session/session.js';
import { backsampleFields } from '../../jobs/backsample.js';
import { withDefaults } from '../../jobs/fields.js';
import { gcgFields } from '../../jobs/gcg.js';
import { parseBudget, recoverFields } from '../../jobs/recover.js';
import type { RecoverSpec } from '../../jobs/recover.js';
import { steerFields } from '../../jobs/steer.js';
import { verifyFields } from '../../jobs/verify.js';
import { defaultOptimisedConfig } from '../../steer/supervised.js';
import type { SteerSpec } from '../../jobs/steer.js';
import type { BacksampleJobSpec, GcgJobSpec, JobSpec, RecoverJobSpec, SteerJobSpec, VerifyJobSpec } from './protocol.js';

/** The number after the highest job id so far ("j3-gcg" → 4), so ids never repeat in a session. */
export function nextJobNumber(session: Session): number {
  return Math.max(0, ...session.jobs.map((j) => Number(/^j(\d+)-/.exec(j.id)?.[1] ?? 0))) + 1;
}

function requireModel(session: Session): string {
  if (!session.modelDir) throw new BadInputError('no model chosen yet; pick one on the Model screen (1)');
  if (session.target.trim() === '') throw new BadInputError('the target Y is empty; set it on the Model screen (1, then y)');
  return session.modelDir;
}

function heldOut(session: Session): string[] {
  return session.prompts.heldOut.slice(0, session.settings.heldOutLimit);
}

export function gcgSpec(session: Session, id: string, target: 'logit' | MarkedVector): GcgJobSpec {
  const s = session.settings;
  const aim = target === 'logit' ? { target: 'logit' } : { target: 'activation', vector: target.file, index: target.index };
  return {
    kind: 'gcg',
    id,
    label: target === 'logit' ? 'GCG logit' : `GCG act ${target.label}`,
    ...withDefaults(gcgFields, {
      model: requireModel(session), prompts: session.prompts.optimise, heldOut: heldOut(session), text: session.target, ...aim,
      steps: s.steps, searchWidth: s.searchWidth, topK: s.topK, batchSize: s.batchSize, asrEvery: s.asrEvery, length: s.length,
    }),
  };
}

export function verifySpec(session: Session, id: string, text: string, placement?: 'prefix' | 'suffix'): VerifyJobSpec {
  if (text.trim() === '') throw new BadInputError('type a candidate string to verify');
  return {
    kind: 'verify',
    id,
    label: 'verify',
    ...withDefaults(verifyFields, { model: requireModel(session), candidate: text, text: session.target, heldOut: heldOut(session), maxTokens: session.settings.maxNewTokens, placement }),
  };
}

export type SteerMethod = 'supervised' | 'unsupervised' | 'dct';

const steerLabels: Record<SteerMethod, string> = { supervised: 'optimised', unsupervised: 'MELBO', dct: 'DCT' };

function steerSizes(session: Session, method: SteerMethod): Partial<SteerSpec> {
  const s = session.settings;
  if (method === 'supervised') return { method: 'optimised', relativeR: s.supervisedRelativeRadius ?? 1, steps: s.supervisedSteps ?? defaultOptimisedConfig.steps };
  if (method === 'unsupervised') return { method: 'melbo', count: s.vectors, steps: s.vectorSteps, R: s.radius };
  return { ...(session.forms.dct as Partial<SteerSpec>), method: 'dct' };
}

/**
 * Supervised: the optimised vector (norm ≤ a multiple of the residual norm where it goes in); unsupervised: MELBO, or DCT with the Steer
 * stage's DCT form (its features come ranked). Each with δ, so GCG can aim at it.
 */
export function steerSpec(session: Session, id: string, method: SteerMethod): SteerJobSpec {
  const sizes = steerSizes(session, method);
  return {
    kind: 'steer',
    id,
    label: steerLabels[method],
    ...withDefaults(steerFields, {
      model: requireModel(session), prompts: session.prompts.optimise, scorePrompts: heldOut(session), text: session.target, deltas: true, maxTokens: session.settings.maxNewTokens, ...sizes,
    }),
  };
}

export function backsampleSpec(session: Session, id: string, vector: MarkedVector): BacksampleJobSpec {
  const s = session.settings;
  return {
    kind: 'backsample',
    id,
    label: 'backsample',
    ...withDefaults(backsampleFields, {
      model: requireModel(session), vector: vector.file, index: vector.index, heldOut: heldOut(session), text: session.target,
      samples: s.samples, maxTokens: s.sampleTokens, cleanSteps: s.cleanSteps, verify: s.verifyTop, asrTokens: s.maxNewTokens,
    }),
  };
}

/** The Y recover looks for: typed on the form or on Model (y), else the card's behaviour, with the card's own check of it. */
function recoverTarget(session: Session, model: string): string | undefined {
  const typed = session.forms.recover.text;
  if (typeof typed === 'string') return typed;
  return session.targetEdited || !existsSync(join(model, 'card.json')) ? session.target : undefined;
}

/** The recover pipeline with the Recover stage's form; the reference is the card's unless the form names one. */
export function recoverSpec(session: Session, id: string): RecoverJobSpec {
  const model = requireModel(session);
  const spec = withDefaults(recoverFields, { ...(session.forms.recover as Partial<RecoverSpec>), model, text: recoverTarget(session, model) });
  parseBudget(spec.budget);
  return { kind: 'recover', id, label: 'recover', ...spec };
}

export function newJobRecord(spec: JobSpec, now: string): JobRecord {
  return { id: spec.id, kind: spec.kind, label: spec.label, spec, status: 'starting', created: now, losses: [], asrChecks: [], restarts: 0 };
}

/** Jobs a process should be working on: restarted when a session is resumed. */
export function isLive(job: JobRecord): boolean {
  return job.status === 'starting' || job.status === 'running' || job.status === 'paused' || job.status === 'interrupted';
}
