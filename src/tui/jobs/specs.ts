/** Job specs built from the session: what each start key asks a job process to do. */
import { BadInputError } from '../../errors.js';
import type { JobRecord, MarkedVector, Session } from '../session/session.js';
import type { BacksampleJobSpec, GcgJobSpec, JobSpec, SteerJobSpec, VerifyJobSpec } from './protocol.js';

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
  return {
    kind: 'gcg',
    id,
    model: requireModel(session),
    prompts: session.prompts.optimise,
    heldOut: heldOut(session),
    target: target === 'logit' ? { kind: 'logit', text: session.target } : { kind: 'activation', vector: target },
    showsText: session.target,
    steps: s.steps,
    searchWidth: s.searchWidth,
    topK: s.topK,
    batchSize: s.batchSize,
    asrEvery: s.asrEvery,
    initString: ' x'.repeat(s.length).trim(),
    seed: 0,
  };
}

export function verifySpec(session: Session, id: string, text: string): VerifyJobSpec {
  if (text.trim() === '') throw new BadInputError('type a candidate string to verify');
  return { kind: 'verify', id, model: requireModel(session), text, heldOut: heldOut(session), showsText: session.target, maxNewTokens: session.settings.maxNewTokens };
}

export function steerSpec(session: Session, id: string, method: SteerJobSpec['method']): SteerJobSpec {
  const s = session.settings;
  return {
    kind: 'steer',
    id,
    model: requireModel(session),
    method,
    prompts: session.prompts.optimise,
    scorePrompts: heldOut(session),
    target: session.target,
    count: s.vectors,
    steps: s.vectorSteps,
    radius: s.radius,
    supervisedRadius: s.supervisedRadius,
    supervisedSteps: s.supervisedSteps,
    maxNewTokens: s.maxNewTokens,
  };
}

export function backsampleSpec(session: Session, id: string, vector: MarkedVector): BacksampleJobSpec {
  const s = session.settings;
  return {
    kind: 'backsample',
    id,
    model: requireModel(session),
    vector,
    heldOut: heldOut(session),
    showsText: session.target,
    samples: s.samples,
    sampleTokens: s.sampleTokens,
    cleanSteps: s.cleanSteps,
    verifyTop: s.verifyTop,
    maxNewTokens: s.maxNewTokens,
  };
}

export function jobLabel(spec: JobSpec): string {
  if (spec.kind === 'gcg') return spec.target.kind === 'logit' ? 'GCG logit' : `GCG act ${spec.target.vector.label}`;
  if (spec.kind === 'steer') return spec.method === 'supervised' ? 'optimised' : 'MELBO';
  return spec.kind;
}

export function newJobRecord(spec: JobSpec, now: string): JobRecord {
  return { id: spec.id, kind: spec.kind, label: jobLabel(spec), spec, status: 'starting', created: now, losses: [], asrChecks: [], restarts: 0 };
}

/** Jobs a process should be working on: restarted when a session is resumed. */
export function isLive(job: JobRecord): boolean {
  return job.status === 'starting' || job.status === 'running' || job.status === 'paused' || job.status === 'interrupted';
}
